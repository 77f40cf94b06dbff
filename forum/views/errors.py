"""Error pages in the site's style."""

import time
from datetime import UTC, datetime

from flask import current_app, g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import Forbidden as HTTPForbidden
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.exceptions import NotFound as HTTPNotFound

from ..catalogs import N_
from ..extensions import db, limiter, login_manager
from ..services import NotFound

TITLES = {
    400: _l("That request was not understood"),
    401: _l("Please sign in first"),
    403: _l("You may not do that"),
    404: _l("Page not found"),
    405: _l("That method is not allowed here"),
    413: _l("That was too large"),
    422: _l("That could not be processed"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("The forum is unavailable for a moment"),
}

# How long a browser (or a proxy) should wait before trying again after a 503.
RETRY_AFTER_SECONDS = 30

# A connection lost during a commit cannot tell whether the commit happened: say so.
UNREACHABLE = N_(
    "The forum cannot reach its database just now. Please try again in a minute; if you "
    "were sending something, check whether it arrived before sending it again."
)
READ_ONLY = N_(
    "The forum is read-only for a moment (maintenance, or its disk is full). Most pages "
    "still read fine; nothing you sent was saved: please try again later."
)
# SQLSTATE codes of a database that refuses writes: read-only transaction, disk full,
# out of memory, too many connections, shutting down, cannot connect now.
_READ_ONLY_STATES = {"25006", "53100"}
_UNAVAILABLE_STATES = {"53200", "53300", "57P01", "57P02", "57P03", "08000", "08001", "08006"}
_READ_ONLY_WORDS = ("readonly database", "read-only", "disk is full", "disk i/o error")


def handle_http_error(exc: HTTPException):
    """Render any HTTP error with the layout, keeping its status and headers."""
    if isinstance(exc, SecurityError):
        # A Host that is not SITE_URL's: there is no site to build links for, so no layout.
        return current_app.response_class(
            "This server does not answer for that host name.\n", 400, mimetype="text/plain"
        )
    code = exc.code or 500
    if code >= 500:
        db.session.rollback()
    title = TITLES.get(code, exc.name)
    message = exc.description if exc.description != type(exc).description else None
    if code == 429:
        message = _retry_message()
    response = exc.get_response()
    response.set_data(render_template("errors/error.html", code=code, title=title, message=message))
    response.content_type = "text/html; charset=utf-8"
    return response


def _retry_message() -> str:
    """When a rate-limited visitor may try again, in words."""
    limit = limiter.current_limit
    if limit is None:
        return _("Please wait a little and try again.")
    wait = max(1, int(limit.reset_at - time.time()))
    at = datetime.fromtimestamp(limit.reset_at, UTC).strftime("%H:%M UTC")
    if wait < 90:
        return ngettext(
            "Please try again in %(num)d second.", "Please try again in %(num)d seconds.", wait
        )
    minutes = round(wait / 60)
    return ngettext(
        "Please try again in %(num)d minute, at %(at)s.",
        "Please try again in %(num)d minutes, at %(at)s.",
        minutes,
        at=at,
    )


def handle_database_error(exc: DBAPIError):
    """A database that is down, restarting, read-only or full: 503 and a clear page, not 500."""
    kind = _database_trouble(exc)
    if kind is None:
        # A real bug (a constraint we did not expect, bad SQL): Flask's own handling, a 500
        # logged with its traceback (and raised in tests).
        raise exc
    db.session.rollback()
    current_app.logger.warning("database unavailable (%s): %s", kind, exc.orig or exc)
    # The signed-in member cannot be loaded without the database: render as for a visitor.
    g._login_user = login_manager.anonymous_user()
    message = _(READ_ONLY) if kind == "read-only" else _(UNREACHABLE)
    page = render_template("errors/error.html", code=503, title=TITLES[503], message=message)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def _database_trouble(exc: DBAPIError) -> str | None:
    """'read-only', 'unreachable', or None when the error is not the database's state."""
    state = getattr(exc.orig, "sqlstate", None) or ""
    text = str(exc.orig or exc).lower()
    if state in _READ_ONLY_STATES or any(words in text for words in _READ_ONLY_WORDS):
        return "read-only"
    if exc.connection_invalidated or state in _UNAVAILABLE_STATES or state.startswith("08"):
        return "unreachable"
    if isinstance(exc, OperationalError | InterfaceError):
        # SQLite's "database is locked" after the busy timeout, a dropped connection...
        return "unreachable"
    return None


def handle_service_refusal(exc):
    """A service's NotFound is a 404 and its Forbidden a 403, with the service's message."""
    db.session.rollback()
    http = HTTPNotFound if isinstance(exc, NotFound) else HTTPForbidden
    return handle_http_error(http(exc.message))
