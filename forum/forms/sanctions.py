"""Forms for sanctions: suspending a member and changing a role."""

from wtforms import IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from ..models import ROLES
from ..services.sanctions import MESSAGE_MAX, SUSPEND_MAX_DAYS
from . import Form
from .moderation import reason_field


class SuspendForm(Form):
    days = IntegerField(
        "For how many days",
        default=7,
        validators=[
            DataRequired(message="Give a number of days."),
            NumberRange(1, SUSPEND_MAX_DAYS, message=f"1 to {SUSPEND_MAX_DAYS} days."),
        ],
    )
    reason = reason_field("Reason (the member is shown it)")
    submit = SubmitField("Suspend")


class MessageForm(Form):
    body = TextAreaField(
        "Message",
        validators=[
            DataRequired(message="Write the message."),
            Length(max=MESSAGE_MAX, message=f"A message is at most {MESSAGE_MAX:,} characters."),
        ],
        description="Mailed to the member's address, which you are not shown; kept in the "
        "moderation log, and in the member's notices and data export.",
    )
    submit = SubmitField("Send the message")


class RoleForm(Form):
    role = SelectField("Role", choices=[SelectChoice(r, r.capitalize()) for r in ROLES])
    reason = reason_field("Why change the role (for the moderation log)")
    submit = SubmitField("Change the role")
