"""Forms for registration, sign-in and the member's settings."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..services.members import USERNAME_RULE
from . import Form


class VisitorForm(Form):
    """A form a visitor without cookies can send: no session token, a signed form token."""

    class Meta:
        csrf = False

    form_token = HiddenField()


class RegisterForm(VisitorForm):
    username = StringField(
        _l("Username"),
        description=_l("Shown beside your posts. %(username_rule)s.", username_rule=USERNAME_RULE),
        validators=[DataRequired(message=_l("Choose a username.")), Length(max=32)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    email = EmailField(
        _l("Email address"),
        description=_l("Only for sign-in links. Never shown to anyone."),
        validators=[DataRequired(message=_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    announcements = BooleanField(_l("Email me announcements (at most one a week)"), default=False)
    # The privacy policy version shown beside the form, recorded with the account.
    policy_version = HiddenField()
    submit = SubmitField(_l("Create account"))


class SigninForm(VisitorForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(message=_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Email me a sign-in link"))


class UseLinkForm(VisitorForm):
    submit = SubmitField(_l("Sign in"))


class SignoutForm(Form):
    submit = SubmitField(_l("Sign out"))


class EmailChangeForm(Form):
    email = EmailField(
        _l("New email address"),
        validators=[DataRequired(message=_l("Enter the new address.")), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Send confirmation link"))


class AnnouncementsForm(Form):
    announcements = BooleanField(_l("Email me announcements (at most one a week)"))
    submit = SubmitField(_l("Save"))


class DeleteAccountForm(Form):
    posts = RadioField(
        _l("Your posts"),
        choices=[
            SelectChoice("erase", _l("Erase my posts")),
            SelectChoice(
                "keep", _l("Keep my posts, shown as written by \u201ca former member\u201d")
            ),
        ],
        validators=[DataRequired(message=_l("Choose what becomes of your posts."))],
    )
    submit = SubmitField(_l("Delete my account"))


class LanguageForm(Form):
    """The member's language and time zone; the choices are filled in by the view."""

    language = SelectField(_l("Language"), validate_choice=True)
    timezone = SelectField(
        _l("Time zone"),
        description=_l("Times on the forum are shown in this zone."),
        validate_choice=True,
    )
    submit = SubmitField(_l("Save"))
