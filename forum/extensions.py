"""Extensions, created unbound here and bound to an app in create_app()."""

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
    """Run a SELECT of columns (no ORM entities) on the session's connection, in its
    transaction, and return the result.

    For the few reads on every page view (a page's head, a member's reading progress):
    going through the connection skips the ORM's execution machinery, which costs as much
    again as the query. It does not flush the session first, so it is for reads that
    nothing in this request has changed yet.
    """
    return db.session.connection().execute(statement, params)


def reads_only() -> None:
    """Declare, before its first query, that this request only reads: its statements run
    without a transaction around them.

    On PostgreSQL that saves the BEGIN and the COMMIT, two round trips to the server, and
    changes nothing a reader sees: under READ COMMITTED every statement takes its own
    snapshot, in a transaction or not. A request that writes must not call this (each
    statement would commit on its own). SQLite opens no transaction for a read anyway, and
    is left alone: setting its isolation level back costs a PRAGMA per request.
    """
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def enable_migrations(app) -> None:
    """Flask-Migrate on `app`, for flask_migrate.upgrade() and the like (tests, scripts).

    Not part of create_app: Flask-Migrate imports Alembic, about 10 MB in every web worker,
    which never migrates. `flask db ...` calls this itself (forum/cli.py).
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
