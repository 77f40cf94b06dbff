"""Forms for moderation: the queue, posts and topics (members' forms: session CSRF)."""

from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..services.moderation import REASON_MAX
from . import Form


def reason_field(label: str = "Reason (for the moderation log)", required: bool = True):
    checks = [Length(max=REASON_MAX, message=f"A reason is at most {REASON_MAX} characters.")]
    if required:
        checks.insert(0, DataRequired(message="Give a reason: it goes into the moderation log."))
    return StringField(label, validators=checks)


class ReasonForm(Form):
    """One action on a post, topic or member that needs only a reason."""

    reason = reason_field()
    submit = SubmitField("Confirm")


class ResolveForm(Form):
    resolution = RadioField(
        "Decision",
        choices=[
            SelectChoice("hide", "Hide the post"),
            SelectChoice("dismiss", "Leave the post as it is"),
            SelectChoice("approve", "Approve (a held post)"),
        ],
        validators=[DataRequired(message="Choose what to do.")],
    )
    reason = reason_field("Reason (for the log; a hidden post's author is told it)", required=False)
    submit = SubmitField("Decide")


class ModeratorEditForm(Form):
    body = TextAreaField("Text", validators=[DataRequired(message="A post needs some text.")])
    reason = reason_field("Why edit it (for the moderation log)")
    submit = SubmitField("Save the edit")


class MoveForm(Form):
    category = SelectField(
        "Move to",
        validate_choice=False,
        validators=[DataRequired(message="Choose a category to move the topic to.")],
    )
    reason = reason_field("Why move it (told to the author, kept in the log)")
    submit = SubmitField("Move the topic")
