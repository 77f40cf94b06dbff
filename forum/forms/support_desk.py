"""Forms for the support desk: reply, note, state, publish and withdraw."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..services.support import MESSAGE_MAX, SUBJECT_MAX
from ..services.support_desk import MANUAL_STATES, REPLY_MAX
from . import Form
from .support import length


class ReplyForm(Form):
    body = TextAreaField(
        "Message to the sender",
        validators=[DataRequired(message="Write the reply."), length(REPLY_MAX, "The reply")],
    )
    submit = SubmitField("Send reply")


class NoteForm(Form):
    body = TextAreaField(
        "Note for staff (never sent)",
        validators=[DataRequired(message="Write the note."), length(REPLY_MAX, "The note")],
    )
    submit = SubmitField("Add note")


class StateForm(Form):
    state = SelectField("Move to", choices=[SelectChoice(s, s.capitalize()) for s in MANUAL_STATES])
    submit = SubmitField("Change state")


class AnswerForm(Form):
    title = StringField(
        "Public title",
        validators=[DataRequired(message="Give it a title."), length(SUBJECT_MAX, "The title")],
    )
    question = TextAreaField(
        "Question, as it will appear",
        description="Edit out names, addresses and anything else that could identify anyone.",
        validators=[
            DataRequired(message="Write the question."),
            length(MESSAGE_MAX, "The question"),
        ],
    )
    answer = TextAreaField(
        "Staff answer (Markdown)",
        validators=[
            DataRequired(message="Write the answer."),
            length(MESSAGE_MAX, "The answer"),
        ],
    )
    cleared = BooleanField(
        _l("I removed what identifies the sender"),
        description=_l(
            "Their name, addresses, phone numbers, links with their details, and anything "
            "else that would tell who wrote it. Publishing is refused without this tick."
        ),
    )
    preview = SubmitField("Preview")
    publish = SubmitField("Publish")


class WithdrawForm(Form):
    submit = SubmitField("Withdraw from the public pages")
