"""Jinja filters and globals: dates as <time>, numbers, and the site's settings.

Dates, times and numbers go through Babel, in the reader's locale and time zone (see
forum/i18n.py): visitors read UTC, said as such; members read the zone they chose.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal
from flask import Flask, current_app, has_app_context, has_request_context, request, url_for
from flask_babel import get_locale, get_timezone, gettext
from flask_login import current_user
from jinja2 import Template, pass_context
from markupsafe import Markup, escape

from . import audience, i18n
from .models import utcnow

_UNITS = (("minute", 60, 3600), ("hour", 3600, 86400), ("day", 86400, 7 * 86400))


def _locale() -> Locale:
    # Outside a request or app context (a script, a unit test): English.
    return get_locale() or Locale("en")


def _zone():
    return (get_timezone() if has_app_context() else None) or UTC


def number(n) -> str:
    """A number as the reader's locale writes it: 1,200 / 1.200 / 1 200."""
    return _number(n, _locale())


@lru_cache(maxsize=1024)
def _number(n, locale: Locale) -> str:
    # Babel's formatting costs some 30 us a number; counts of results and posts repeat.
    return format_decimal(n, locale=locale)


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
    return _date(_local(moment, zone or _zone()).date(), locale)


def absolute(moment: datetime, locale=None, zone=None) -> str:
    """The date and time in the reader's locale and zone, the zone named: 'Dec 8, 2026,
    12:00 UTC'."""
    zone = zone or _zone()
    local = _local(moment, zone)
    # Times are shown to the minute: one formatting per minute, zone and language.
    return _date_and_time(local.replace(second=0, microsecond=0), locale or _locale(), zone)


def _local(moment: datetime, zone) -> datetime:
    # A naive UTC timestamp in `zone` (i18n.Reader gives visitors datetime.UTC itself).
    aware = moment.replace(tzinfo=UTC)
    return aware if zone is UTC else aware.astimezone(zone)


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


@pass_context
def time_tag(context, moment: datetime | None) -> Markup:
    """A <time> element: machine-readable UTC, the absolute time in the reader's zone as
    its title, the relative time as its text."""
    return time_element(moment, i18n.template_reader(context))


def time_element(moment: datetime | None, reader: i18n.Reader) -> Markup:
    """time_tag for `reader` (i18n.reader()), outside a template."""
    if moment is None:
        return Markup("")
    locale, zone, _, now = reader
    if now - moment >= _WEEK:
        # Its text is a date from now on: the whole element is the same on every page.
        return _dated_element(moment, locale, zone)
    return _element(moment, absolute(moment, locale, zone), relative(moment, now, locale, zone))


_WEEK = timedelta(seconds=_UNITS[-1][2])  # relative() writes a date from then on


@lru_cache(maxsize=4096)
def _dated_element(moment: datetime, locale: Locale, zone) -> Markup:
    return _element(moment, absolute(moment, locale, zone), relative(moment, None, locale, zone))


def _element(moment: datetime, title: str, text: str) -> Markup:
    stamp = moment.isoformat(timespec="seconds")
    return Markup(f'<time datetime="{stamp}Z" title="{escape(title)}">{escape(text)}</time>')  # noqa: S704 (escaped)


_PARTS_KEPT = 512


def kept(template: str, key: tuple, context: Callable[[], dict] = dict) -> Markup:
    """A part of a page (a template of its own) rendered once per `key`, then reused: for
    parts that depend on nothing but what the key names. Members' own parts in it stay
    markers (forum/audience.py), filled with the page that holds it.

    Kept per process, at most a few hundred parts (a bound, not an LRU: a full set is a
    few hundred KB); the key is the whole of what the part depends on, so nothing kept
    can be stale, whichever app server changed what. `context` gives the template's
    variables, and is called only when the part is rendered.
    """
    app = current_app._get_current_object()
    parts = app.extensions["kept_parts"]
    key = (template, _locale(), *key)
    part = parts.get(key)
    if part is None:
        found = app.jinja_env.get_template(template)
        context = context()  # what the template is given: built only to render it
        app.update_template_context(context)
        # Jinja's own render: the markers stay, for the page that holds the part to fill.
        part = Markup(Template.render(found, context))  # noqa: S704 (a template's output)
        if len(parts) >= _PARTS_KEPT:
            parts.clear()
        parts[key] = part
    return part


def frame(name: str) -> Markup:
    """The site's header or footer (templates/_<name>.html), rendered once per audience,
    language and time zone: what differs from one member to another in them (their name,
    their form token, their count of notices) is a marker, filled with the rest of the page.

    A page outside the page cache (a search, a form) spent a third of its rendering here.
    """
    if has_request_context():
        user = current_user._get_current_object()
        key = (audience.audience(user), _zone(), request.script_root)
    else:
        key = ("visitor", _zone(), "")
    return kept(f"_{name}.html", key)


def page_link(endpoint: str, **values) -> Callable[[int], str]:
    """The URL of page n of a listing, as url_for(endpoint, page=n, **values) writes it
    (page 1 without ?page=), for a pager's links: one url_for for them all.

    A pager of ten links spent more building them than everything else it shows.
    """
    first = url_for(endpoint, **values)
    rules = current_app.url_map.iter_rules(endpoint)
    if "page" in values or any("page" in rule.arguments for rule in rules):
        return lambda n: url_for(endpoint, **(values | {"page": n})) if n > 1 else first
    path, _, query = first.partition("?")
    rest = f"&{query}" if query else ""
    return lambda n: f"{path}?page={n}{rest}" if n > 1 else first


@pass_context
def pager(context, page, endpoint: str, place: str | None = None, **values) -> Markup:
    """A listing's pager: links to the first and last pages, two on each side of this one,
    previous and next (url_for(endpoint, page=n, **values), through page_link); nothing
    for a listing of one page. `place` tells a page's two pagers apart for screen readers.

    Written out here rather than as a macro: a pager's macro cost a search page more than
    its twenty results (a call through Jinja for each link, each string, each number).
    """
    if page.count <= 1:
        return Markup("")
    # The reader's catalog, found once (flask_babel.gettext looks it up on every call).
    gettext = i18n.template_reader(context).catalog.ugettext
    link = page_link(endpoint, **values)
    page_word, first_word, last_word = (
        escape(gettext("Page")),
        escape(gettext("First page,")),
        escape(gettext("Last page,")),
    )
    label = (
        escape(gettext("Pages, %(place)s")) % {"place": place}
        if place
        else escape(gettext("Pages"))
    )
    items = []
    if page.has_prev:
        href = escape(link(page.number - 1))
        items.append(f'<li><a href="{href}" rel="prev">{escape(gettext("Previous"))}</a></li>')
    for n in page.window:
        if n is None:
            items.append('<li class="gap" aria-hidden="true">…</li>')
        elif n == page.number:
            items.append(
                f'<li><span aria-current="page"><span class="visually-hidden">{page_word} '
                f"</span>{n}</span></li>"
            )
        else:
            rel, word = ("first", first_word) if n == 1 else ("", page_word)
            if n == page.count:
                rel, word = "last", last_word
            rel_attribute = f' rel="{rel}"' if rel else ""
            items.append(
                f'<li><a href="{escape(link(n))}"{rel_attribute}><span class="visually-hidden">'
                f"{word} </span>{n}</a></li>"
            )
    if page.has_next:
        href = escape(link(page.number + 1))
        items.append(f'<li><a href="{href}" rel="next">{escape(gettext("Next"))}</a></li>')
    body = "\n    ".join(items)
    return Markup(  # noqa: S704 (every value escaped above)
        f'<nav class="pager" aria-label="{label}">\n  <ul>\n    {body}\n  </ul>\n</nav>\n'
    )


# Any number url_for writes as itself, and that no URL of ours holds otherwise.
_SENTINEL_ID = 7309146528


def id_link(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """url_for(endpoint, **{key: n}, **values) for any whole number n, built once: for the
    links of a list of results (a URL with the number in its path or its query)."""
    built = url_for(endpoint, **values, **{key: _SENTINEL_ID})
    before, found, after = built.partition(str(_SENTINEL_ID))
    if not found or str(_SENTINEL_ID) in after:
        return lambda n: url_for(endpoint, **values, **{key: n})
    return lambda n: f"{before}{int(n)}{after}"


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
    app.jinja_env.globals["frame"] = frame
    app.jinja_env.globals.update(page_link=page_link, id_link=id_link, pager=pager)
    app.extensions["kept_parts"] = {}
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
