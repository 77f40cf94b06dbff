"""Languages: which locale and time zone a page is written in.

Every string a person reads goes through Flask-Babel: `_()` / `ngettext()` in templates,
`gettext` / `ngettext` / `lazy_gettext` from flask_babel in Python. English is the source
language; catalogs live in forum/translations/.
"""


def select_locale() -> str:
    """The locale of this request: English, the one catalog so far."""
    return "en"


def select_timezone() -> str:
    """Times are shown in UTC until members can choose their own zone."""
    return "UTC"
