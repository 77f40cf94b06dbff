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
        _l("Message to the sender"),
        validators=[
            DataRequired(message=_l("Write the reply.")),
            length(REPLY_MAX, _l("The reply")),
        ],
    )
    submit = SubmitField(_l("Send reply"))


class NoteForm(Form):
    body = TextAreaField(
        _l("Note for staff (never sent)"),
        validators=[DataRequired(message=_l("Write the note.")), length(REPLY_MAX, _l("The note"))],
    )
    submit = SubmitField(_l("Add note"))


class StateForm(Form):
    state = SelectField(
        _l("Move to"), choices=[SelectChoice(s, s.capitalize()) for s in MANUAL_STATES]
    )
    submit = SubmitField(_l("Change state"))


class AnswerForm(Form):
    title = StringField(
        _l("Public title"),
        validators=[
            DataRequired(message=_l("Give it a title.")),
            length(SUBJECT_MAX, _l("The title")),
        ],
    )
    question = TextAreaField(
        _l("Question, as it will appear"),
        description=_l("Edit out names, addresses and anything else that could identify anyone."),
        validators=[
            DataRequired(message=_l("Write the question.")),
            length(MESSAGE_MAX, _l("The question")),
        ],
    )
    answer = TextAreaField(
        _l("Staff answer (Markdown)"),
        validators=[
            DataRequired(message=_l("Write the answer.")),
            length(MESSAGE_MAX, _l("The answer")),
        ],
    )
    cleared = BooleanField(
        _l("I removed what identifies the sender"),
        description=_l(
            "Their name, addresses, phone numbers, links with their details, and anything "
            "else that would tell who wrote it. Publishing is refused without this tick."
        ),
    )
    preview = SubmitField(_l("Preview"))
    publish = SubmitField(_l("Publish"))


class WithdrawForm(Form):
    submit = SubmitField(_l("Withdraw from the public pages"))
