"""Jinja filters and globals: dates as <time>, numbers, and the site's settings.

Dates, times and numbers go through Babel, in the reader's locale and time zone (see
forum/i18n.py): visitors read UTC, said as such; members read the zone they chose.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal
from flask import Flask, has_app_context
from flask_babel import get_locale, get_timezone, gettext
from markupsafe import Markup, escape

from . import audience
from .models import utcnow

_UNITS = (("minute", 60, 3600), ("hour", 3600, 86400), ("day", 86400, 7 * 86400))


def _locale() -> Locale:
    # Outside a request or app context (a script, a unit test): English.
    return get_locale() or Locale("en")


def _zone():
    return (get_timezone() if has_app_context() else None) or UTC


def number(n) -> str:
    """A number as the reader's locale writes it: 1,200 / 1.200 / 1 200."""
    return format_decimal(n, locale=_locale())


def relative(moment: datetime, now: datetime | None = None, locale=None, zone=None) -> str:
    """'3 hours ago' or 'in 6 days' in the reader's language, or a date (in their zone)
    for anything a week or more away. Amounts are whole units, rounded down."""
    seconds = int(((now or utcnow()) - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return gettext("in a minute") if future and seconds else gettext("just now")
    locale = locale or _locale()
    for unit, size, limit in _UNITS:
        if seconds < limit:
            amount = timedelta(seconds=seconds // size * size)
            return format_timedelta(
                amount if future else -amount,
                granularity=unit,
                threshold=1,
                add_direction=True,
                locale=locale,
            )
    local = moment.replace(tzinfo=UTC).astimezone(zone or _zone())
    return _date(local.date(), locale)


def absolute(moment: datetime, locale=None, zone=None) -> str:
    """The date and time in the reader's locale and zone, the zone named: 'Dec 8, 2026,
    12:00 UTC'."""
    zone = zone or _zone()
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    # Times are shown to the minute: one formatting per minute, zone and language.
    return _date_and_time(local.replace(second=0, microsecond=0), locale or _locale(), zone)


# Babel's formatting is the costliest part of a page of dated rows (a search's results, a
# topic's posts); the same few dates come back on page after page.
@lru_cache(maxsize=4096)
def _date(day, locale: Locale) -> str:
    return format_date(day, "medium", locale=locale)


@lru_cache(maxsize=4096)
def _date_and_time(local: datetime, locale: Locale, zone) -> str:
    # The locale's own way of joining a date and a time ("{1}, {0}", "{1} à {0}").
    joined = str(locale.datetime_formats["medium"]).format(
        format_time(local, "short", locale=locale), format_date(local, "medium", locale=locale)
    )
    return f"{joined} {zone}"


def time_tag(moment: datetime | None) -> Markup:
    """A <time> element: machine-readable UTC, the absolute time in the reader's zone as
    its title, the relative time as its text."""
    if moment is None:
        return Markup("")
    locale, zone = _locale(), _zone()
    title = escape(absolute(moment, locale, zone))
    text = escape(relative(moment, locale=locale, zone=zone))
    return Markup(f'<time datetime="{moment:%Y-%m-%dT%H:%M:%SZ}" title="{title}">{text}</time>')  # noqa: S704 (escaped above)


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
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["datetime"] = absolute
    app.jinja_env.globals["site_name"] = app.config["SITE_NAME"]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
