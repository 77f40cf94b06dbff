"""Security headers on every response, cookieless form protection, role checks for views."""

import time
import unicodedata
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from werkzeug.urls import iri_to_uri

from .extensions import csrf, limiter, login_manager
from .rate_limits import anonymous_key
from .services.accounts import is_session_key

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
    try:
        # Werkzeug decodes the query string strictly: invalid UTF-8 would be a 500 there.
        request.query_string.decode()
    except UnicodeDecodeError:
        abort(400, _("Addresses must be valid UTF-8."))
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        abort(400, _("Addresses cannot contain NUL characters."))


def set_security_headers(response):
    """after_request hook: the same strict headers on every response."""
    # One pass over the headers already set, rather than a case-insensitive search per name.
    present = {name.lower() for name, _ in response.headers}
    for name, value in HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    return response


def no_store_for_members(response):
    """after_request hook: a page made for a signed-in member is kept by no cache."""
    if (
        request.endpoint != "static"
        and current_app.config["SESSION_COOKIE_NAME"] in request.cookies
        and "Cache-Control" not in response.headers
    ):
        response.headers["Cache-Control"] = "no-store"
    return response


def set_hsts(response):
    """after_request hook for production, where the site is served over HTTPS only."""
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


_PLAIN = (str, int, float, bool, type(None))

# The session's key holding when its cookie expires, fixed at sign-in (a Unix time).
FIXED_EXPIRY = "_expires"


class FixedExpirySessionInterface(SecureCookieSessionInterface):
    """The session cookie, expiring when the sign-in said, however often it is rewritten
    (a form's CSRF token changes it): the lifetime never slides forward. The server ends
    the session at the same time (MemberSession.expires_at)."""

    def get_expiration_time(self, app, session):
        expires = session.get(FIXED_EXPIRY)
        if isinstance(expires, int):
            return datetime.fromtimestamp(expires, UTC)
        return super().get_expiration_time(app, session)

    # Cookies whose signature was checked: (serializer, value) -> (their data, when their
    # signature stops being valid). Checking it again would give the same answer until then,
    # and checking it was a sixth of a member's page. Only data of plain values is kept (a
    # session's flashed messages are a list, changed in place).
    VERIFIED_MAX = 2048

    def __init__(self):
        super().__init__()
        self._serializers = {}
        self._verified: dict[tuple[int, str], tuple[dict, float]] = {}

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        key, now = (id(serializer), value), time.time()
        known = self._verified.get(key)
        if known is not None and now < known[1]:
            return self.session_class(known[0])
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            if len(self._verified) >= self.VERIFIED_MAX:
                self._verified.clear()
            self._verified[key] = (data, signed.timestamp() + max_age)
        return self.session_class(data)

    def get_signing_serializer(self, app):
        # One per set of keys, not one per request: itsdangerous tries its serializer out on
        # every construction, a cost each member's request paid twice (session, CSRF token).
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        serializer = self._serializers.get(keys)
        if serializer is None and app.secret_key:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer


# The salt flask_wtf.csrf signs its tokens with.
CSRF_SALT = "wtf-csrf-token"
_csrf_serializers: dict[str | bytes, URLSafeTimedSerializer] = {}
# A signed token is reused for this long (the signature carries its time, to the second;
# WTF_CSRF_TIME_LIMIT, when set, is far longer): signing on every page a member opens was
# a tenth of a member's page.
CSRF_REUSE_SECONDS = 60
_signed_csrf: dict[tuple, tuple[float, str]] = {}
_SIGNED_CSRF_MAX = 4096


def csrf_token() -> str:
    """The session's signed CSRF token, as flask_wtf.csrf.generate_csrf makes it (kept in
    `g` for the request), but with its serializer kept per secret and the signed token
    reused for CSRF_REUSE_SECONDS. The first token of a session is still made by
    flask_wtf."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    raw = session.get(field)
    if field not in g and isinstance(raw, str):
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        now = time.monotonic()
        made = _signed_csrf.get((secret, raw))
        if made is None or now - made[0] > CSRF_REUSE_SECONDS:
            signer = _csrf_serializers.get(secret)
            if signer is None:
                signer = _csrf_serializers[secret] = URLSafeTimedSerializer(secret, salt=CSRF_SALT)
            if len(_signed_csrf) >= _SIGNED_CSRF_MAX:
                _signed_csrf.clear()
            made = _signed_csrf[(secret, raw)] = (now, signer.dumps(raw))
        setattr(g, field, made[1])
    return generate_csrf()


def member_to_load() -> str | None:
    """The session key of this request's cookie while Flask-Login has not loaded the member
    it names: a page view can then read the member in its own head query (services/heads.py)
    and hand them over with set_member."""
    raw = session.get("_user_id")
    return raw if "_login_user" not in g and is_session_key(raw) else None


def set_member(user) -> None:
    """Make `user` the request's current_user (None: a visitor), as Flask-Login's own
    loading ends."""
    current_app.login_manager._update_request_context_with_user(user)


# Longer than any path of ours: a `next` this long is not a page we sent.
REDIRECT_TARGET_MAX = 2000


def safe_redirect_target(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`: for every `next` parameter.

    Browsers and Werkzeug drop tabs and newlines and read a backslash as a slash, so
    "/\t/evil.example" would become "//evil.example": such characters are refused, not
    removed, and the check is made again on the address as it would be sent.
    """
    if not isinstance(target, str) or not 0 < len(target) <= REDIRECT_TARGET_MAX:
        return fallback
    # Control, format, unassigned and private-use characters, spaces and separators.
    if "\\" in target or any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    try:
        parts = urlsplit(iri_to_uri(target))
    except ValueError:
        return fallback
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path[1:2] == "/":
        return fallback
    return target


def member_required(view):
    """The view needs a signed-in member (Flask-Login's unauthorized handler otherwise)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
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


def admin_required(view):
    """The view is for admins only."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def writer_required(view):
    """The view writes: a signed-in member who is not suspended (told until when and why)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.suspended():
            until = f"{format_datetime(current_user.suspended_until, 'medium')} {get_timezone()}"
            abort(
                403,
                _(
                    "You are suspended until %(until)s: %(suspension_reason)s",
                    until=until,
                    suspension_reason=current_user.suspension_reason,
                ),
            )
        return view(*args, **kwargs)

    return wrapped


# Forms that visitors fill in (registration, sign-in, support) must work for a browser that
# refuses cookies, so their protection cannot live in a session. A cross-site post is told
# apart by the browser's own headers; a signed, short-lived token covers browsers that send
# neither header.
FORM_TOKEN_SALT = "cookieless-form"  # noqa: S105 (a salt, not a secret)


def _form_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=FORM_TOKEN_SALT)


def form_token() -> str:
    """A signed token for a cookieless form, valid for FORM_TOKEN_MAX_AGE seconds, on the
    page it was made for only."""
    return _form_serializer().dumps(request.path)


def check_same_origin() -> None:
    """Refuse a cross-site POST: Sec-Fetch-Site first, then Origin, then the signed token."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site not in ("same-origin", "none"):
            abort(403, _("Forms on this site can only be sent from this site."))
        return
    origin = request.headers.get("Origin")
    if origin is not None:
        if origin != request.host_url.rstrip("/"):
            abort(403, _("Forms on this site can only be sent from this site."))
        return
    try:
        path = _form_serializer().loads(
            request.form.get("form_token", ""),
            max_age=current_app.config["FORM_TOKEN_MAX_AGE"],
        )
    except BadSignature:
        abort(400, _("This form has expired or did not come from this site. Please send it again."))
    if path != request.path:
        abort(400, _("This form belongs to another page. Please send it again."))


def browser_must_vouch(view):
    """For a form whose forgery would sign a visitor in (the mailed link's button): a POST
    must carry Sec-Fetch-Site or Origin, which every current browser sends. A signed token
    cannot stand in here: the attacker could fetch one for their own link."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST" and not (
            request.headers.get("Sec-Fetch-Site") or request.headers.get("Origin")
        ):
            abort(
                400,
                _(
                    "Your browser did not say which site this form came from. Please use "
                    "a current browser to follow the link."
                ),
            )
        return view(*args, **kwargs)

    return wrapped


def cookieless_form(view):
    """Protect a visitor's form without a session: exempt from Flask-WTF, check the origin."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST":
            check_same_origin()
        return view(*args, **kwargs)

    csrf.exempt(wrapped)
    return wrapped


def client_ip() -> str:
    """The client's address as the trusted proxies report it (ProxyFix has applied them)."""
    return request.remote_addr or "0.0.0.0"  # noqa: S104 (stands in for a missing address; not a bind address)


def allow_mail_to(address: str) -> bool:
    """Count one visitor-caused mail to `address` (LIMIT_SIGNIN_ADDRESS); False past it.

    Never used to refuse a request: past the limit the visitor is answered as usual and
    nothing is mailed, so a stranger cannot lock a member out of signing in, and the link
    already in the member's mailbox keeps working.
    """
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    key = anonymous_key(address)
    allowed = True
    for item in parse_many(current_app.config["LIMIT_SIGNIN_ADDRESS"]):
        allowed = limiter.limiter.hit(item, prefix, "mail-to", key) and allowed
    return allowed
