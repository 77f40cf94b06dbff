"""Forms for moderation and for personal data under guard (members' forms: session CSRF)."""

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models import ROLES
from ..services.moderation import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_NAME_MAX,
    REASON_MAX,
    REPORT_MAX,
    SUSPEND_MAX_DAYS,
)
from ..services.staff import AGREEMENT_MAX
from . import Form


def _reason(label: str = "Reason (for the moderation log)", required: bool = True):
    checks = [Length(max=REASON_MAX, message=f"A reason is at most {REASON_MAX} characters.")]
    if required:
        checks.insert(0, DataRequired(message="Give a reason: it goes into the moderation log."))
    return StringField(label, validators=checks)


class ReasonForm(Form):
    """One action on a post, topic or member that needs only a reason."""

    reason = _reason()
    submit = SubmitField("Confirm")


class ReportForm(Form):
    reason = TextAreaField(
        "What is wrong with this post?",
        description="Only the moderators read this.",
        validators=[
            DataRequired(message="Say what is wrong with the post."),
            Length(max=REPORT_MAX, message=f"A report is at most {REPORT_MAX:,} characters."),
        ],
    )
    submit = SubmitField("Send the report")


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
    reason = _reason(required=False)
    submit = SubmitField("Decide")


class ModeratorEditForm(Form):
    body = TextAreaField("Text", validators=[DataRequired(message="A post needs some text.")])
    reason = _reason("Why edit it (for the moderation log)")
    submit = SubmitField("Save the edit")


class MoveForm(Form):
    category = SelectField("Move to", coerce=int, validate_choice=False)
    reason = _reason("Why move it (for the moderation log)")
    submit = SubmitField("Move the topic")


class SuspendForm(Form):
    days = IntegerField(
        "For how many days",
        default=7,
        validators=[
            DataRequired(message="Give a number of days."),
            NumberRange(1, SUSPEND_MAX_DAYS, message=f"1 to {SUSPEND_MAX_DAYS} days."),
        ],
    )
    reason = _reason("Reason (the member is shown it)")
    submit = SubmitField("Suspend")


class RoleForm(Form):
    role = SelectField("Role", choices=[SelectChoice(r, r.capitalize()) for r in ROLES])
    reason = _reason("Why change the role (for the moderation log)")
    submit = SubmitField("Change the role")


class CategoryForm(Form):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Give the category a name."),
            Length(max=CATEGORY_NAME_MAX, message=f"At most {CATEGORY_NAME_MAX} characters."),
        ],
    )
    description = StringField(
        "Description",
        validators=[
            Optional(),
            Length(
                max=CATEGORY_DESCRIPTION_MAX,
                message=f"At most {CATEGORY_DESCRIPTION_MAX} characters.",
            ),
        ],
    )
    position = IntegerField(
        "Position (lower comes first)",
        default=0,
        validators=[Optional(), NumberRange(0, 10_000, message="0 to 10,000.")],
    )
    submit = SubmitField("Save")


class ArchiveForm(Form):
    reason = _reason(required=False)
    submit = SubmitField("Archive")


class AcceptAgreementForm(Form):
    version = HiddenField()
    accept = BooleanField(
        "I have read this agreement and I accept it",
        validators=[DataRequired(message="Tick the box to accept the agreement.")],
    )
    submit = SubmitField("Accept")


class PublishAgreementForm(Form):
    body = TextAreaField(
        "New version (Markdown)",
        validators=[
            DataRequired(message="Write the agreement."),
            Length(max=AGREEMENT_MAX, message=f"At most {AGREEMENT_MAX:,} characters."),
        ],
    )
    submit = SubmitField("Publish as a new version")


class RevealForm(Form):
    reason = StringField(
        "Why do you need to see it?",
        description="Written to the audit log with your name; the member sees it in their data.",
        validators=[
            DataRequired(message="Say why you need to see this."),
            Length(max=REASON_MAX, message=f"A reason is at most {REASON_MAX} characters."),
        ],
    )
    submit = SubmitField("Reveal")
