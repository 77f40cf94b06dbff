"""Forms for disclosure: accepting and publishing the agreement, revealing personal data."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.disclosure import AGREEMENT_MAX
from ..services.moderation import REASON_MAX
from . import Form, number


class AcceptAgreementForm(Form):
    version = HiddenField()
    accept = BooleanField(
        _l("I have read this agreement and I accept it"),
        validators=[DataRequired(message=_l("Tick the box to accept the agreement."))],
    )
    submit = SubmitField(_l("Accept"))


class PublishAgreementForm(Form):
    body = TextAreaField(
        _l("New version (Markdown)"),
        validators=[
            DataRequired(message=_l("Write the agreement.")),
            Length(
                max=AGREEMENT_MAX,
                message=_l("At most %(limit)s characters.", limit=number(AGREEMENT_MAX)),
            ),
        ],
    )
    submit = SubmitField(_l("Publish as a new version"))


class RevealForm(Form):
    reason = StringField(
        _l("Why do you need to see it?"),
        description=_l(
            "Written to the audit log with your name; the member sees it in their data."
        ),
        validators=[
            DataRequired(message=_l("Say why you need to see this.")),
            Length(
                max=REASON_MAX,
                message=_l("A reason is at most %(reason_max)s characters.", reason_max=REASON_MAX),
            ),
        ],
    )
    submit = SubmitField(_l("Reveal"))
