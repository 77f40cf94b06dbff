"""Forms for the support desk: the public request form, and the staff's forms."""

from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..models.support import KINDS
from ..services.support import MANUAL_STATES, MESSAGE_MAX, REPLY_MAX, SUBJECT_MAX
from . import Form
from .accounts import VisitorForm


def _length(limit: int, name: str) -> Length:
    return Length(max=limit, message=f"{name} is at most {limit:,} characters.")


class SupportForm(VisitorForm):
    kind = RadioField(
        "What is it about?",
        choices=[SelectChoice(value, label) for value, label in KINDS.items()],
        default="support",
        validators=[DataRequired(message="Choose what kind of request this is.")],
    )
    subject = StringField(
        "Subject",
        validators=[
            DataRequired(message="Give your request a subject."),
            _length(SUBJECT_MAX, "The subject"),
        ],
    )
    message = TextAreaField(
        "Message",
        validators=[
            DataRequired(message="Write your message."),
            _length(MESSAGE_MAX, "The message"),
        ],
    )
    email = EmailField(
        "Email address (optional)",
        description="Only if you want a reply. Leave it empty to stay anonymous.",
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    no_publish = BooleanField("Do not publish my request", default=False)
    # A honeypot: hidden from people, filled in by bots that fill in everything.
    website = StringField(
        "Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    submit = SubmitField("Send request")


class ReplyForm(Form):
    body = TextAreaField(
        "Message to the sender",
        validators=[DataRequired(message="Write the reply."), _length(REPLY_MAX, "The reply")],
    )
    submit = SubmitField("Send reply")


class NoteForm(Form):
    body = TextAreaField(
        "Note for staff (never sent)",
        validators=[DataRequired(message="Write the note."), _length(REPLY_MAX, "The note")],
    )
    submit = SubmitField("Add note")


class StateForm(Form):
    state = SelectField("Move to", choices=[SelectChoice(s, s.capitalize()) for s in MANUAL_STATES])
    submit = SubmitField("Change state")


class AnswerForm(Form):
    title = StringField(
        "Public title",
        validators=[DataRequired(message="Give it a title."), _length(SUBJECT_MAX, "The title")],
    )
    question = TextAreaField(
        "Question, as it will appear",
        description="Edit out names, addresses and anything else that could identify anyone.",
        validators=[
            DataRequired(message="Write the question."),
            _length(MESSAGE_MAX, "The question"),
        ],
    )
    answer = TextAreaField(
        "Staff answer (Markdown)",
        validators=[
            DataRequired(message="Write the answer."),
            _length(MESSAGE_MAX, "The answer"),
        ],
    )
    preview = SubmitField("Preview")
    publish = SubmitField("Publish")


class WithdrawForm(Form):
    submit = SubmitField("Withdraw from the public pages")
