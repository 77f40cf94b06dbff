"""Forms for disclosure: accepting and publishing the agreement, revealing personal data."""

from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.disclosure import AGREEMENT_MAX
from ..services.moderation import REASON_MAX
from . import Form


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
