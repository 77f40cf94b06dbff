"""The cheaper attribute writer for form widgets writes exactly what WTForms' own does."""

import pytest
from markupsafe import Markup
from wtforms.widgets import core

from forum.forms import widgets
from forum.forms.search import SearchForm

HOSTILE = [
    {},
    {"name": "q", "id": "search-q", "value": "a \"quoted\" <b>&amp;</b> 'x'"},
    {"value": Markup('already "safe" <i>markup</i>'), "class_": "big", "for_": "x"},
    {"checked": True, "readonly": False, "required": True, "maxlength": 40, "rows": 8},
    {"data_upload": "/i/upload?a=1&b=2", "aria_describedby": "x-hint x-error"},
    {"value": 0, "min": -1, "step": 0.5, "title": None},
    {"value": "\u202e\u0000\ufffftext\u00a0", "name": "author"},
]


@pytest.mark.parametrize("attributes", HOSTILE)
def test_html_params_writes_what_wtforms_writes(attributes):
    mine, theirs = widgets.html_params(**attributes), widgets._original(**attributes)
    assert mine == theirs
    assert isinstance(mine, Markup)


def test_widgets_use_it_once_the_app_is_made(app):
    assert core.html_params is widgets.html_params
    assert core.Input.html_params is widgets.html_params


def test_a_rendered_form_is_the_same_with_either(app):
    with app.test_request_context("/search?q=%22x%22&author=%3Cb%3E&from=2026-13-40"):
        from flask import request

        form = SearchForm(formdata=request.args)
        form.set_categories([("a-b", 'A "quoted" <name>'), ("c", "Plain")])
        form.validate()
        fields = [form.q, form.category, form.author, form.since, form.until]
        fast = [str(field(class_="x", data_hint='"')) for field in fields]
        try:
            core.html_params = widgets._original
            core.Input.html_params = staticmethod(widgets._original)
            slow = [str(field(class_="x", data_hint='"')) for field in fields]
        finally:
            widgets.install()
    assert fast == slow
