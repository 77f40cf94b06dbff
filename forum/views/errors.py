"""Error pages in the site's style."""

import time
from datetime import UTC, datetime

from flask import render_template
from werkzeug.exceptions import HTTPException

from ..extensions import db, limiter

TITLES = {
    400: "That request was not understood",
    401: "Please sign in first",
    403: "You may not do that",
    404: "Page not found",
    405: "That method is not allowed here",
    413: "That was too large",
    422: "That could not be processed",
    429: "Too many requests",
    500: "Something went wrong on our side",
}


def handle_http_error(exc: HTTPException):
    """Render any HTTP error with the layout, keeping its status and headers."""
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
        return "Please wait a little and try again."
    wait = max(1, int(limit.reset_at - time.time()))
    at = datetime.fromtimestamp(limit.reset_at, UTC).strftime("%H:%M UTC")
    if wait < 90:
        return f"Please try again in {wait} seconds."
    return f"Please try again in {round(wait / 60)} minutes, at {at}."
