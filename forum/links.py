"""Absolute addresses for what leaves the site (mail, mail headers, feeds), from SITE_URL.

Never from the request: a Host or X-Forwarded-Host header is whatever the client says, and a
sign-in link built from it would mail a member's token to a stranger's server.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter


def site_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` on SITE_URL, in or out of a request."""
    return _adapter(current_app).build(endpoint, values, force_external=True)


def _adapter(app: Flask) -> MapAdapter:
    # One adapter per origin, made once (the setting can be changed, as tests do).
    adapters = app.extensions.setdefault("site_url_adapters", {})
    origin = app.config["SITE_URL"]
    if origin not in adapters:
        parts = urlsplit(origin)
        adapters[origin] = app.url_map.bind(parts.netloc, url_scheme=parts.scheme)
    return adapters[origin]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["site_url"] = site_url
