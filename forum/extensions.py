"""Extensions, created unbound here and bound to an app in create_app()."""

from flask import g, has_app_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

import config as settings

from .rate_limits import rate_limit_key

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


# Storage (memory:// or Redis) and the limits themselves come from the app's config.
limiter = Limiter(key_func=rate_limit_key, headers_enabled=True)


# A statement's execution option: PostgreSQL plans it for the values of each run (not
# prepared; see forum/__init__.py, _execute_planned_each_run).
PLAN_EACH_RUN = "forum_plan_each_run"


def read_columns(statement, params: dict | None = None):
    """Run a SELECT of columns (no ORM entities) on the connection this request reads on
    (reading()), and return the result.

    For the few reads on every page view (a page's head, a member's reading progress):
    going through the connection skips the ORM's execution machinery, which costs as much
    again as the query. It does not flush the session first, so it is for reads that
    nothing in this request has changed yet.
    """
    return reading().execute(statement, params)


# Where a read-only request keeps a connection of its own (reads_only()).
_OWN_CONNECTION = "_forum_reading"


def reading():
    """The connection this request reads on: its own, if reads_only() gave it one, else
    the session's (in the session's transaction)."""
    own = g.get(_OWN_CONNECTION) if has_app_context() else None
    return own if own is not None else db.session.connection()


def reads_only() -> None:
    """Declare, before its first query, that this request only reads: its statements run
    without a transaction around them.

    On PostgreSQL that saves the BEGIN and the COMMIT, two round trips to the server, and
    changes nothing a reader sees: under READ COMMITTED every statement takes its own
    snapshot, in a transaction or not. A request that writes must not call this (each
    statement would commit on its own). SQLite opens no transaction for a read anyway.

    A request with no cookie, a visitor's, has no member to load: it reads (reading(),
    read_columns()) on a connection of its own from the pool, without the ORM session,
    whose setting up and closing cost a visitor's search page a tenth of its time. Any
    other request reads on the session's connection, which on PostgreSQL is put in
    autocommit (setting SQLite's isolation level back would cost a PRAGMA per request).
    """
    if g.get(_OWN_CONNECTION) is not None:
        return
    postgresql = db.engine.dialect.name == "postgresql"
    if not request.cookies and not db.session.registry.has():
        connection = db.engine.connect()
        if postgresql:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        setattr(g, _OWN_CONNECTION, connection)
        return
    session = db.session()
    if postgresql and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def close_own_connection(_error=None) -> None:
    """teardown_appcontext: give a read-only request's own connection back to the pool."""
    connection = g.pop(_OWN_CONNECTION, None)
    if connection is not None:
        connection.close()


def enable_migrations(app) -> None:
    """Flask-Migrate on `app`, for flask_migrate.upgrade() and the like (tests, scripts).

    Not part of create_app: Flask-Migrate imports Alembic, about 10 MB in every web worker,
    which never migrates. `flask db ...` calls this itself (forum/cli.py).
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
