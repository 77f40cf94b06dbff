"""The search form: read from the query string, no CSRF token (it changes nothing)."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import DateInput

from . import Form


class _DateField(StringField):
    """A YYYY-MM-DD date, as <input type="date"> sends it; `parsed` is its value."""

    parsed: date | None = None
    widget = DateInput()

    def pre_validate(self, form) -> None:
        self.parsed = None
        raw = (self.data or "").strip()
        if not raw:
            return
        try:
            self.parsed = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            self.parsed = None
        if self.parsed is None:
            raise ValidationError(_("Give a date as YYYY-MM-DD, for example 2026-01-31."))


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search for"), validators=[Optional()])
    category = SelectField(
        _l("Category"), choices=[SelectChoice("", _l("All categories"))], default=""
    )
    author = StringField(_l("Author"), validators=[Optional(), Length(max=40)])
    since = _DateField(_l("From"), name="from")
    until = _DateField(_l("To"), name="to")

    @property
    def filters_blank(self) -> bool:
        """No filter given (and so none refused): the filters look the same for every such
        search."""
        fields = (self.category, self.author, self.since, self.until)
        return not any(f.data or f.errors for f in fields)

    def set_categories(self, categories) -> None:
        """Offer these (slug, name) pairs (the view passes them; forms never read the database)."""
        self.category.choices = [SelectChoice("", _("All categories"))] + [
            SelectChoice(slug, name) for slug, name in categories
        ]
