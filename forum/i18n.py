"""Languages: which locale and time zone a page is written in.

Every string a person reads goes through Flask-Babel: `_()` / `ngettext()` in templates,
`gettext` / `ngettext` / `lazy_gettext` from flask_babel in Python. English is the source
language; catalogs live in forum/translations/ (see forum/catalogs.py).

A member's page follows the language and zone chosen on /account; anyone else (a member
who chose none included) gets the best match of the browser's Accept-Language, without a
cookie, and UTC. A response whose language came from that header says `Vary:
Accept-Language`, and the page cache keys every page on (locale, zone) as well as the
audience, so a cached page is never served in another language or zone.
"""

from datetime import UTC, datetime, tzinfo
from numbers import Number
from typing import NamedTuple

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_timezone, get_translations, gettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from . import catalogs
from .models import utcnow


def languages() -> list[str]:
    """The locales the forum speaks, English first."""
    return current_app.extensions["languages"]


def _member():
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    return user if user is not None and user.is_authenticated else None


def select_locale() -> Locale:
    """The member's chosen language, or the browser's best match, or English."""
    user = _member()
    if user is not None and user.locale in languages():
        return _locale(user.locale)
    if not has_request_context():
        return _locale("en")
    g.language_from_header = True
    return _locale(best_match(request.accept_languages, languages()))


# Flask-Babel parses what the selector returns on every request unless it is a Locale
# already: one per language, parsed once.
_LOCALES: dict[str, Locale] = {}


def _locale(code: str) -> Locale:
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def best_match(accepted, offered: list[str]) -> str:
    """The first of the browser's languages, by its preference, that the forum speaks, a
    regional one ('fr-CH') matching its language ('fr'); English when none does.

    (Werkzeug's own best_match prefers any exact match, even one the browser likes less.)
    """
    for value, quality in accepted:
        if quality <= 0:  # "q=0": not acceptable
            continue
        tag = value.lower().replace("_", "-")
        for candidate in (tag, tag.split("-")[0]):
            if candidate in offered:
                return candidate
    return "en"


def select_timezone() -> str:
    """The member's chosen zone; UTC for everyone else (said as such on the page)."""
    user = _member()
    if user is not None and user.timezone in zone_names():
        return user.timezone
    return "UTC"


def zone_names() -> frozenset[str]:
    return current_app.extensions["zones"]


def language_choices() -> list[tuple[str, str]]:
    """(value, label) for the language select: each language named in itself."""
    named = [(code, Locale.parse(code).get_display_name(code).capitalize()) for code in languages()]
    return [("", gettext("The language your browser asks for")), *named]


def zone_choices() -> list[tuple[str, str]]:
    """(value, label) for the time zone select: UTC first, then every zone by name."""
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in sorted(zone_names() - {"UTC"}))]


def variant() -> tuple[str, str]:
    """What, besides the audience, a rendered page depends on: (locale, zone)."""
    return str(get_locale()), str(get_timezone())


def html_lang() -> str:
    """The BCP 47 tag of the page's language, for <html lang>."""
    return str(get_locale()).replace("_", "-")


def current_timezone() -> str:
    """The name of the zone times are shown in ('UTC', 'Europe/Paris')."""
    return str(get_timezone())


def text_direction() -> str:
    """'ltr' or 'rtl', for <html dir>."""
    locale = get_locale()
    return locale.text_direction if isinstance(locale, Locale) else "ltr"


def vary_on_language(response):
    """after_request hook: a response written in the browser's language says so to caches."""
    if g.get("language_from_header"):
        response.vary.add("Accept-Language")
    return response


_TRANSLATIONS: dict = {}


def translations():
    """The catalog of the page's language (Flask-Babel's), kept per language: Flask-Babel
    finds it again for every string a template translates, a tenth of a search page."""
    locale = get_locale()
    found = _TRANSLATIONS.get(locale)
    if found is None:
        found = get_translations()
        if locale is not None:
            _TRANSLATIONS[locale] = found
    return found


class Reader(NamedTuple):
    """Who a template is rendered for, as far as words and times go: found once per render
    (a context processor) instead of once per string and per date."""

    locale: Locale
    zone: tzinfo
    catalog: NullTranslations
    now: datetime  # naive UTC: "3 minutes ago" is counted from one moment per page


def reader() -> Reader:
    """The language, zone and catalog of the current request (English and UTC outside one)."""
    zone = (get_timezone() if has_app_context() else None) or UTC
    if zone is not UTC and str(zone) == "UTC":
        zone = UTC  # one UTC, which dates need not be converted to
    return Reader(get_locale() or Locale("en"), zone, translations(), utcnow())


def _reader_context() -> dict:
    found = reader()
    # For macros imported without context (a pager, a form field): the render's reader.
    g._forum_reader = found
    return {"_reader": found}


def template_reader(context) -> Reader:
    """The render's Reader; a macro imported without context has none, and takes the
    latest render's (set with it), or asks."""
    found = context.get("_reader")
    if found is None:
        found = g.get("_forum_reader") if has_app_context() else None
    return found if found is not None else reader()


def _catalog(context) -> NullTranslations:
    return template_reader(context).catalog


# Templates' own gettext and ngettext. Jinja's newstyle callables (install_gettext_callables)
# wrap a function in two further calls through the template context and find the catalog
# again for every string, which together cost more than the lookup: a search page
# translates some sixty strings. These behave the same: the translation is marked safe
# where the template autoescapes, and it is always a format string (ngettext's count given
# as `num` unless named).
@pass_context
def template_gettext(context, string: str, /, **variables) -> str:
    return _formatted(context, _catalog(context).ugettext(string), variables)


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return _formatted(context, _catalog(context).ungettext(singular, plural, num), variables)


def _formatted(context, found: str, variables: dict) -> str:
    """The translation with its variables; where the template autoescapes, marked safe
    with every variable escaped (numbers left as they are, for %(num)d).

    What Markup's own % does, without the wrapper object it makes for every value, which
    cost three times the formatting (a search page formats forty such strings).
    """
    if not context.eval_ctx.autoescape:
        return found % variables
    safe = {key: v if isinstance(v, Number) else escape(v) for key, v in variables.items()}
    return Markup(found % safe)  # noqa: S704 (the catalog's text, every value escaped)


def init_app(app: Flask) -> None:
    from zoneinfo import available_timezones

    app.extensions["languages"] = catalogs.languages()
    app.extensions["zones"] = frozenset(available_timezones())
    app.after_request(vary_on_language)
    # Over the newstyle callables Flask-Babel installed (its pgettext and npgettext stay).
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
    app.context_processor(_reader_context)
    app.jinja_env.globals.update(
        html_lang=html_lang, text_direction=text_direction, current_timezone=current_timezone
    )
