"""Forms for disclosures on the record: an admin records a request for a member's data."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..services.transparency import BASIS_MAX, FIELD_NAMES, REQUESTER_MAX
from . import Form


class CheckboxesField(SelectMultipleField):
    """Ticks, one per choice; values outside the choices reach the service, which refuses."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _fields(label):
    return CheckboxesField(
        label,
        choices=[SelectChoice(value, name) for value, name in FIELD_NAMES.items()],
        validate_choice=False,
        default=[],
    )


class DisclosureForm(Form):
    member = StringField(
        _l("Whose data (username)"),
        validators=[DataRequired(message=_l("Name the member.")), Length(max=32)],
    )
    kind = RadioField(
        _l("Who asked"),
        choices=[
            SelectChoice("authority", _l("An authority, under law")),
            SelectChoice("protection", _l("Someone, to protect a person from harm")),
        ],
        validate_choice=False,
    )
    requester = StringField(
        _l("Who asked, by name (an authority, a court, a service)"),
        validators=[DataRequired(message=_l("Say who asked.")), Length(max=REQUESTER_MAX)],
    )
    basis = TextAreaField(
        _l("Under what authority (an order, a law), or why"),
        description=_l("The member reads this, in their notice and their data export."),
        validators=[
            DataRequired(message=_l("Give the authority or the reason.")),
            Length(max=BASIS_MAX),
        ],
    )
    received_on = DateField(
        _l("The request came in on"),
        validators=[DataRequired(message=_l("Give the day (YYYY-MM-DD)."))],
    )
    fields_asked = _fields(_l("What was asked for"))
    fields_given = _fields(_l("What you hand over (nothing ticked: refused)"))
    notify_after = DateField(
        _l("Defer the member's notice until (only when a legal order requires it)"),
        description=_l("Empty: the member is told at once. On this day `purge` tells them."),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Record the request"))
