"""Forms for a member's notices: marking them read, mail or not, the private feed, watching."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SubmitField
from wtforms.fields.choices import SelectChoice

from . import Form


class NoticesReadForm(Form):
    submit = SubmitField(_l("Mark as read"))


class NoticeMailForm(Form):
    notice_mail = BooleanField(_l("Email me moderation notices too"))
    submit = SubmitField(_l("Save"))


_WHEN = [
    SelectChoice("never", _l("Never")),
    SelectChoice("now", _l("At once")),
    SelectChoice("digest", _l("In a daily digest")),
]


class NotificationMailForm(Form):
    """Mail per kind of notification (never by default), the text or not, auto-watching."""

    replies = RadioField(_l("Replies to your topics, and replies quoting you"), choices=_WHEN)
    mentions = RadioField(_l("Mentions of you"), choices=_WHEN)
    watched = RadioField(_l("New posts where you watch"), choices=_WHEN)
    mail_text = BooleanField(_l("Include the text of the post in the mail"))
    auto_watch = BooleanField(_l("Watch the topics I start and the topics I reply to"))
    submit = SubmitField(_l("Save"))


class FeedForm(Form):
    """Turn the private feed on (a new secret address) or off."""

    turn_on = SubmitField(_l("Make a new private feed address"))
    turn_off = SubmitField(_l("Turn the private feed off"))


class WatchForm(Form):
    submit = SubmitField(_l("Watch"))
