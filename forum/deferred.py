"""Work that runs after the response has gone out, so the answer does not wait for it."""

from functools import partial

from flask import Flask, after_this_request, current_app

from .extensions import db


def after_response(func, *args, **kwargs) -> None:
    """Run func(*args, **kwargs) once the response is sent, commit, then send queued mail.

    It runs in an app context of its own (no request: pass everything it needs). A failure
    is logged and rolled back, never raised into the request that is already answered.
    """
    app = current_app._get_current_object()

    @after_this_request
    def register(response):
        response.call_on_close(partial(_run, app, func, args, kwargs))
        return response


def _run(app: Flask, func, args, kwargs) -> None:
    from .services.mail import AFTER_RESPONSE_LIMIT, send_queued

    with app.app_context():
        try:
            func(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            app.logger.exception("Deferred %s failed", getattr(func, "__name__", func))
            return
        try:
            send_queued(AFTER_RESPONSE_LIMIT)
        except Exception:
            app.logger.exception("Sending mail after a response failed; it stays queued")
