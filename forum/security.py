"""Security headers on every response, and role checks for views."""

from functools import wraps

from flask import abort, request
from flask_login import current_user

# Everything comes from our own origin: no CDN, no fonts, no analytics, no inline script.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def refuse_nul_characters():
    """before_request hook: NUL never belongs in a URL, and PostgreSQL refuses it in text."""
    if "\x00" in request.path or "\x00" in request.query_string.decode("latin-1"):
        abort(400, "Addresses cannot contain NUL characters.")
    if any("\x00" in value for value in request.args.values()):
        abort(400, "Addresses cannot contain NUL characters.")


def set_security_headers(response):
    """after_request hook: the same strict headers on every response."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def set_hsts(response):
    """after_request hook for production, where the site is served over HTTPS only."""
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def member_required(view):
    """The view needs a signed-in member (Flask-Login's unauthorized handler otherwise)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            from .extensions import login_manager

            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def staff_required(view):
    """The view is for moderators and admins only."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
