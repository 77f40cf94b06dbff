"""Fixtures: a fresh database per test (SQLite, or PostgreSQL from TEST_DATABASE_URL),
an HTTP client, a signed-in client, domain objects, and a query counter."""

import contextvars
import os
import re
import secrets
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, insert, text
from sqlalchemy import inspect as sa_inspect

from forum import create_app
from forum.extensions import db, limiter
from forum.models import Category, MemberSession, utcnow
from forum.services import forum as forum_service
from forum.services.accounts import session_key_hash
from forum.services.members import create_user
from tests.smtp import smtp_server  # noqa: F401

_TMP = tempfile.mkdtemp(prefix="forum-tests-")
# Every cookie name any response set during the run; compared with /privacy/cookies at the end.
COOKIES_SET: set[str] = set()
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own context, as in production.

    The `app` fixture keeps an app context pushed for the test body; without this, every
    request would reuse it, sharing `g` (and the signed-in user Flask-Login keeps there)
    and the database session between requests, which hides real bugs.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        for header in response.headers.getlist("Set-Cookie"):
            COOKIES_SET.add(header.split("=", 1)[0].strip())
        return response


def make_app(**overrides):
    config = {
        "FORUM_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "MAIL_URL": f"file://{_TMP}/mail",
        # Each app counts its own rate limits, even when they share one Redis.
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "STATS_KEY_PREFIX": f"test-stats-{uuid.uuid4().hex}",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def _schema():
    """Build the schema once per run, through the migrations, as production does."""
    app = make_app()
    with app.app_context():
        if DATABASE_URL.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return DATABASE_URL


def _empty_tables() -> None:
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


@pytest.fixture
def app(_schema):
    """A fresh app on an emptied database; an app context is pushed for the test's setup."""
    app = make_app()
    with app.app_context():
        _empty_tables()
        # Flask-Limiter is one object per process: its key prefix is set by the first app
        # only, and its store is shared. Give each test's app its own prefix and no counts.
        limiter._key_prefix = app.config["RATELIMIT_KEY_PREFIX"]
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def sign_in(client, user) -> None:
    """Sign a member in as following a link does: a server-side session, its key in the
    cookie (where Flask-Login keeps it). Written on a connection of its own, so that the
    test's objects are not expired by a commit."""
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


@pytest.fixture
def mailbox(app, smtp_server):  # noqa: F811 (the fixture imported above)
    """A real SMTP server that the app mails to; its `messages` are what arrived."""
    app.config["MAIL_URL"] = smtp_server.url
    return smtp_server


@pytest.fixture
def member(app):
    user = create_user("juniper", "juniper@example.org")
    user.confirmed_at = utcnow()
    db.session.commit()
    return user


@pytest.fixture
def other_member(app):
    user = create_user("tomasz", "tomasz@example.org")
    db.session.commit()
    return user


@pytest.fixture
def moderator(app):
    user = create_user("moss", "moss@example.org", role="moderator")
    db.session.commit()
    return user


@pytest.fixture
def admin(app):
    user = create_user("ada_admin", "admin@example.org", role="admin")
    user.confirmed_at = utcnow()
    db.session.commit()
    return user


@pytest.fixture
def admin_client(client, admin):
    sign_in(client, admin)
    return client


@pytest.fixture
def member_client(client, member):
    sign_in(client, member)
    return client


@pytest.fixture
def category(app):
    cat = Category(name="General", slug="general", description="Anything at all.", position=1)
    db.session.add(cat)
    db.session.commit()
    return cat


@pytest.fixture
def topic(category, member):
    t = forum_service.create_topic(category, member, "First topic", "Hello **world**.")
    db.session.commit()
    return t


@pytest.fixture
def post(topic, other_member):
    p = forum_service.reply(topic, other_member, "A reply with `code`.")
    db.session.commit()
    return p


_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at `url`, as a browser would send it back."""
    page = client.get(url)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as q:` counts the SQL statements run inside the block."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            # The statistics' daily salt is fetched once a day per worker, not per page.
            if "stat_salt" not in statement:
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


ROOT = Path(__file__).resolve().parent.parent


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


def _whole_suite(config) -> bool:
    # A run of chosen files or tests cannot expect to see every cookie set.
    args = [arg for arg in config.args if not arg.startswith("-")]
    selected = config.option.keyword or config.option.markexpr or config.option.lf
    return not selected and all(Path(arg).is_dir() for arg in args)


def pytest_sessionfinish(session, exitstatus):
    """After the run: the cookies the app really set are exactly those the cookies page lists."""
    if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not COOKIES_SET:
        return
    app = make_app()
    with app.app_context():
        listed = listed_cookie_names(app.test_client())
    problems = cookie_problems(COOKIES_SET, listed, _whole_suite(session.config))
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line("Cookies page check: " + "; ".join(problems), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def dump_database() -> str:
    """Every value in every table, as text, one per line: what a search for a person sees."""
    db.session.remove()
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            values.extend(str(value) for value in row)
    db.session.remove()
    return "\n".join(values)
