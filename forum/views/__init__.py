"""Blueprints: parse the request, call one service, render or redirect."""

from flask import abort, flash, redirect

from ..extensions import db
from ..forms import add_service_error
from ..services import Forbidden, ServiceError


def run(form, action) -> tuple[bool, object]:
    """Validate `form` and run the service `action(form)`: (True, its result) once
    committed; (False, None) with the refusal on the form, rolled back. A Forbidden from the
    service is a 403."""
    if not form.validate_on_submit():
        return False, None
    try:
        result = action(form)
    except Forbidden as exc:
        db.session.rollback()
        abort(403, exc.message)
    except ServiceError as exc:
        db.session.rollback()
        add_service_error(form, exc)
        return False, None
    db.session.commit()
    return True, result


def act(form, action, success: str, back: str, page):
    """`run` the form's action, then go `back` with `success` flashed; or answer
    `page(form)` (the form's page with its errors) as 422."""
    done, _ = run(form, action)
    if done:
        flash(success)
        return redirect(back, code=303)
    return page(form), 422
