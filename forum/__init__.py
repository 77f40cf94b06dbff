"""A small forum that knows as little about you as it can."""

import os
import select
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, ValidationError

import config as settings

from . import (
    cli,
    hooks,
    i18n,
    links,
    pagecache,
    rate_limits,
    sealing,
    security,
    templating,
    transactions,
    views,
)
from .extensions import PLAN_EACH_RUN, babel, csrf, db, limiter, login_manager
from .forms import widgets as form_widgets


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app: settings from FORUM_ENV and the environment, overridden by `config`."""
    overrides = dict(config or {})
    app = Flask(
        __name__,
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
        instance_path=str(settings.INSTANCE),
    )
    app.config.from_mapping(settings.load(overrides.pop("FORUM_ENV", None), overrides))
    _check_mail_url(app.config["MAIL_URL"])
    sealing.init_app(app)
    _pool_options(app)
    db.init_app(app)
    _configure_database(app)
    transactions.init_app(app)
    _check_data_key(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _configure_login(app)
    app.session_interface = security.FixedExpirySessionInterface()
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    templating.init_app(app)
    form_widgets.install()
    links.init_app(app)
    pagecache.init_app(app)
    # Before any blueprint adds a rule: every <int:...> in the URL map is this one.
    app.url_map.converters["int"] = DatabaseIntConverter

    hooks.init_app(app)
    views.register(app)
    with app.app_context():
        rate_limits.drop_idle_request_check(app, limiter)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        host = n if app.config["PROXY_TRUST_HOST"] else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=host)

    cli.init_app(app)
    return app


class DatabaseIntConverter(IntegerConverter):
    """<int:...> for ids and numbers kept in INTEGER columns: a number the database cannot
    hold (more than 2**31 - 1 on PostgreSQL) matches no page, a 404 instead of a 500."""

    LIMIT = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not -self.LIMIT <= number <= self.LIMIT:
            raise ValidationError()
        return number


def _check_mail_url(url: str) -> None:
    # A mistyped MAIL_URL should stop the start, not the first sign-in.
    from .mail_transports import transport_from_url

    try:
        transport_from_url(url)
    except ValueError as exc:
        raise settings.ConfigError(str(exc)) from None


def _check_data_key(app: Flask) -> None:
    # A wrong DATA_KEY should stop the start, not the first sign-in.
    with app.app_context():
        problem = sealing.check_key(app, db.engine, db.metadata)
    if problem:
        raise settings.ConfigError(problem)


def _pool_options(app: Flask) -> None:
    # PostgreSQL: a worker takes back the connection it used last, whose statements psycopg
    # has prepared; a second connection, opened now and then (the statistics' daily salt is
    # written on one of its own), would otherwise take every other request. Its connections
    # are checked without a round trip (_check_connection), not pinged. SQLite's in-memory
    # pool takes no such option.
    if make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_use_lifo": True,
            **options,
            "pool_pre_ping": False,
        }


def _check_connection(dbapi_connection, _record, _proxy) -> None:
    """Pool checkout (PostgreSQL): a connection that the server or the network closed
    while it waited in the pool is given up, and the pool opens another.

    What pool_pre_ping's SELECT 1 finds, without its round trip on every request (a tenth
    of a search page): nothing comes on an idle connection (no LISTEN here) unless its end
    came, the server's goodbye (shut down, idle timeout, terminated) or the socket closing.
    A connection libpq knows is broken, or with something to read, is not used.
    """
    from psycopg.pq import ConnStatus  # imported already: the connection is psycopg's

    pgconn = dbapi_connection.pgconn
    if dbapi_connection.closed or pgconn.status != ConnStatus.OK:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection")


def _execute_planned_each_run(cursor, statement, parameters, context) -> bool | None:
    """do_execute (PostgreSQL): a statement marked PLAN_EACH_RUN is sent unprepared.

    psycopg prepares a statement from its fifth run on, and PostgreSQL may then keep one
    generic plan for every value. For a search's ranking no plan suits every word: a rare
    one wants its few matches from the full-text index, a common one the newest posts by
    id, and the generic plan read all 61,680 matches of a common word (100 ms, not 9).
    """
    if not context.execution_options.get(PLAN_EACH_RUN):
        return None
    cursor.execute(statement, parameters, prepare=False)
    return True


def _configure_database(app: Flask) -> None:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        with app.app_context():
            event.listen(db.engine, "checkout", _check_connection)
            event.listen(db.engine, "do_execute", _execute_planned_each_run)
    if url.get_backend_name() != "sqlite":
        return
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        path = Path(url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created here, readable by its owner only, before SQLite would create it 0644;
        # SQLite gives the -wal and -shm files the database file's mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    cache_kib = app.config["SQLITE_CACHE_MB"] * 1024

    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        _set_pragmas(dbapi_connection, cache_kib)

    with app.app_context():
        event.listen(db.engine, "connect", _sqlite_pragmas)


def _set_pragmas(dbapi_connection, cache_kib: int) -> None:
    # WAL lets readers go on while one writer writes; the busy timeout queues writers.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not left in free pages for anyone to read.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Pages kept per connection (a negative size is in KiB); they are allocated as used.
    cursor.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    cursor.close()


def _configure_login(app: Flask) -> None:
    from .services.accounts import member_for_session

    login_manager.init_app(app)
    # No session protection hash: the cookie names a revocable session key instead.
    login_manager.session_protection = None
    # Flask-Login hashes the client's address and agent on every request before it looks
    # whether session protection is on; it is off, so nothing needs the hash.
    login_manager._session_identifier_generator = str
    login_manager.anonymous_user = Visitor
    login_manager.user_loader(member_for_session)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import abort, redirect, request, url_for

        if request.method == "GET":
            return redirect(url_for("accounts.signin"))
        abort(401, _("Writing needs a member account; reading does not."))


class Visitor(AnonymousUserMixin):
    """Whoever is not signed in: never staff, never suspended."""

    id = None
    is_staff = False
    is_admin = False

    def suspended(self, now=None) -> bool:
        return False
