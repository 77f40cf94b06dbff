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
from .accounts import VisitorForm


def length(limit: int, name: str) -> Length:
    """At most `limit` characters, said with the field's `name`."""
    return Length(max=limit, message=f"{name} is at most {limit:,} characters.")


class SupportForm(VisitorForm):
    kind = RadioField(
        "What is it about?",
        choices=[SelectChoice(value, label) for value, label in KINDS.items()],
        default="support",
        validators=[DataRequired(message="Choose what kind of request this is.")],
    )
    subject = StringField(
        "Subject",
        validators=[
            DataRequired(message="Give your request a subject."),
            length(SUBJECT_MAX, "The subject"),
        ],
    )
    message = TextAreaField(
        "Message",
        validators=[
            DataRequired(message="Write your message."),
            length(MESSAGE_MAX, "The message"),
        ],
    )
    email = EmailField(
        "Email address (optional)",
        description="Only if you want a reply. Leave it empty to stay anonymous.",
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
    no_publish = BooleanField("Do not publish my request", default=False)
    # A honeypot: hidden from people, filled in by bots that fill in everything.
    website = StringField(
        "Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"}
    )
    submit = SubmitField("Send request")
