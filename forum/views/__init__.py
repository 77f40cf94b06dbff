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
        admin,
        announcements,
        desk,
        disclosure,
        errors,
        feeds,
        forum,
        images,
        latest,
        members,
        moderation,
        notices,
        privacy,
        sanctions,
        search,
        spam,
        stats,
        support,
        support_desk,
        thanks,
        transparency,
        watching,
    )

    for area in (
        forum,
        latest,
        members,
        accounts,
        notices,
        privacy,
        support,
        desk,
        disclosure,
        support_desk,
        admin,
        moderation,
        sanctions,
        spam,
        announcements,
        stats,
        search,
        feeds,
        images,
        thanks,
        transparency,
        watching,
    ):
        app.register_blueprint(area.bp)
    app.register_error_handler(HTTPException, errors.handle_http_error)
    app.register_error_handler(DBAPIError, errors.handle_database_error)
    app.register_error_handler(NotFound, errors.handle_service_refusal)
    app.register_error_handler(Forbidden, errors.handle_service_refusal)
