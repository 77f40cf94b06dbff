"""The one way a view calls a service: validate, call, commit; or show the form again with
the service's refusal (rolled back). A service's NotFound and Forbidden are not caught here:
the error handlers of views.register answer them with 404 and 403."""

from flask import flash, redirect

from ..after_response import after_response
from ..extensions import db
from ..forms import add_service_error
from ..services import Forbidden, NotFound, ServiceError
from ..services import mail as mail_service


def run(form, action) -> tuple[bool, object]:
    """Validate `form` and run the service `action(form)`: (True, its result) once
    committed; (False, None) with the refusal on the form, rolled back. A NotFound or
    Forbidden from the service goes on to the error handlers (404, 403)."""
    if not form.validate_on_submit():
        return False, None
    try:
        result = action(form)
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        db.session.rollback()
        add_service_error(form, exc)
        return False, None
    db.session.commit()
    return True, result


def act(form, action, success: str, back: str, page, mail: bool = False):
    """`run` the form's action, then go `back` with `success` flashed; or answer
    `page(form)` (the form's page with its errors) as 422. With `mail`, what the action
    queued is sent once the response has gone."""
    done, _ = run(form, action)
    if done:
        if mail:
            send_mail_after_response()
        flash(success)
        return redirect(back, code=303)
    return page(form), 422


def send_mail_after_response() -> None:
    """Send what is queued once the response has gone out (after any other after-response
    job of this request); call it after committing. What cannot go stays queued."""
    after_response(mail_service.send_queued, mail_service.AFTER_RESPONSE_LIMIT)
