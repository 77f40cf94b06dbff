"""Forms for the privacy policy: publishing a version, and dismissing the notice of one."""

from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from . import Form


class PolicyForm(Form):
    summary = StringField(
        "What changed, in one line",
        description="Members who saw an earlier version are shown this line.",
        validators=[DataRequired(message="Say in one line what changed."), Length(max=200)],
    )
    body = TextAreaField(
        "The whole policy (Markdown)",
        validators=[DataRequired(message="The policy cannot be empty."), Length(max=100_000)],
    )
    submit = SubmitField("Publish this version")


class PolicySeenForm(Form):
    version = IntegerField(widget=HiddenField.widget, validators=[NumberRange(min=1)])
    next = HiddenField()
    submit = SubmitField("Dismiss")
