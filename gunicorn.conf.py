"""gunicorn settings: read from the working directory by default (`gunicorn wsgi:app`).

The access log keeps what running the forum needs and nothing about who asked: the time,
method, path (sign-in, unsubscribe and private feed tokens replaced by "[token]"), status, size and
duration. No client address, no user agent, no referrer, no query string (search words).
"""

import re

from gunicorn.glogging import Logger

# Every route with a <token> in its path: a token in a log is a key to an account. All of
# the path after the prefix goes (an unsubscribe link names its kind after the token).
TOKEN_PATH = re.compile(r"^/(signin|unsubscribe|notifications/feed)/.+")

accesslog = "-"
loglevel = "info"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def redact_path(path: str) -> str:
    """The path with any token replaced by "[token]"."""
    return TOKEN_PATH.sub(r"/\1/[token]", path or "")


class RedactingLogger(Logger):
    """Offers the access log format only atoms that name no one: nothing from the request's
    headers, address or query, so that no format can put them in the log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        kept = {key: atoms[key] for key in ("t", "s", "m", "H", "b", "B", "T", "D", "M", "L")}
        kept["U"] = redact_path(environ.get("PATH_INFO", ""))
        return kept


logger_class = RedactingLogger
