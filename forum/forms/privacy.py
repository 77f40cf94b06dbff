"""Forms for the privacy policy: publishing a version, and dismissing the notice of one."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from . import Form


class PolicyForm(Form):
    summary = StringField(
        _l("What changed, in one line"),
        description=_l("Members who saw an earlier version are shown this line."),
        validators=[DataRequired(message=_l("Say in one line what changed.")), Length(max=200)],
    )
    body = TextAreaField(
        _l("The whole policy (Markdown)"),
        validators=[DataRequired(message=_l("The policy cannot be empty.")), Length(max=100_000)],
    )
    submit = SubmitField(_l("Publish this version"))


class PolicySeenForm(Form):
    version = IntegerField(widget=HiddenField.widget, validators=[NumberRange(min=1)])
    next = HiddenField()
    submit = SubmitField(_l("Dismiss"))
