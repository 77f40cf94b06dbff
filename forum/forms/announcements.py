"""The admins' form for an announcement."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from . import Form


class AnnouncementForm(Form):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("An announcement needs a title.")), Length(max=200)],
    )
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[DataRequired(message=_l("An announcement needs a text.")), Length(max=20_000)],
    )
    send_mail = BooleanField(
        _l("Also email it to members who asked for announcements"),
    )
    # Listed first, so that Enter in the title previews rather than publishes.
    preview_mail = SubmitField(_l("Preview the mail"))
    submit = SubmitField(_l("Publish"))
    send_test = SubmitField(_l("Send a test to me"))
