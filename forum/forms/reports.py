"""The member-facing form to report a post to the moderators."""

from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.reports import REPORT_MAX
from . import Form


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
