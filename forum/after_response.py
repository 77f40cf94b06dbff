"""Work that runs after the response has gone out, so the answer does not wait for it."""

from functools import partial

from flask import Flask, after_this_request, current_app
from flask_babel import force_locale, get_locale

from .extensions import db


def after_response(func, *args, **kwargs) -> None:
    """Run func(*args, **kwargs) once the response is sent, then commit.

    It runs in an app context of its own (no request: pass everything it needs). A failure
    is logged and rolled back, never raised into the request that is already answered.
    Jobs run in the order they were scheduled, in the language of the request (mail they
    queue for a visitor is written in the language of the page they sent it from).
    """
    locale = str(get_locale())
    _schedule(partial(_run, current_app._get_current_object(), locale, func, args, kwargs))


def _schedule(job) -> None:
    @after_this_request
    def register(response):
        jobs = getattr(response, "_after_jobs", None)
        if jobs is not None:
            jobs.append(job)
        elif response.is_streamed:
            response.call_on_close(job)
        else:
            # The jobs run when the server asks for more after the last byte of the body:
            # the client has the whole answer (Content-Length stays). Not on close(): the
            # development server drains the socket before closing, which can wait on the
            # browser for a long time.
            response._after_jobs = jobs = [job]
            run = _once(jobs)
            response.response = _body_then(response.get_data(), run)
            # A client that closes without reading the body (a test client) still runs them.
            response.call_on_close(run)
        return response


def _once(jobs: list):
    done = []

    def run() -> None:
        if not done:
            done.append(True)
            for job in jobs:
                job()

    return run


def _body_then(body: bytes, run):
    yield body
    run()


def _run(app: Flask, locale: str, func, args, kwargs) -> None:
    with app.app_context(), force_locale(locale):
        try:
            func(*args, **kwargs)
            db.session.commit()
        except Exception:
            db.session.rollback()
            app.logger.exception("After-response %s failed", getattr(func, "__name__", func))
