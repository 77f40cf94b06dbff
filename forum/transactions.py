"""How a request's transaction ends on PostgreSQL: a transaction that wrote nothing ends
with COMMIT, so that psycopg keeps the statements it prepared.

psycopg prepares a statement on a connection once it has run it five times (the server then
parses and plans it once, not on every run), but it forgets every prepared statement at a
ROLLBACK: it cannot know whether the transaction dropped something they used. Flask-
SQLAlchemy ends each request's session with a rollback, a page view's too, so no statement
was ever prepared, and a member's page head (five tables) was planned on every view, at a
cost above running it. COMMIT and ROLLBACK do the same to a transaction that wrote nothing.

Whether it wrote is told by the statements themselves (anything but a SELECT counts as a
write) and by the session (pending objects are never committed by this hook: a view that
left them unflushed meant them to be dropped). A request that failed keeps its rollback.
"""

from flask import Flask
from sqlalchemy import event

from .extensions import close_own_connection, db

_WROTE = "forum_wrote"


def init_app(app: Flask) -> None:
    """Give a read-only request's own connection back (extensions.reads_only()); on
    PostgreSQL, end read-only requests with COMMIT (after the app's other teardowns, before
    Flask-SQLAlchemy's, which closes the session)."""
    app.teardown_appcontext(close_own_connection)
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return
    if not event.contains(engine, "before_cursor_execute", _note_writes):
        event.listen(engine, "begin", _forget_writes)
        event.listen(engine, "before_cursor_execute", _note_writes)
    app.teardown_appcontext(_commit_if_read_only)


def _forget_writes(connection) -> None:
    connection.info.pop(_WROTE, None)


def _note_writes(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[_WROTE] = True


def _commit_if_read_only(error) -> None:
    if not db.session.registry.has():  # no session was opened (extensions.reads_only())
        return
    session = db.session()
    if error is not None or not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        return
    connection = session.connection()
    if connection.info.get(_WROTE):
        return
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # extensions.reads_only(): no transaction to end, and nothing prepared is lost
    try:
        session.commit()
    except Exception:  # the connection went away: the session's own close cleans up
        session.rollback()
