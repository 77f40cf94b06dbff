"""Forms for moderation: the queue, posts and topics (members' forms: session CSRF)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..services.moderation import REASON_MAX
from . import Form


def reason_field(label: str = "Reason (for the moderation log)", required: bool = True):
    checks = [
        Length(
            max=REASON_MAX,
            message=_("A reason is at most %(reason_max)s characters.", reason_max=REASON_MAX),
        )
    ]
    if required:
        checks.insert(0, DataRequired(message=_("Give a reason: it goes into the moderation log.")))
    return StringField(label, validators=checks)


class ReasonForm(Form):
    """One action on a post, topic or member that needs only a reason."""

    reason = reason_field()
    submit = SubmitField(_l("Confirm"))


class ResolveForm(Form):
    resolution = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("hide", _l("Hide the post")),
            SelectChoice("dismiss", _l("Leave the post as it is")),
            SelectChoice("approve", _l("Approve (a held post)")),
        ],
        validators=[DataRequired(message=_l("Choose what to do."))],
    )
    reason = reason_field("Reason (for the log; a hidden post's author is told it)", required=False)
    submit = SubmitField(_l("Decide"))


class ModeratorEditForm(Form):
    body = TextAreaField(
        _l("Text"), validators=[DataRequired(message=_l("A post needs some text."))]
    )
    reason = reason_field("Why edit it (for the moderation log)")
    submit = SubmitField(_l("Save the edit"))


class MoveForm(Form):
    category = SelectField(
        _l("Move to"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a category to move the topic to."))],
    )
    reason = reason_field("Why move it (told to the author, kept in the log)")
    submit = SubmitField(_l("Move the topic"))
