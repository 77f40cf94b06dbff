"""The member-facing form to report a post to the moderators."""

from flask_babel import lazy_gettext as _l
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..services.reports import REPORT_MAX
from . import Form, number


class ReportForm(Form):
    reason = TextAreaField(
        _l("What is wrong with this post?"),
        description=_l("Only the moderators read this."),
        validators=[
            DataRequired(message=_l("Say what is wrong with the post.")),
            Length(
                max=REPORT_MAX,
                message=_l("A report is at most %(limit)s characters.", limit=number(REPORT_MAX)),
            ),
        ],
    )
    submit = SubmitField(_l("Send the report"))
