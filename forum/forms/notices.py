"""Forms for a member's moderation notices: marking them read, and mail or not."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField

from . import Form


class NoticesReadForm(Form):
    submit = SubmitField(_l("Mark as read"))


class NoticeMailForm(Form):
    notice_mail = BooleanField(_l("Email me moderation notices too"))
    submit = SubmitField(_l("Save"))
