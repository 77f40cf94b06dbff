"""Browser fixtures: Debian's Chromium driven by pytest-playwright, the app served from a
thread on a free port, and a visitor's browser context that takes no cookies."""

import os
import threading
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import WSGIRequestHandler, make_server

from forum.extensions import db
from forum.services import forum as forum_service
from tests.browser.helpers import LONG_WORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
TIMEOUT_MS = 10_000
# Every journey runs on a phone and on a desktop: parametrize("width", WIDTHS, indirect=True).
SIDEWAYS = "sideways-scroll:"
# Injected by the browser driver (so outside the page's CSP): after each load, report
# through the console when the document is wider than the window.
_WATCH_WIDTH = f"""
window.addEventListener("load", () => {{
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {{
    console.debug("{SIDEWAYS} " + location.href + " is " + root.scrollWidth + " px wide in "
      + root.clientWidth);
  }}
}});
"""


def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder `browser`; skip them all where Chromium is missing."""
    has_chromium = os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)
    skip = pytest.mark.skip(
        reason=f"no Chromium executable at {CHROMIUM} (install Debian's chromium, "
        "or point CHROMIUM_PATH at one)"
    )
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if not has_chromium:
                # CI installs Chromium and sets REQUIRE_BROWSER: there, missing is a failure.
                if os.environ.get("REQUIRE_BROWSER"):
                    raise pytest.UsageError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing")
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class _QuietHandler(WSGIRequestHandler):
    """Logs errors, not every request."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP from a daemon thread; yields its base URL."""
    # What the test seeded is committed, and its session closed: the server's requests
    # each get their own app context and session, and must see the same rows.
    db.session.commit()
    db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    base_url = f"http://127.0.0.1:{server.server_port}"
    # Mailed links are built from SITE_URL: here, the server the browser talks to.
    app.config["SITE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Visit:
    """A browser context and page, with what the page did on the way."""

    context: object
    page: object
    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    refused_cookies: list[str] = field(default_factory=list)
    sideways: list[str] = field(default_factory=list)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None, path
        return response

    def csp_errors(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" in m]


def _refuse_cookies(visit: Visit, playwright):
    """A route handler that makes every request itself and drops Set-Cookie from the answer.

    Not `route.fetch()`: that shares the browser context's cookie jar, which would keep the
    cookie even though the page never sees the header. A throwaway request context per
    request keeps nothing; redirects go back to the browser, to be routed here in turn.
    """

    def handle(route):
        request = route.request
        api = playwright.request.new_context()
        try:
            response = api.fetch(
                request.url,
                method=request.method,
                headers=request.headers,
                data=request.post_data_buffer,
                max_redirects=0,
                fail_on_status_code=False,
            )
            headers = {}
            for header in response.headers_array:
                name, value = header["name"], header["value"]
                if name.lower() == "set-cookie":
                    visit.refused_cookies.append(f"{request.url}: {value}")
                else:
                    headers[name] = f"{headers[name]}, {value}" if name in headers else value
            route.fulfill(status=response.status, headers=headers, body=response.body())
        except PlaywrightError:
            # Mostly: the page navigated away while this request (a favicon) was in flight.
            with suppress(PlaywrightError):
                route.abort()
        finally:
            api.dispose()

    return handle


def _open(
    browser, playwright, base_url: str, *, refuse_cookies: bool, width: int, **context_args
) -> Visit:
    context = browser.new_context(**{"viewport": {"width": width, "height": 800}, **context_args})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(_WATCH_WIDTH)
    page = context.new_page()
    visit = Visit(context, page, base_url)
    if refuse_cookies:
        context.route("**/*", _refuse_cookies(visit, playwright))
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on(
        "console",
        lambda msg: visit.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.on(
        "console",
        lambda msg: visit.sideways.append(msg.text) if msg.text.startswith(SIDEWAYS) else None,
    )
    page.on("pageerror", lambda exc: visit.page_errors.append(str(exc)))
    return visit


@pytest.fixture
def width(request) -> int:
    """The width of the test's browser windows: 1280 px unless the test parametrizes it."""
    return getattr(request, "param", 1280)


@pytest.fixture
def visit(browser, playwright, live_server, width):
    """A visitor's page on the live server, in a context that refuses every cookie.

    No page it loads may scroll sideways (checked after the test).
    """
    v = _open(browser, playwright, live_server, refuse_cookies=True, width=width)
    yield v
    v.context.close()
    assert v.sideways == [], "\n".join(v.sideways)


@pytest.fixture
def open_visit(browser, playwright, live_server, width):
    """`open_visit(**context_args)` opens more visitor pages (viewport, color scheme...);
    no page they load may scroll sideways (checked after the test)."""
    opened = []

    def opener(refuse_cookies: bool = True, **context_args) -> Visit:
        v = _open(
            browser,
            playwright,
            live_server,
            refuse_cookies=refuse_cookies,
            width=width,
            **context_args,
        )
        opened.append(v)
        return v

    yield opener
    for v in opened:
        v.context.close()
    sideways = [line for v in opened for line in v.sideways]
    assert sideways == [], "\n".join(sideways)


# --- the forum the journeys read -------------------------------------------------------

LONG_URL = "https://example.org/" + "/".join(f"segment-{n}-without-any-break" for n in range(12))

RICH_POST = """\
A quote, some code, and a table.

> The quieter you become, the more you can hear.
> A second line of the quote with `inline code`.

```python
def greet(name):
    return f"Hello, {name}!"  # a comment long enough to need a horizontal scroll bar somewhere
```

| Setting | Default | Meaning |
|:--------|--------:|:-------:|
| POSTS_PER_PAGE | 20 | posts on a topic page |
| TOPICS_PER_PAGE | 25 | topics on a category page |
"""

WIDE_TABLE = (
    "| "
    + " | ".join(f"Column {n}" for n in range(1, 16))
    + " |\n|"
    + "---|" * 15
    + "\n| "
    + " | ".join(f"value-{n}-wide" for n in range(1, 16))
    + " |\n"
)

LONG_POST = f"""\
One word that never breaks: {LONG_WORD}

A long link: {LONG_URL}

{WIDE_TABLE}
```
{LONG_WORD} {LONG_WORD}
```
"""


@dataclass(frozen=True)
class Forum:
    """Paths into the seeded forum, as plain strings (no ORM objects outlive the seeding)."""

    category: str
    category_name: str
    topic: str
    topic_title: str
    long_topic: str
    profile: str
    first_post_text: str


@pytest.fixture
def forum(category, member, moderator) -> Forum:
    """A category with two topics: one with a quote, code and a table, one with very long
    words, a long URL and a wide table; written by a member and a moderator."""
    rich = forum_service.create_topic(
        category, member, "Reading the forum", "The first post of the topic."
    )
    forum_service.reply(rich, moderator, RICH_POST)
    long = forum_service.create_topic(category, moderator, f"Long {LONG_WORD[:120]}", LONG_POST)
    forum_service.reply(long, member, f"{LONG_URL} and {LONG_WORD}")
    db.session.commit()
    seeded = Forum(
        category=f"/c/{category.slug}",
        category_name=category.name,
        topic=f"/t/{rich.id}/{rich.slug}",
        topic_title=rich.title,
        long_topic=f"/t/{long.id}/{long.slug}",
        profile=f"/u/{moderator.username}",
        first_post_text="The first post of the topic.",
    )
    # Reading the ids above began a transaction: end it, and let no ORM object outlive it.
    db.session.remove()
    return seeded
