"""Blueprints: parse the request, call one service, render or redirect.

Each area's blueprint is a module here; `register` wires them all, with the error pages.
The one way to call a service from a view is in actions.py.
"""

from flask import Flask
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..services import Forbidden, NotFound


def register(app: Flask) -> None:
    """Every blueprint, and the error pages (a service's NotFound and Forbidden included)."""
    from . import (
        accounts,
        announcements,
        errors,
        feeds,
        forum,
        members,
        moderation,
        privacy,
        search,
        staff,
        stats,
        support,
    )

    for blueprint in (
        forum.bp,
        members.bp,
        accounts.bp,
        privacy.bp,
        support.bp,
        staff.bp,
        moderation.bp,
        announcements.bp,
        stats.bp,
        search.bp,
        feeds.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, errors.handle_http_error)
    app.register_error_handler(NotFound, errors.handle_not_found)
    app.register_error_handler(Forbidden, errors.handle_forbidden)
    app.register_error_handler(DBAPIError, errors.handle_database_error)
