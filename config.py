"""Configuration, read from environment variables only here.

FORUM_ENV picks the variant: development (default), testing or production.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"
# DATA_KEY's shortest length: 32 characters (e.g. `python -c "import secrets;
# print(secrets.token_urlsafe(32))"` gives 43).
MIN_DATA_KEY = 32


class ConfigError(RuntimeError):
    """A required setting is missing or invalid."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def _database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every variant."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Seals email and IP addresses in the database (forum/sealing.py). Keep it away from the
    # backups: a backup is only as private as the key is kept apart from it. While keys
    # rotate, DATA_KEY is the new key and DATA_KEY_OLD the old one(s), comma-separated.
    DATA_KEY = os.environ.get("DATA_KEY") or None
    DATA_KEY_OLD = os.environ.get("DATA_KEY_OLD") or None
    SQLALCHEMY_DATABASE_URI = _database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'forum.db'}")
    )
    # hide_parameters: a database error (logged, or in a traceback) shows the SQL, never the
    # values bound to it, which may be email addresses or post text.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    # Where mail goes: smtp://user:pass@host:port, smtp+starttls://..., smtps://...,
    # file:///path (one .eml file per message) or console:// (printed).
    MAIL_URL = os.environ.get("MAIL_URL", f"file://{INSTANCE / 'mail'}")
    MAIL_FROM = os.environ.get("MAIL_FROM", "forum@localhost")
    # A message still unsent after this many days (the server kept refusing it) is dropped.
    MAIL_MAX_AGE_DAYS = _int("MAIL_MAX_AGE_DAYS", 3)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    SITE_NAME = os.environ.get("SITE_NAME", "Quiet Forum")
    # The one origin every absolute link outside a page (mail, feeds) is built from; never
    # the request's Host. Production refuses to start without it.
    SITE_URL = os.environ.get("SITE_URL") or None
    POSTS_PER_PAGE = _int("POSTS_PER_PAGE", 20)
    TOPICS_PER_PAGE = _int("TOPICS_PER_PAGE", 25)
    IP_RETENTION_DAYS = _int("IP_RETENTION_DAYS", 30)
    # Network tags (a keyed hash of an address's /24 or /48) use a secret destroyed after this.
    NETWORK_TAG_DAYS = _int("NETWORK_TAG_DAYS", 7)
    # Hold a member's first post for review when their account is younger than a day.
    NEW_MEMBER_REVIEW = _bool("NEW_MEMBER_REVIEW", False)
    SUPPORT_PER_PAGE = _int("SUPPORT_PER_PAGE", 25)
    # Rows per page of the moderation queue, the moderation log and the audit log.
    LOG_PER_PAGE = _int("LOG_PER_PAGE", 50)
    # Support requests staff last handled longer ago than this are erased by `purge`.
    SUPPORT_RETENTION_DAYS = _int("SUPPORT_RETENTION_DAYS", 365)
    # Moderation notices (post hidden, suspended...) are deleted after this many days.
    NOTICE_RETENTION_DAYS = _int("NOTICE_RETENTION_DAYS", 90)
    # Notifications (replies, quotes, mentions, watched topics) are deleted after this many
    # days; at most MENTION_LIMIT members are notified of one post's @mentions.
    NOTIFICATION_DAYS = _int("NOTIFICATION_DAYS", 90)
    MENTION_LIMIT = _int("MENTION_LIMIT", 10)
    # Unread lists (and the index marks) topics with a post in this many days only.
    UNREAD_DAYS = _int("UNREAD_DAYS", 30)
    # Thanks tell the post's author (a notice) only when this is on.
    THANKS_NOTIFY = _bool("THANKS_NOTIFY", False)
    # At most one announcement email to members in this many days.
    ANNOUNCE_MIN_DAYS = _int("ANNOUNCE_MIN_DAYS", 7)
    # Search: results per page, pages offered, the longest query kept (characters), and how
    # many of the newest matches of each kind (posts, topics, answers) are ranked.
    SEARCH_PER_PAGE = _int("SEARCH_PER_PAGE", 20)
    SEARCH_MAX_PAGES = _int("SEARCH_MAX_PAGES", 50)
    SEARCH_MAX_QUERY = _int("SEARCH_MAX_QUERY", 200)
    SEARCH_CANDIDATES = _int("SEARCH_CANDIDATES", 5000)
    # SQLite only: the most each connection keeps of the database in memory (MB). SQLite's
    # own default (2 MB) is smaller than what one search through a large forum reads.
    SQLITE_CACHE_MB = _int("SQLITE_CACHE_MB", 8)
    # Entries in each Atom feed, and how long readers and proxies may keep one (seconds).
    FEED_ENTRIES = _int("FEED_ENTRIES", 30)
    FEED_MAX_AGE = _int("FEED_MAX_AGE", 300)
    # Requests larger than this are refused with 413 before any view runs.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 256 * 1024)
    MAX_POST_LENGTH = _int("MAX_POST_LENGTH", 60_000)
    # Pictures: the largest file taken (a form carrying one may be this much bigger than
    # MAX_CONTENT_LENGTH) and the most pixels decoded (decompression bombs).
    UPLOAD_MAX_BYTES = _int("UPLOAD_MAX_BYTES", 8 * 1024 * 1024)
    UPLOAD_MAX_PIXELS = _int("UPLOAD_MAX_PIXELS", 40_000_000)
    # Earlier versions kept of one post; the oldest is dropped when an edit adds one more.
    REVISIONS_PER_POST = _int("REVISIONS_PER_POST", 20)
    # Pages rendered for visitors, kept per worker until the topic changes (or this long).
    PAGE_CACHE_SIZE = _int("PAGE_CACHE_SIZE", 500)
    PAGE_CACHE_SECONDS = _int("PAGE_CACHE_SECONDS", 60)
    # Number of reverse proxies in front of the app whose X-Forwarded-For and -Proto are
    # trusted. X-Forwarded-Host only with PROXY_TRUST_HOST=1 (SITE_URL makes it unneeded).
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    PROXY_TRUST_HOST = _bool("PROXY_TRUST_HOST", False)
    # Visitor statistics: aggregate counters buffered per worker and written every
    # STATS_FLUSH_SECONDS (0: only at exit), to Redis instead when REDIS_URL is set.
    STATS_ENABLED = os.environ.get("STATS_ENABLED", "1").lower() not in ("0", "false", "no", "")
    STATS_MIN_COUNT = _int("STATS_MIN_COUNT", 10)
    STATS_FLUSH_SECONDS = _int("STATS_FLUSH_SECONDS", 5)
    STATS_KEY_PREFIX = os.environ.get("STATS_KEY_PREFIX", "forum:stats")
    # The transparency page: "exact" counts, or "folded" (below 3 shown as "fewer than 3").
    TRANSPARENCY_SMALL_COUNTS = os.environ.get("TRANSPARENCY_SMALL_COUNTS", "exact")

    # Accounts: one-time links, unconfirmed accounts, visitors' form tokens.
    SIGNIN_LINK_MINUTES = _int("SIGNIN_LINK_MINUTES", 15)
    UNCONFIRMED_ACCOUNT_DAYS = _int("UNCONFIRMED_ACCOUNT_DAYS", 7)
    FORM_TOKEN_MAX_AGE = _int("FORM_TOKEN_MAX_AGE", 2 * 3600)

    # Rate limits (Flask-Limiter syntax), counted in Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "forum")
    RATELIMIT_HEADERS_ENABLED = True
    LIMIT_REGISTER = os.environ.get("LIMIT_REGISTER", "5 per hour; 20 per day")
    LIMIT_SIGNIN_IP = os.environ.get("LIMIT_SIGNIN_IP", "10 per hour")
    # Mail to one address that visitors can cause (sign-in links, registration notices).
    # Past it the forum answers as usual and sends nothing: it never refuses the visitor.
    LIMIT_SIGNIN_ADDRESS = os.environ.get("LIMIT_SIGNIN_ADDRESS", "3 per 15 minutes")
    LIMIT_POSTING = os.environ.get("LIMIT_POSTING", "6 per minute; 300 per day")
    # Each edit keeps a revision of up to MAX_POST_LENGTH characters, and a preview renders.
    LIMIT_EDITING = os.environ.get("LIMIT_EDITING", "10 per minute; 100 per day")
    # Requests carrying a picture, per member (on top of LIMIT_POSTING / LIMIT_EDITING).
    LIMIT_UPLOADS = os.environ.get("LIMIT_UPLOADS", "10 per minute; 50 per day")
    # Thanks given and withdrawn, per member.
    LIMIT_THANKS = os.environ.get("LIMIT_THANKS", "30 per minute; 500 per day")
    LIMIT_STATS_API = os.environ.get("LIMIT_STATS_API", "60 per minute")
    LIMIT_SUPPORT = os.environ.get("LIMIT_SUPPORT", "5 per hour; 20 per day")
    LIMIT_SEARCH = os.environ.get("LIMIT_SEARCH", "60 per minute; 600 per hour")

    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # The one cookie: set when a member signs in, kept this long counted from signing in
    # (it does not slide forward), and ended on the server when the member signs out.
    PERMANENT_SESSION_LIFETIME = timedelta(days=_int("SESSION_DAYS", 30))
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = None
    TEMPLATES_AUTO_RELOAD = False


class DevelopmentConfig(Config):
    """Laptop: SQLite in instance/, mail written to files, a key kept in instance/."""

    ENV_NAME = "development"
    DEBUG = False
    TEMPLATES_AUTO_RELOAD = True


class TestingConfig(Config):
    """The test suite: a database given by TEST_DATABASE_URL or a temporary SQLite file."""

    ENV_NAME = "testing"
    TESTING = True
    # The test client's own host.
    SITE_URL = os.environ.get("TEST_SITE_URL", "http://localhost")
    SECRET_KEY = "testing-only-secret-key-not-for-production"  # noqa: S105 (tests only)
    DATA_KEY = "testing-only-data-key-not-for-production-use"
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    # No background flusher: tests flush the statistics buffer themselves.
    STATS_FLUSH_SECONDS = 0


class ProductionConfig(Config):
    """Behind a reverse proxy over HTTPS; every secret comes from the environment."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    # Secure, path /, no Domain: a sibling subdomain cannot set or shadow it.
    SESSION_COOKIE_NAME = "__Host-session"
    # A rate-limit store that is down must not take the site down with it.
    RATELIMIT_SWALLOW_ERRORS = True
    PROXY_COUNT = _int("PROXY_COUNT", 1)


VARIANTS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load(name: str | None = None, overrides: dict | None = None) -> dict:
    """Return the settings of the variant FORUM_ENV (or `name`) with `overrides`, checked."""
    name = name or os.environ.get("FORUM_ENV", "development")
    if name not in VARIANTS:
        raise ConfigError(f"FORUM_ENV must be one of {', '.join(VARIANTS)}, got {name!r}")
    cls = VARIANTS[name]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    settings.update(overrides or {})
    if not settings["SECRET_KEY"]:
        if name == "production":
            raise ConfigError("SECRET_KEY is not set: production needs a long random SECRET_KEY")
        settings["SECRET_KEY"] = _development_key()
    elif name == "production" and len(settings["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY is too short: production needs at least 32 characters")
    settings["DATA_KEY"] = _data_key(name, settings["DATA_KEY"])
    for old in (settings["DATA_KEY_OLD"] or "").split(","):
        if old.strip() and len(old.strip()) < MIN_DATA_KEY:
            raise ConfigError(f"DATA_KEY_OLD holds a key shorter than {MIN_DATA_KEY} characters")
    settings["SITE_URL"] = _site_url(name, settings["SITE_URL"])
    if name == "production":
        # Requests naming another host are refused (400) before any view runs.
        settings["TRUSTED_HOSTS"] = [urlsplit(settings["SITE_URL"]).hostname]
    if settings["TRANSPARENCY_SMALL_COUNTS"] not in ("exact", "folded"):
        raise ConfigError(
            "TRANSPARENCY_SMALL_COUNTS must be exact or folded, got "
            f"{settings['TRANSPARENCY_SMALL_COUNTS']!r}"
        )
    for key in ("NETWORK_TAG_DAYS", "IP_RETENTION_DAYS", "SQLITE_CACHE_MB"):
        if settings[key] < 1:
            raise ConfigError(f"{key} must be at least 1, got {settings[key]}")
    return settings


def _site_url(name: str, url: str | None) -> str:
    """SITE_URL checked: scheme and host (and port), nothing else; required in production."""
    if not url:
        if name == "production":
            raise ConfigError(
                "SITE_URL is not set: production needs the forum's public origin, "
                "e.g. SITE_URL=https://forum.example"
            )
        url = f"http://127.0.0.1:{_int('PORT', 5000)}"
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        raise ConfigError(f"SITE_URL has an invalid port: {url!r}") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ConfigError(f"SITE_URL must be scheme://host[:port] only, got {url!r}")
    if name == "production" and parts.scheme != "https":
        raise ConfigError("SITE_URL must use https in production")
    return f"{parts.scheme}://{parts.netloc}"


def _data_key(name: str, key: str | None) -> str:
    """DATA_KEY checked: required and long in production, kept in instance/ in development."""
    if not key:
        if name == "production":
            raise ConfigError(
                "DATA_KEY is not set: production needs a long random DATA_KEY (at least "
                f"{MIN_DATA_KEY} characters) to seal email and IP addresses; keep it apart "
                "from the backups"
            )
        return _development_key("data_key")
    if len(key) < MIN_DATA_KEY:
        raise ConfigError(f"DATA_KEY is too short: it needs at least {MIN_DATA_KEY} characters")
    return key


def _development_key(filename: str = "secret_key") -> str:
    """A random key kept in instance/ so development sessions (and data) survive restarts."""
    path = INSTANCE / filename
    if path.exists():
        return path.read_text().strip()
    INSTANCE.mkdir(exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
