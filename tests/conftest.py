"""Fixtures: a fresh database per test (SQLite, or PostgreSQL from TEST_DATABASE_URL),
an HTTP client, a signed-in client, domain objects, and a query counter.

People, in their states: `member` (confirmed), `other_member` (unconfirmed), `moderator`
(unconfirmed), `admin` (confirmed). Functions and constants are in tests/helpers.py."""

from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from config import ConfigError
from forum.extensions import db, limiter
from forum.models import Category, Post, utcnow
from forum.services import announcements as announcement_service
from forum.services import forum as forum_service
from forum.services import support as support_service
from forum.services import support_desk
from forum.services.members import create_user
from tests import helpers
from tests.helpers import (
    DATABASE_URL,
    QueryCounter,
    Site,
    cookie_problems,
    empty_tables,
    listed_cookie_names,
    make_app,
    sign_in,
)
from tests.smtp import smtp_server  # noqa: F401


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


@pytest.fixture
def app(_schema):
    """A fresh app on an emptied database; an app context is pushed for the test's setup."""
    app = make_app()
    with app.app_context():
        empty_tables()
        # Flask-Limiter is one object per process: its key prefix is set by the first app
        # only, and its store is shared. Give each test's app its own prefix and no counts.
        limiter._key_prefix = app.config["RATELIMIT_KEY_PREFIX"]
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A visitor's test client (no one signed in)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mailbox(app, smtp_server):  # noqa: F811 (the fixture imported above)
    """A real SMTP server that the app mails to; its `messages` are what arrived."""
    app.config["MAIL_URL"] = smtp_server.url
    return smtp_server


@pytest.fixture
def member(app):
    """juniper: a confirmed member (has followed a sign-in link)."""
    user = create_user("juniper", "juniper@example.org")
    user.confirmed_at = utcnow()
    db.session.commit()
    return user


@pytest.fixture
def other_member(app):
    """tomasz: an unconfirmed member (registered, never followed a link). Tests that need
    him confirmed set `confirmed_at` themselves."""
    user = create_user("tomasz", "tomasz@example.org")
    db.session.commit()
    return user


@pytest.fixture
def moderator(app):
    """moss: an unconfirmed moderator (staff rights do not need a confirmed address)."""
    user = create_user("moss", "moss@example.org", role="moderator")
    db.session.commit()
    return user


@pytest.fixture
def admin(app):
    """ada_admin: a confirmed admin."""
    user = create_user("ada_admin", "admin@example.org", role="admin")
    user.confirmed_at = utcnow()
    db.session.commit()
    return user


@pytest.fixture
def admin_client(client, admin):
    """The `client`, signed in as `admin`."""
    sign_in(client, admin)
    return client


@pytest.fixture
def member_client(client, member):
    """The `client`, signed in as `member`. Tests signed in from the start take this or
    `admin_client`; `sign_in(client, user)` (tests/helpers.py) is for anyone else, or for
    changing who is signed in during a test."""
    sign_in(client, member)
    return client


@pytest.fixture
def category(app):
    """ "General", open for writing."""
    cat = Category(name="General", slug="general", description="Anything at all.", position=1)
    db.session.add(cat)
    db.session.commit()
    return cat


@pytest.fixture
def topic(category, member):
    """The member's topic "First topic" in `category`, one post."""
    t = forum_service.create_topic(category, member, "First topic", "Hello **world**.")
    db.session.commit()
    return t


@pytest.fixture
def post(topic, other_member):
    """The other member's reply in `topic` (its second post)."""
    p = forum_service.reply(topic, other_member, "A reply with `code`.")
    db.session.commit()
    return p


@pytest.fixture
def site(app, category, member, other_member, admin) -> Site:
    """One page of each kind: a topic of two posts by `member` and `other_member`, a long
    topic of 69 posts, a published support answer and an announcement."""
    topic = forum_service.create_topic(category, member, "Reading the forum", "First *post*.")
    other = forum_service.reply(topic, other_member, "A reply by someone else.")
    long = forum_service.create_topic(category, other_member, "A long topic", "Post 1")
    for n in range(2, 70):
        forum_service.reply(long, member if n % 2 else other_member, f"Post {n}")
    request = support_service.submit_request(
        support_service.Submission(
            "support", "How do links work?", "I need a link.", "q@example.org", False, None, None
        )
    )
    db.session.flush()
    answer = support_desk.publish(
        support_desk.get_request(request.id),
        admin,
        support_desk.AnswerDraft("How sign-in links work", "How?", "Like so."),
        cleared=True,
    )
    with app.test_request_context():
        announcement, _ = announcement_service.publish(
            admin, "We have a new look", "Read **all about it**.", False
        )
    db.session.commit()
    return Site(
        category=f"/c/{category.slug}",
        topic=f"/t/{topic.id}/{topic.slug}",
        topic_id=topic.id,
        long_topic=f"/t/{long.id}/{long.slug}",
        long_topic_id=long.id,
        post_id=db.session.scalar(
            db.select(Post.id).where(Post.topic_id == topic.id, Post.position == 1)
        ),
        other_post_id=other.id,
        profile=f"/u/{member.username}",
        answer=f"/support/answers/{answer.id}-{answer.slug}",
        announcement=f"/announcements/{announcement.id}",
        request=f"/staff/support/{request.id}",
    )


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


def _whole_suite(config) -> bool:
    # A run of chosen files or tests cannot expect to see every cookie set.
    args = [arg for arg in config.args if not arg.startswith("-")]
    selected = config.option.keyword or config.option.markexpr or config.option.lf
    return not selected and all(Path(arg).is_dir() for arg in args)


def pytest_sessionfinish(session, exitstatus):
    """After the run: the cookies the app really set are exactly those the cookies page lists."""
    if (
        exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        or not helpers.COOKIES_SET
    ):
        return
    try:
        app = make_app()
    except ConfigError:
        # A test stopped with rows sealed under a key of its own; the cookies page reads
        # nothing from the database, so an empty one serves it as well.
        app = make_app(SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        listed = listed_cookie_names(app.test_client())
    problems = cookie_problems(helpers.COOKIES_SET, listed, _whole_suite(session.config))
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line("Cookies page check: " + "; ".join(problems), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
