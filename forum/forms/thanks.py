"""The thanks buttons: a form with nothing but its CSRF token."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField

from . import Form


class ThanksForm(Form):
    submit = SubmitField(_l("Thanks"))
