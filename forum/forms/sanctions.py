"""Forms for sanctions: suspending a member and changing a role."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from ..models import ROLES
from ..services.sanctions import MESSAGE_MAX, SUSPEND_MAX_DAYS
from . import Form, number
from .moderation import reason_field


class SuspendForm(Form):
    days = IntegerField(
        _l("For how many days"),
        default=7,
        validators=[
            DataRequired(message=_l("Give a number of days.")),
            NumberRange(
                1,
                SUSPEND_MAX_DAYS,
                message=_l("1 to %(suspend_max_days)s days.", suspend_max_days=SUSPEND_MAX_DAYS),
            ),
        ],
    )
    reason = reason_field("Reason (the member is shown it)")
    submit = SubmitField(_l("Suspend"))


class MessageForm(Form):
    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Write the message.")),
            Length(
                max=MESSAGE_MAX,
                message=_l("A message is at most %(limit)s characters.", limit=number(MESSAGE_MAX)),
            ),
        ],
        description=_l(
            "Mailed to the member's address, which you are not shown; kept in the "
            "moderation log, and in the member's notices and data export."
        ),
    )
    submit = SubmitField(_l("Send the message"))


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice(r, r.capitalize()) for r in ROLES])
    reason = reason_field("Why change the role (for the moderation log)")
    submit = SubmitField(_l("Change the role"))
