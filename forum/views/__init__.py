"""Blueprints: parse the request, call one service, render or redirect."""

from flask import abort, flash, redirect

from ..extensions import db
from ..forms import add_service_error
from ..services import Forbidden, ServiceError


def act(form, action, success: str, back: str, page):
    """Validate `form`, run the service `action(form)`, commit and go `back` with `success`
    flashed; or roll back and answer `page(form)` (the form's page with its errors) as 422.
    A Forbidden from the service is a 403."""
    if form.validate_on_submit():
        try:
            action(form)
        except Forbidden as exc:
            db.session.rollback()
            abort(403, exc.message)
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
        else:
            db.session.commit()
            flash(success)
            return redirect(back, code=303)
    return page(form), 422
