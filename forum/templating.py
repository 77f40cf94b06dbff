"""Jinja filters and globals: dates as <time>, numbers, and the site's settings."""

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from . import audience
from .models import utcnow

_UNITS = (("minute", 60, 3600), ("hour", 3600, 86400), ("day", 86400, 7 * 86400))


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 topic', '2 topics', '1,200 replies' (with `many` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def relative(moment: datetime, now: datetime | None = None) -> str:
    """'3 hours ago' or 'in 6 days', or a date for anything a week or more away."""
    seconds = int(((now or utcnow()) - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "in a minute" if future and seconds else "just now"
    for unit, size, limit in _UNITS:
        if seconds < limit:
            amount = plural(seconds // size, unit)
            return f"in {amount}" if future else f"{amount} ago"
    return f"{moment.day} {moment:%b %Y}"


def time_tag(moment: datetime | None) -> Markup:
    """A <time> element: machine-readable UTC, the absolute time as its title."""
    if moment is None:
        return Markup("")
    # Every part is built from digits and month names: nothing here needs escaping.
    return Markup(  # noqa: S704
        f'<time datetime="{moment:%Y-%m-%dT%H:%M:%SZ}" title="{moment:%Y-%m-%d %H:%M} UTC">'
        f"{relative(moment)}</time>"
    )


def rfc3339(moment: datetime) -> str:
    """A naive UTC timestamp as RFC 3339, as Atom wants it."""
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def init_app(app: Flask) -> None:
    # Before any template is loaded: every page is rendered for an audience, its members'
    # own parts filled in as it is rendered (or later, for a page kept in the cache).
    app.jinja_env.template_class = audience.MarkedTemplate
    app.jinja_env.globals.update(
        slot=audience.slot, only_if=audience.only_if, end_if=audience.end_if
    )
    app.jinja_env.filters["time"] = time_tag
    app.jinja_env.filters["rfc3339"] = rfc3339
    app.jinja_env.filters["number"] = lambda n: f"{n:,}"
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
