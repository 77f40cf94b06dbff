"""Hostile input: arbitrary text in every form, invalid bytes, huge and deeply nested bodies.

Every answer is a normal page or a clear 4xx, never a 500, and comes within BOUND seconds;
no stored post HTML holds anything outside a strict allow-list.
"""

import re
import socket
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from forum.extensions import db
from forum.models import Post
from forum.services.text import whole_number
from tests.helpers import DATABASE_URL, SAME_SITE, csrf_token, sign_in
from tests.servers import base_env, flask_command, gunicorn

# Seconds one request may take, on a busy 2-core machine; a hang is a failure.
BOUND = 5.0
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character at all, control characters and NUL included (not lone surrogates, which
# cannot be sent as UTF-8).
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=400)
NASTY = [
    "\x00",
    "a\x00b",
    "\u202eevil.exe\u202c",  # right-to-left override
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "عربى مع English و 123",
    "\r\n\r\nSet-Cookie: x=1",
    '<script>alert(1)</script><img src=x onerror="alert(1)">',
    '[click](javascript:alert(1)) <a href="javascript:alert(1)">x</a> ![i](//evil.example/x.png)',
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ">" * 10_000 + " deep quote",
    "- " * 10_000 + "deep list",
    "1. " * 10_000 + "deep ordered list",
    "*" * 10_000,
    "[" * 10_000 + "]" * 10_000,
    "`" * 10_000,
    "\u0301" * 5_000,  # a tower of combining accents
    "```python\n" + "def f(): return 1\n" * 2_000 + "```",
    "- [x] " * 5_000 + "deep task list",
    "x[^1]" * 3_000 + "\n\n[^1]: one note",
    "| a | b |\n|:-|-:|\n" + "| 1 | 2 |\n" * 1_000,
    "![x](https://other.example/a.png) " * 500,
]
EMAILS = [
    "josé@bücher.example",
    "用户@例子.广告",
    "user@xn--bcher-kva.example",
    "a@b",
    "@",
    "x" * 300 + "@example.org",
    'quote"d@example.org',
    "root@[127.0.0.1]",
]


def answered(call, *args, **kwargs):
    """Make a request; it must be answered in time, and never with a server error."""
    start = time.monotonic()
    response = call(*args, **kwargs)
    elapsed = time.monotonic() - start
    assert elapsed < BOUND, f"{args[0] if args else ''}: took {elapsed:.1f} s"
    assert response.status_code < 500, f"{args[0] if args else ''}: {response.status_code}"
    return response


class _AllowList(HTMLParser):
    """Collects every tag and attribute outside what a post may contain."""

    TAGS = {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "img", "input", "li", "ol", "p", "pre", "s", "section", "span",
        "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }  # fmt: skip
    ATTRIBUTES = {
        "a": {"href", "title", "rel", "id", "class"},
        "img": {"src", "alt", "title"},
        "input": {"type", "checked", "disabled", "aria-label"},
        "li": {"id", "class"},
        "ol": {"start", "class"},
        "ul": {"class"},
        "td": {"class"},
        "th": {"class"},
        "code": {"class"},
        "span": {"class"},
        "sup": {"class"},
        "hr": {"class"},
        "section": {"class"},
        "table": {"tabindex"},
        "pre": {"tabindex"},
    }
    # Classes the renderer makes: Pygments' short token names on <span> (letters, at most
    # three), and these fixed ones.
    CLASSES = {
        "footnote-backref", "task-list-item", "footnote-item", "footnotes-list",
        "contains-task-list", "align-left", "align-right", "align-center", "footnote-ref",
        "footnotes-sep", "footnotes", "offsite-image", "offsite-alt",
    }  # fmt: skip

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name not in self.ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} on <{tag}>")
            elif name == "href" and urlsplit(value).scheme not in ("", "http", "https", "mailto"):
                self.problems.append(f"link to {value!r}")
            elif name == "src" and (not value.startswith("/") or value.startswith("//")):
                self.problems.append(f"image from {value!r}")
            elif name == "tabindex" and value != "0":
                self.problems.append(f"tabindex {value!r}")
            elif name == "class" and not self._known_class(tag, value):
                self.problems.append(f"class {value!r}")
            elif name == "id" and not re.fullmatch(r"fn(ref)?-[0-9a-f]{8}-\d+(:\d+)?", value):
                self.problems.append(f"id {value!r}")
            elif tag == "input" and name == "type" and value != "checkbox":
                self.problems.append(f"input of type {value!r}")
        if tag == "input" and ("disabled", "disabled") not in attrs:
            self.problems.append("an input that is not disabled")

    def _known_class(self, tag: str, value: str) -> bool:
        if tag == "code":
            return value.startswith("language-")
        if tag == "span" and re.fullmatch(r"[a-z]{1,3}", value):
            return True
        return value in self.CLASSES

    def handle_comment(self, data):
        self.problems.append("a comment")


def unsafe_html() -> list[str]:
    """Everything in any stored post's HTML that the allow-list does not permit."""
    problems = []
    for post_id, html in db.session.execute(db.select(Post.id, Post.html)):
        parser = _AllowList()
        parser.feed(html)
        problems.extend(f"post {post_id}: {problem}" for problem in parser.problems)
    db.session.remove()
    return problems


@pytest.fixture
def open_app(app):
    """No rate limits: these tests are about input, not about limits."""
    app.config.update(
        LIMIT_POSTING="100000 per minute",
        LIMIT_REGISTER="100000 per minute",
        LIMIT_SIGNIN_IP="100000 per minute",
        LIMIT_SIGNIN_ADDRESS="100000 per minute",
        LIMIT_SUPPORT="100000 per minute",
        LIMIT_SEARCH="100000 per minute",
    )
    return app


def test_the_allow_list_check_catches_escapes():
    parser = _AllowList()
    parser.feed('<p onclick="x"><script></script><a href="javascript:x">y</a><img src="//e/x">')
    assert len(parser.problems) == 4


@HYPOTHESIS
@given(text=ANY_TEXT)
@example(text="")
def test_members_forms_take_any_text(open_app, member, topic, text):
    client, token = member_session(open_app, member)
    first = topic_first_post(topic)
    answered(client.post, f"/t/{topic.id}/reply", data={"body": text, **token})
    answered(client.post, "/c/general/new", data={"title": text[:250], "body": text, **token})
    answered(client.post, f"/p/{first}/edit", data={"body": text or "kept", **token})
    answered(client.post, "/account/email", data={"email": text[:300], **token})
    answered(client.get, f"/t/{topic.id}/{topic.slug}", query_string={"page": text[:50]})
    if has_search(open_app):
        answered(client.get, "/search", query_string={"q": text, "author": text[:40]})
    assert unsafe_html() == []


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_nasty_posts_are_answered_fast_and_stored_safely(open_app, member, topic, text):
    client, token = member_session(open_app, member)
    response = answered(client.post, f"/t/{topic.id}/reply", data={"body": text, **token})
    # A body of nothing but a NUL is empty once cleaned, and sent back; any other is posted.
    assert response.status_code == (422 if text == "\x00" else 302)
    answered(client.post, "/c/general/new", data={"title": text[:200], "body": text, **token})
    page = answered(client.get, f"/t/{topic.id}/{topic.slug}", query_string={"page": "last"})
    assert "<script>alert" not in page.get_data(as_text=True)
    assert unsafe_html() == []


@HYPOTHESIS
@given(username=ANY_TEXT, email=ANY_TEXT | st.sampled_from(EMAILS), text=ANY_TEXT)
@example(username="用户", email="用户@例子.广告", text="\x00")
@example(username="\u202eadmin", email="josé@bücher.example", text="\u200b")
@example(username="a" * 10_000, email="x" * 10_000, text="y" * 30_000)
def test_visitors_forms_take_any_text(open_app, username, email, text):
    client = open_app.test_client()
    answered(
        client.post, "/register", data={"username": username, "email": email}, headers=SAME_SITE
    )
    answered(client.post, "/signin", data={"email": email}, headers=SAME_SITE)
    answered(
        client.post,
        "/support",
        data={"kind": "support", "subject": text[:300], "message": text, "email": email},
        headers=SAME_SITE,
    )
    answered(client.get, "/support/answers", query_string={"q": text})
    answered(client.get, f"/u/{username[:100]}" if username.strip("/") else "/u/x")


def test_too_long_fields_get_clear_messages(open_app, member, topic):
    client, token = member_session(open_app, member)
    limit = open_app.config["MAX_POST_LENGTH"]
    body = {"body": "x" * (limit + 1), **token}
    response = answered(client.post, f"/t/{topic.id}/reply", data=body)
    assert response.status_code == 422
    assert f"{limit:,}" in response.get_data(as_text=True)
    title = {"title": "t" * 201, "body": "b", **token}
    response = answered(client.post, "/c/general/new", data=title)
    assert response.status_code == 422
    assert "A title is 3 to 200 characters long." in response.get_data(as_text=True)
    response = answered(
        client.post, "/support", data={"subject": "s", "message": "m" * 20_001}, headers=SAME_SITE
    )
    assert response.status_code == 422
    assert "The message is at most 20,000 characters." in response.get_data(as_text=True)


def test_a_megabyte_body_is_refused_with_413(open_app, member, topic):
    client = open_app.test_client()
    sign_in(client, member)
    before = db.session.scalar(db.select(db.func.count()).select_from(Post))
    for url, headers in ((f"/t/{topic.id}/reply", {}), ("/support", SAME_SITE)):
        response = answered(client.post, url, data={"body": "x" * 1_000_000}, headers=headers)
        assert response.status_code == 413
        assert "That was too large" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == before


@pytest.mark.parametrize(
    "path, query, body, status",
    [
        ("/t/\xff\xfe", "", b"", 404),  # the WSGI path is bytes seen as Latin-1
        ("/u/\xc3\x28", "page=%ff%fe", b"", 404),
        ("/", "q=%00", b"", 400),
        ("/support/answers", "q=\xff\x00%C0%AF", b"", 400),
        ("/signin", "", b"email=%ff%fe%00&form_token=\xff", 422),
        ("/register", "", b"username=\xc3\x28&email=a%40b\xff.example", 422),
        ("/support", "", b"subject=\xed\xa0\x80&message=%ed%a0%80&kind=\xff", 422),
    ],
)
def test_invalid_utf8_in_urls_and_bodies_is_a_clear_4xx_or_a_page(
    open_app, path, query, body, status
):
    client = open_app.test_client()
    method = "POST" if body else "GET"
    response = answered(
        client.open,
        path,
        method=method,
        environ_overrides={"PATH_INFO": path, "QUERY_STRING": query},
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=SAME_SITE,
    )
    assert response.status_code == status, response.status_code


def test_raw_bytes_through_a_real_server(tmp_path):
    """The same bytes over a socket to gunicorn, where no test client can tidy them up."""
    if DATABASE_URL.startswith("postgresql"):
        pytest.skip("the parsing is the server's and the app's, not the database's")
    env = base_env(
        DATABASE_URL=f"sqlite:///{tmp_path}/raw.db",
        MAIL_URL=f"file://{tmp_path}/mail",
        SECRET_KEY="r" * 64,
        STATS_ENABLED="0",
    )
    assert flask_command(env, "db", "upgrade").returncode == 0
    raw = [
        b"GET /t/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /u/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /support/answers?q=\xc3\x28%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST /signin HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: same-origin\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 16\r\n"
        b"Connection: close\r\n\r\nemail=\xff\xfe\x00@\xc3\x28.org",
        b"POST /register HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n"
        b"Connection: close\r\n\r\nusername=",
    ]
    with gunicorn(env) as url:
        host, port = urlsplit(url).hostname, urlsplit(url).port
        for request in raw:
            status = _raw_status(host, port, request)
            assert 200 <= status < 500, (request[:40], status)
        assert (
            _raw_status(host, port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            == 200
        )


def _raw_status(host, port, request: bytes) -> int:
    start = time.monotonic()
    with socket.create_connection((host, port), timeout=BOUND) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        head = sock.recv(64)
    assert time.monotonic() - start < BOUND
    return int(head.split(b" ", 2)[1])


def member_session(app, member):
    """A client signed in as `member`, and its CSRF token as form data."""
    client = app.test_client()
    sign_in(client, member)
    return client, {"csrf_token": csrf_token(client, "/account")}


def topic_first_post(topic) -> int:
    return db.session.scalar(db.select(db.func.min(Post.id)).where(Post.topic_id == topic.id))


def has_search(app) -> bool:
    return any(rule.rule == "/search" for rule in app.url_map.iter_rules())


def test_every_int_route_answers_404_for_numbers_the_database_cannot_hold(open_app, member):
    client = open_app.test_client()
    sign_in(client, member)
    int_rules = [
        rule
        for rule in open_app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]
    assert len(int_rules) > 10
    for rule in int_rules:
        for number in ("99999999999999999999999", str(2**31), str(2**63)):
            values = {
                name: number if isinstance(converter, IntegerConverter) else "x"
                for name, converter in rule._converters.items()
            }
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m, v=values: v[m.group(1)], rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = answered(client.open, path, method=method, headers=SAME_SITE)
                assert response.status_code == 404, (method, path, response.status_code)
    assert answered(client.get, "/t/99999999999999999999999").status_code == 404


@pytest.mark.parametrize("until", ["9999-12-31", "0001-01-01"])
def test_search_dates_at_the_ends_of_the_calendar(open_app, topic, until):
    client = open_app.test_client()
    response = answered(client.get, "/search", query_string={"q": "topic", "to": until})
    assert response.status_code == 200
    response = answered(client.get, "/search", query_string={"q": "topic", "from": until})
    assert response.status_code == 200


@pytest.mark.parametrize("version", ["²", "\u0661", "1²", "9" * 40, "-1", " 1"])
def test_registration_takes_any_policy_version(open_app, version):
    client = open_app.test_client()
    client.get("/privacy")  # publishes version 1: the version is read only once there is one
    data = {"username": "newcomer", "email": "new@example.org", "policy_version": version}
    response = answered(client.post, "/register", data=data, headers=SAME_SITE)
    assert response.status_code == 303


@pytest.mark.parametrize("raw", ["²", "\u0661", "12³", "", None, "1" * 20, "-3"])
def test_whole_numbers_are_ascii_digits_only(raw):
    assert whole_number(raw) is None
    assert whole_number("0042") == 42
