"""Helpers the tests import: the app factory for tests, signing in, CSRF tokens, mail,
cookie checks and a database dump. Fixtures live in conftest.py, which imports these."""

import contextvars
import os
import re
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import insert, text
from sqlalchemy import inspect as sa_inspect

from config import TestingConfig
from forum import create_app
from forum.extensions import db, enable_migrations
from forum.models import MemberSession, utcnow
from forum.services import mail as mail_service
from forum.services.accounts import session_key_hash

ROOT = Path(__file__).resolve().parent.parent
_TMP = tempfile.mkdtemp(prefix="forum-tests-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
# Every cookie name any response set during the run; compared with /privacy/cookies at the end.
COOKIES_SET: set[str] = set()

# The header a browser sends with a form posted from a page of the same site.
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
# A sign-in link in a mail sent by an app whose SITE_URL is the test client's.
SIGNIN_LINK = re.compile(r"http://localhost/signin/([A-Za-z0-9_-]+)")
# A sign-in link on any host, to find links that point elsewhere.
ANY_SIGNIN_LINK = re.compile(r"https?://[^/\s\"]+/signin/[A-Za-z0-9_-]+")
# A CSRF hidden input, of a form with or without a prefix (`reply-csrf_token`).
CSRF_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"')
# The signed token of a visitor's form, which needs no session.
FORM_TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


TESTING_SESSION_COOKIE = TestingConfig.SESSION_COOKIE_NAME


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own context, as in production.

    The `app` fixture keeps an app context pushed for the test body; without this, every
    request would reuse it, sharing `g` (and the signed-in user Flask-Login keeps there)
    and the database session between requests, which hides real bugs.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        session_cookie = self.application.config["SESSION_COOKIE_NAME"]
        for header in response.headers.getlist("Set-Cookie"):
            name = header.split("=", 1)[0].strip()
            # The session cookie under a production name (__Host-session) is the same cookie;
            # that app's own cookies page lists it by that name (tests/test_sessions.py).
            COOKIES_SET.add(TESTING_SESSION_COOKIE if name == session_cookie else name)
        return response


TEST_TEMPLATES = Path(__file__).resolve().parent / "templates"


def make_app(**overrides):
    """An app on the test database, with mail to files and rate limits of its own."""
    config = {
        "FORUM_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "MAIL_URL": f"file://{_TMP}/mail",
        # Each app counts its own rate limits, even when they share one Redis.
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "STATS_KEY_PREFIX": f"test-stats-{uuid.uuid4().hex}",
        # No flusher thread (an app built with production settings would start one, and it
        # would write a page view into a later test's tables); tests flush when they mean to.
        "STATS_FLUSH_SECONDS": 0,
    }
    config.update(overrides)
    app = create_app(config)
    enable_migrations(app)  # tests build and change schemas with flask_migrate
    app.test_client_class = IsolatedClient
    # Templates that only tests use (a plain mail) live beside the tests.
    app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(TEST_TEMPLATES)])
    return app


def empty_tables() -> None:
    """Delete every row of every table (inside an app context)."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return
    # SQLite ignores PRAGMA foreign_keys inside a transaction: switch it off before the
    # deletes and on again after their commit, or the pooled connection keeps it off and
    # the rest of the run never sees an ON DELETE rule work.
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for name in tables:
            conn.execute(text(f"DELETE FROM {name}"))
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.commit()


def sign_in(client, user) -> None:
    """Sign a member in as following a link does: a server-side session, its key in the
    cookie (where Flask-Login keeps it). Written on a connection of its own, so that the
    test's objects are not expired by a commit.

    The one way tests sign in: the `member_client`/`admin_client` fixtures call it, and
    tests call it for any other user (or a second client)."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    values = {
        "user_id": sa_inspect(user).identity[0],
        "key_hash": session_key_hash(key),
        "created_at": now,
        "expires_at": now + client.application.config["PERMANENT_SESSION_LIFETIME"],
    }
    with db.engine.begin() as conn:
        conn.execute(insert(MemberSession).values(**values))
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True
        session.permanent = True


def token_in(page: str) -> str:
    """The CSRF token of the first form in a page's HTML."""
    match = CSRF_TOKEN.search(page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at `url`, as a browser would send it back."""
    page = client.get(url)
    match = CSRF_TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def form_token(client, url: str) -> str:
    """The signed form token of a visitor's form (no session) on the page at `url`."""
    page = client.get(url)
    match = FORM_TOKEN.search(page.get_data(as_text=True))
    assert match, f"no form token on {url} ({page.status_code})"
    return match.group(1)


def deliver(mailbox) -> list:
    """Send what is queued, as the worker does after a response; return what arrived."""
    mail_service.send_queued()
    return [message for _, message in mailbox.messages]


def link_in(message) -> str:
    """The key of the sign-in link in a mail's plain-text body."""
    return SIGNIN_LINK.search(message.get_body(("plain",)).get_content()).group(1)


class QueryCounter:
    """The SQL statements seen inside a `count_queries()` block."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


_COOKIE_NAME = re.compile(r'<code class="cookie-name">([^<]+)</code>')


def listed_cookie_names(client) -> set[str]:
    """The cookie names the public cookies page lists."""
    page = client.get("/privacy/cookies").get_data(as_text=True)
    return set(_COOKIE_NAME.findall(page))


def cookie_problems(seen: set[str], listed: set[str], whole_suite: bool) -> list[str]:
    """Cookies set but not listed, always; listed but never set, when the whole suite ran."""
    problems = [
        f"cookie {name!r} was set but /privacy/cookies does not list it"
        for name in sorted(seen - listed)
    ]
    if whole_suite:
        problems += [
            f"cookie {name!r} is listed but no test saw it set" for name in sorted(listed - seen)
        ]
    return problems


def dump_database() -> str:
    """Every value in every table, as text, one per line: what a search for a person sees."""
    db.session.remove()
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            values.extend(str(value) for value in row)
    db.session.remove()
    return "\n".join(values)


# --- the bar every page must meet (tests/test_page_structure.py) ------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
FIELDS = {"input", "textarea", "select"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Element:
    tag: str
    attrs: dict
    parents: tuple
    text: str = ""


class Page(HTMLParser):
    """The elements of a page, each with its ancestors' tags and its own text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(e.tag for e in self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for element in self.stack:
            element.text += data

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def by_id(self) -> dict[str, Element]:
        return {e.attrs["id"]: e for e in self.elements if e.attrs.get("id")}


def problems_of(html: str) -> list[str]:
    """What keeps a page from the bar every page must meet."""
    page, found = Page(html), []
    (root,) = page.all("html") or [Element("html", {}, ())]
    if not root.attrs.get("lang"):
        found.append("no lang on <html>")
    titles = [t for t in page.all("title") if "svg" not in t.parents]
    if len(titles) != 1 or not titles[0].text.strip() or titles[0].text.strip().startswith("·"):
        found.append(f"title: {[t.text for t in titles]}")
    h1s = page.all("h1")
    if len(h1s) != 1 or not h1s[0].text.strip():
        found.append(f"{len(h1s)} <h1> elements: {[h.text.strip() for h in h1s]}")
    for landmark in ("header", "main", "footer", "nav"):
        if not page.all(landmark):
            found.append(f"no <{landmark}>")
    if len(page.all("main")) != 1:
        found.append("more than one <main>")
    if not any(a.attrs.get("href") == "#main" for a in page.all("a")):
        found.append("no skip link")
    ids = [e.attrs["id"] for e in page.elements if e.attrs.get("id")]
    found += [f"duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    by_id = page.by_id()
    labelled = {e.attrs.get("for") for e in page.all("label")}
    for e in page.elements:
        if e.tag in FIELDS and e.attrs.get("type") not in UNLABELLED_INPUTS:
            name = e.attrs.get("name") or e.attrs.get("id")
            if not (
                e.attrs.get("id") in labelled
                or "label" in e.parents
                or e.attrs.get("aria-label")
                or e.attrs.get("aria-labelledby")
            ):
                found.append(f"field {name!r} has no label")
        for ref in e.attrs.get("aria-describedby", "").split():
            if ref not in by_id:
                found.append(f"{e.tag} aria-describedby points at missing {ref!r}")
        if e.attrs.get("aria-invalid") == "true":
            described = [by_id.get(r) for r in e.attrs.get("aria-describedby", "").split()]
            if not any(d is not None and "error" in d.attrs.get("class", "") for d in described):
                found.append(f"invalid field {e.attrs.get('name')!r} is not tied to its error")
    for e in page.elements:
        if "error" in e.attrs.get("class", "").split() and e.attrs.get("id", "").endswith("-error"):
            field_id = e.attrs["id"].removesuffix("-error")
            field = by_id.get(field_id)
            if field is None or e.attrs["id"] not in field.attrs.get("aria-describedby", ""):
                found.append(f"error {e.attrs['id']!r} is not tied to a field")
    for img in page.all("img"):
        if "alt" not in img.attrs:
            found.append(f"image {img.attrs.get('src')!r} has no alt")
    return found


@dataclass(frozen=True)
class Site:
    """Paths to one page of each kind (plain strings: no ORM object outlives the seeding)."""

    category: str
    topic: str
    topic_id: int
    long_topic: str
    long_topic_id: int
    post_id: int
    other_post_id: int
    profile: str
    answer: str
    announcement: str
    request: str


# The page lists every page kind is checked on, here and in tests/browser/test_every_page.py.
MISSING_PAGE = "/no/such/page"
# The pages whose one right answer is 404: a missing page, and the reveal page asked for
# nothing (it names what to reveal in its query string).
NOT_FOUND_PAGES = {MISSING_PAGE, "/staff/reveal"}


def forum_pages(site: Site) -> list[str]:
    """The pages whose controls change with who reads them."""
    return [
        "/",
        site.category,
        site.topic,
        site.long_topic,
        site.long_topic + "?page=2",
        site.profile,
        "/latest",
    ]


def public_pages(site: Site) -> list[str]:
    return [
        *forum_pages(site),
        "/privacy",
        "/privacy/v/1",
        "/privacy/cookies",
        "/privacy/data",
        "/stats",
        "/transparency",
        "/support",
        "/support/answers",
        site.answer,
        "/announcements",
        site.announcement,
        MISSING_PAGE,
    ]


def visitor_pages(site: Site) -> list[str]:
    return [*public_pages(site), "/signin", "/register", "/signin/sent"]


def member_only_pages(site: Site) -> list[str]:
    return [
        site.category + "/new",
        f"/p/{site.post_id}/edit",
        "/account",
        "/account/data",
        "/unread",
        f"/p/{site.post_id}/thanked-by",
    ]


def member_pages(site: Site) -> list[str]:
    return [*public_pages(site), *member_only_pages(site)]


def staff_only_pages(site: Site) -> list[str]:
    """The admin's own pages; staff_routes adds every other the staff blueprints have."""
    return [
        site.category + "/new",
        "/staff/support",
        site.request,
        site.request + "/publish",
        f"/staff/posts/{site.other_post_id}",
        f"/staff/topics/{site.topic_id}",
        "/staff/members/tomasz",
        "/staff/disclosures",
        "/staff/members/tomasz/remove",
    ]


def staff_pages(site: Site) -> list[str]:
    return [*public_pages(site), *staff_only_pages(site)]


def staff_routes_without_arguments(app) -> list[str]:
    """GET pages of the staff and moderation blueprints that need no argument."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint.split(".")[0]
        in {"desk", "disclosure", "support_desk", "admin", "moderation", "sanctions"}
    )
