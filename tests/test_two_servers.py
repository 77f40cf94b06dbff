"""Two app servers on one PostgreSQL database, each with its own page cache: a member's
reply through one shows on the other's next page view, for members and visitors alike.

Cached pages are keyed on revision counters read from the database on every view, so no
server has to be told: this test serves the pages warm from both caches, writes through
server A, and reads through server B.
"""

import tempfile
import urllib.request
from urllib.parse import urlencode

import pytest

from bench.load import SECRET_KEY, TOKEN, prepare, raw_request
from config import TestingConfig
from tests.helpers import DATABASE_URL, make_app
from tests.servers import base_env, gunicorn

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="two app servers share a PostgreSQL database: set TEST_DATABASE_URL to one",
)

VIEWS = 6  # enough requests to reach both workers of a server


def _visitor_page(base: str, path: str) -> str:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        assert response.status == 200
        assert response.headers.get("Set-Cookie") is None
        return response.read().decode()


def _member_page(base: str, path: str, cookie: str) -> str:
    status, _, page = raw_request(base, "GET", path, cookie)
    assert status == 200 and "Sign out" in page, status
    return page


def test_a_reply_through_one_server_shows_on_the_other_at_once(app):
    loaded = make_app(SECRET_KEY=SECRET_KEY)
    topic_id, topic_path, cookies = prepare(loaded, 2)
    writer, reader = cookies
    with loaded.app_context():
        from forum.extensions import db
        from forum.models import Category, Topic

        slug = db.session.scalar(
            db.select(Category.slug)
            .join(Topic, Topic.category_id == Category.id)
            .where(Topic.id == topic_id)
        )
        category_path = f"/c/{slug}"
        db.session.remove()
    env = base_env(
        DATABASE_URL=DATABASE_URL,
        MAIL_URL=f"file://{tempfile.mkdtemp(prefix='forum-two-')}/mail",
        SECRET_KEY=SECRET_KEY,
        DATA_KEY=TestingConfig.DATA_KEY,  # the test database is sealed under it
        STATS_ENABLED="0",
        PAGE_CACHE_SIZE="500",
        PAGE_CACHE_SECONDS="600",  # nothing may expire by itself during the test
    )
    pages = [topic_path, category_path, "/", "/latest"]
    with gunicorn(env, workers=2) as server_a, gunicorn(env, workers=2) as server_b:
        for base in (server_a, server_b):  # both caches warm, for visitors and members
            for path in pages:
                for _ in range(VIEWS):
                    assert "Something said on A" not in _visitor_page(base, path)
                    assert "Something said on A" not in _member_page(base, path, reader)
        _, new, page = raw_request(server_a, "GET", topic_path, writer)
        cookie, token = new or writer, TOKEN.search(page).group(1)
        body = urlencode({"csrf_token": token, "body": "Something said on A"})
        status, _, _ = raw_request(server_a, "POST", f"/t/{topic_id}/reply", cookie, body.encode())
        assert status == 302
        for _ in range(VIEWS):
            assert "1 reply" in _visitor_page(server_b, category_path)
            member_listing = _member_page(server_b, category_path, reader)
            # The reader has not opened the topic since: its reply is new to them.
            assert "1 reply" in member_listing and "New posts" in member_listing
            assert "2 posts" in _visitor_page(server_b, "/")
            index = _member_page(server_b, "/", reader)
            assert "2 posts" in index and "New posts" in index
            assert "1 reply" in _visitor_page(server_b, "/latest")
            unread = _member_page(server_b, "/unread", reader)
            assert f'href="{topic_path.split("?")[0]}' in unread
        for _ in range(VIEWS):
            assert "Something said on A" in _visitor_page(server_b, topic_path)
            assert "Something said on A" in _member_page(server_b, topic_path, reader)
