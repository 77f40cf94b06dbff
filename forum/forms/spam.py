"""The form that removes a spammer (its choices are set by the view, by role)."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from . import Form
from .moderation import reason_field


class RemoveForm(Form):
    account = RadioField(
        _l("The account"),
        choices=[SelectChoice("suspend", _l("Suspend it (they can still read, never write)"))],
        default="suspend",
        validators=[DataRequired(message=_l("Choose what becomes of the account."))],
    )
    reason = reason_field(_l("Reason (kept in the log with each step)"))
    # The fingerprint of the list shown: the removal refuses if it changed meanwhile.
    digest = HiddenField()
    submit = SubmitField(_l("Remove this member's posts and topics"))
