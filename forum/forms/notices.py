"""Forms for a member's moderation notices: marking them read, and mail or not."""

from wtforms import BooleanField, SubmitField

from . import Form


class NoticesReadForm(Form):
    submit = SubmitField("Mark as read")


class NoticeMailForm(Form):
    notice_mail = BooleanField("Email me moderation notices too")
    submit = SubmitField("Save")
