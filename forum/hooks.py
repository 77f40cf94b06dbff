"""App-wide request hooks and template context, wired in one place: create_app calls
init_app. Blueprints and error handlers are wired by views.register."""

from flask import Flask, Request, current_app, request

from . import security
from .services import stats as stats_service

# The forms that take a picture: a request to them may carry UPLOAD_MAX_BYTES more.
UPLOAD_ENDPOINTS = frozenset({"forum.new_topic", "forum.reply", "forum.edit_post", "images.upload"})


class ForumRequest(Request):
    """A request whose size limit grows by UPLOAD_MAX_BYTES on the forms that take a
    picture; every other request keeps MAX_CONTENT_LENGTH."""

    @property
    def max_content_length(self) -> int | None:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        if self.endpoint in UPLOAD_ENDPOINTS and self.mimetype == "multipart/form-data":
            return limit + current_app.config["UPLOAD_MAX_BYTES"]
        return limit


def init_app(app: Flask) -> None:
    """Give the app its statistics buffer, and every hook that runs around each request."""
    app.request_class = ForumRequest
    # The buffer of counters (None when STATS_ENABLED=0), written by a flusher thread.
    stats_service.init_app(app)
    app.before_request(security.refuse_nul_characters)
    app.after_request(security.set_security_headers)
    app.after_request(security.no_store_for_members)
    app.after_request(count_page_view)
    if app.config.get("SESSION_COOKIE_SECURE"):
        app.after_request(security.set_hsts)


def _is_staff_page(path: str) -> bool:
    """Moderation and staff pages (every blueprint's /staff/...) are never counted."""
    return path == "/staff" or path.startswith("/staff/")


def count_page_view(response):
    """after_request hook: count a page view, unless it is none or the browser asks not to be.

    It runs on every request, so it reads the WSGI environ directly (each `request.x` goes
    through a context proxy and some parse headers): a few microseconds in all.
    """
    recorder = current_app.extensions.get("stats")
    if recorder is None or response.status_code != 200:
        return response
    req = request._get_current_object()
    environ = req.environ
    if (
        environ["REQUEST_METHOD"] != "GET"
        or not (response.content_type or "").startswith("text/html")
        or req.url_rule is None
        or req.url_rule.endpoint == "static"
        or _is_staff_page(environ.get("PATH_INFO", ""))
        or environ.get("HTTP_SEC_GPC") == "1"
        or environ.get("HTTP_DNT") == "1"
    ):
        return response
    user_agent = environ.get("HTTP_USER_AGENT", "")
    if stats_service.is_bot(user_agent):
        return response
    endpoint = req.url_rule.endpoint
    topic_id = req.view_args.get("topic_id") if endpoint == "forum.topic" else None
    view = stats_service.PageView(
        endpoint=endpoint,
        topic_id=topic_id,
        user_agent=user_agent,
        accept_language=environ.get("HTTP_ACCEPT_LANGUAGE", ""),
        referrer=environ.get("HTTP_REFERER", ""),
        host=environ.get("HTTP_HOST", ""),
        address=environ.get("REMOTE_ADDR", ""),
    )
    try:
        recorder.record(view)
    except Exception:  # counting must never cost a visitor their page
        current_app.logger.exception("statistics: a page view could not be counted")
    return response
