"""The public support request form (the staff's forms are in forms/support_desk.py)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..models.support import KINDS
from ..services.support import MESSAGE_MAX, SUBJECT_MAX
from . import number
from .accounts import VisitorForm


def length(limit: int, name: str) -> Length:
    """At most `limit` characters, said with the field's `name`."""
    return Length(
        max=limit,
        message=_l("%(name)s is at most %(limit)s characters.", name=name, limit=number(limit)),
    )


class SupportForm(VisitorForm):
    kind = RadioField(
        _l("What is it about?"),
        choices=[SelectChoice(value, label) for value, label in KINDS.items()],
        default="support",
        validators=[DataRequired(message=_l("Choose what kind of request this is."))],
    )
    subject = StringField(
        _l("Subject"),
        validators=[
            DataRequired(message=_l("Give your request a subject.")),
            length(SUBJECT_MAX, _l("The subject")),
        ],
    )
    message = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Write your message.")),
            length(MESSAGE_MAX, _l("The message")),
        ],
    )
    email = EmailField(
        _l("Email address (optional)"),
        description=_l("Only if you want a reply. Leave it empty to stay anonymous."),
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    about = StringField(
        _l("Which moderator or admin is it about? (optional)"),
        description=_l(
            "For a request about a moderator: only admins read it, never the person you name."
        ),
        # No length check here: the name only counts for that kind, where the service refuses
        # any that is not a staff member's.
        render_kw={"maxlength": 32},
    )
    no_publish = BooleanField(_l("Do not publish my request"), default=False)
    # A honeypot: hidden from people, filled in by bots that fill in everything.
    website = StringField(
        _l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    submit = SubmitField(_l("Send request"))
