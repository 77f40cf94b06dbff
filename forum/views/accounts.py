"""Registration, sign-in by one-time link, signing out, and the member's account page."""

import json
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import i18n
from ..after_response import after_response
from ..extensions import db, limiter
from ..forms import add_service_error
from ..forms.accounts import (
    AnnouncementsForm,
    DeleteAccountForm,
    EmailChangeForm,
    LanguageForm,
    RegisterForm,
    SigninForm,
    SignoutForm,
    UseLinkForm,
)
from ..forms.notices import NoticeMailForm, NoticesReadForm
from ..models.notices import MODERATION_KINDS
from ..security import (
    FIXED_EXPIRY,
    allow_mail_to,
    browser_must_vouch,
    client_ip,
    cookieless_form,
    form_token,
    member_required,
)
from ..services import ServiceError, accounts, deletion, ledger, notices
from ..services import export as export_service
from ..services import privacy as privacy_service
from ..services.members import normalize_email
from .actions import send_mail_after_response

bp = Blueprint("accounts", __name__)


def _limit(setting: str, **kwargs):
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"], **kwargs)


def _render_visitor_form(template: str, form, status: int = 200, **context):
    form.form_token.data = form_token()
    return render_template(template, form=form, **context), status


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    # The token in the address never goes out as a Referer; unlike no-referrer, this keeps
    # the real Origin on the button's POST (no-referrer makes browsers send "Origin: null",
    # which check_same_origin refuses when there is no Sec-Fetch-Site to go by).
    response.headers["Referrer-Policy"] = "strict-origin"
    return response


@bp.route("/register", methods=["GET", "POST"])
@_limit("LIMIT_REGISTER")
@cookieless_form
def register():
    """Create an account from a username and an email address; nothing else is asked."""
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.check_registration(form.username.data, form.email.data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            registration = accounts.Registration(
                username=form.username.data,
                email=form.email.data,
                announcements=form.announcements.data,
                ip=client_ip(),
                policy_version=privacy_service.version_for_registration(form.policy_version.data),
                may_mail_existing=allow_mail_to(normalize_email(form.email.data)),
            )
            # After the response: a taken address gets the same answer, as fast.
            after_response(accounts.register, registration)
            send_mail_after_response()
            return redirect(url_for("accounts.link_sent", welcome=1), code=303)
    status = 422 if request.method == "POST" else 200
    policy = privacy_service.cached_current()
    form.policy_version.data = policy.version if policy else ""
    return _render_visitor_form("accounts/register.html", form, status, policy=policy)


@bp.route("/signin", methods=["GET", "POST"])
@_limit("LIMIT_SIGNIN_IP")
@cookieless_form
def signin():
    """Ask for a one-time sign-in link by email; the answer never says whether one was sent."""
    form = SigninForm()
    if form.validate_on_submit():
        try:
            address = normalize_email(form.email.data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            # Looked up after the response: members and strangers get the same answer, as fast.
            # Past the per-address limit nothing is mailed, but the answer is the same.
            if allow_mail_to(address):
                after_response(accounts.request_signin, address, client_ip())
                send_mail_after_response()
            return redirect(url_for("accounts.link_sent"), code=303)
    status = 422 if request.method == "POST" else 200
    return _render_visitor_form("accounts/signin.html", form, status)


@bp.get("/signin/sent")
def link_sent():
    """Tell the visitor to check their mail."""
    return render_template("accounts/link_sent.html", welcome=request.args.get("welcome") == "1")


@bp.route("/signin/<token>", methods=["GET", "POST"])
@cookieless_form
@browser_must_vouch
def follow_link(token):
    """A mailed link: GET shows one button (mail scanners fetch links), POST spends the token."""
    form = UseLinkForm()
    # Who this browser is, before spending the link can end that member's sessions.
    follower_id = current_user.id
    try:
        link = accounts.find_token(token)
        if request.method == "POST" and form.validate_on_submit():
            user, purpose = accounts.use_token(token)
        elif request.method == "POST":
            raise accounts.TokenError(_("Please press the button again."))
        else:
            response, status = _render_visitor_form("accounts/use_link.html", form, link=link)
            return _no_store(current_app.make_response((response, status)))
    except accounts.TokenError as exc:
        db.session.rollback()
        page = render_template("accounts/link_problem.html", message=exc.message)
        return _no_store(current_app.make_response((page, 400)))
    follower_is_member = follower_id == user.id
    if purpose == "delete":
        db.session.commit()
        deletion.wipe_deleted_data()
        send_mail_after_response()
        if follower_is_member:
            logout_user()
            session.clear()
        return redirect(url_for("accounts.account_deleted"), code=303)
    if purpose == "email" and not follower_is_member:
        # Every session of the member ended with the change; this browser had none.
        db.session.commit()
        send_mail_after_response()
        return redirect(url_for("accounts.email_confirmed"), code=303)
    _sign_in(user)
    send_mail_after_response()
    if purpose == "email":
        return redirect(url_for("accounts.email_confirmed"), code=303)
    return redirect(url_for("accounts.signed_in"), code=303)


def _sign_in(user) -> None:
    """Open a new session for the member in this browser and commit; nothing from before
    (a visitor's session, another member's) survives it."""
    logout_user()
    session.clear()
    accounts.start_session(user)
    db.session.commit()
    login_user(user)
    # Flask-Login's hash of address and user agent: not wanted, and not declared.
    session.pop("_id", None)
    session.permanent = True
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    session[FIXED_EXPIRY] = int(time.time() + lifetime.total_seconds())


@bp.get("/signin/done")
def signed_in():
    """Where a sign-in lands: welcome the member, or explain the one cookie it needs."""
    if current_user.is_authenticated:
        flash(_("Signed in as %(username)s.", username=current_user.username))
        return redirect(url_for("forum.index"))
    return render_template("accounts/needs_cookie.html")


@bp.post("/signout")
def signout():
    """Sign out: the session ends on the server too, so a copy of the cookie is worthless."""
    if SignoutForm().validate_on_submit():
        accounts.end_session(current_user.session_key if current_user.is_authenticated else None)
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("forum.index"), code=303)


@bp.post("/account/signout-everywhere")
@member_required
def signout_everywhere():
    """End every session of the member, in every browser, this one included."""
    if SignoutForm().validate_on_submit():
        accounts.end_all_sessions(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out everywhere."))
    return redirect(url_for("forum.index"), code=303)


@bp.get("/account")
@member_required
def account():
    """The member's settings, and what the forum stores about them."""
    return _account_page(
        EmailChangeForm(), AnnouncementsForm(announcements=current_user.announcements)
    )


def _language_form(**kwargs) -> LanguageForm:
    form = LanguageForm(**kwargs)
    form.language.choices = i18n.language_choices()
    form.timezone.choices = i18n.zone_choices()
    return form


def _account_page(email_form, announcements_form, status: int = 200, language_form=None):
    if language_form is None:
        language_form = _language_form(
            formdata=None,
            language=current_user.locale or "",
            timezone=current_user.timezone or "UTC",
        )
    return (
        render_template(
            "accounts/account.html",
            email_form=email_form,
            announcements_form=announcements_form,
            pending_email=accounts.pending_email(current_user),
            notices=notices.notices_for(current_user, kinds=MODERATION_KINDS),
            network_places=ledger.network_places(db.metadata),
            read_form=NoticesReadForm(),
            notice_mail_form=NoticeMailForm(notice_mail=current_user.notice_mail, formdata=None),
            language_form=language_form,
        ),
        status,
    )


@bp.post("/account/email")
@member_required
@_limit("LIMIT_SIGNIN_IP")
def change_email():
    """Ask to change the address: the new one must confirm by link first."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            address = accounts.check_email_change(current_user, form.email.data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            # After the response: a taken address gets the same answer, as fast.
            may_mail = allow_mail_to(address)
            after_response(
                accounts.request_email_change, current_user.id, address, client_ip(), may_mail
            )
            send_mail_after_response()
            flash(
                _("We sent a link to the new address. Your address changes when you follow it."),
                "email-sent",
            )
            return redirect(url_for("accounts.account"))
    announcements = AnnouncementsForm(announcements=current_user.announcements, formdata=None)
    return _account_page(form, announcements, 422)


@bp.post("/account/announcements")
@member_required
def change_announcements():
    """Opt in to or out of announcements by email."""
    form = AnnouncementsForm()
    if form.validate_on_submit():
        accounts.set_announcements(current_user, form.announcements.data)
        db.session.commit()
        flash(_("Saved."))
    return redirect(url_for("accounts.account"))


@bp.post("/account/language")
@member_required
def change_language():
    """Choose the language and time zone of the member's pages and mail."""
    form = _language_form()
    if form.validate_on_submit():
        try:
            accounts.set_language(
                current_user,
                form.language.data,
                form.timezone.data,
                i18n.languages(),
                i18n.zone_names(),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("accounts.account"))
    email = EmailChangeForm(formdata=None)
    announcements = AnnouncementsForm(announcements=current_user.announcements, formdata=None)
    return _account_page(email, announcements, 422, language_form=form)


@bp.get("/account/email-confirmed")
def email_confirmed():
    """After a new address was confirmed."""
    return render_template("accounts/email_confirmed.html")


@bp.get("/account/data")
@member_required
def your_data():
    """Download everything the forum holds about you, or delete your account."""
    return render_template("accounts/data.html", delete_form=DeleteAccountForm())


@bp.get("/account/data.json")
@member_required
def export_data():
    """Everything the forum holds about the member, as a JSON file to keep."""
    body = json.dumps(export_service.export_member(current_user), indent=2, ensure_ascii=False)
    response = current_app.response_class(body + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="my-forum-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/delete")
@member_required
@_limit("LIMIT_SIGNIN_IP")
def request_deletion():
    """Ask to delete the account: a link mailed to the member's address confirms it."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("accounts/data.html", delete_form=form), 422
    erase = form.posts.data == "erase"
    accounts.request_deletion(current_user, erase, client_ip())
    db.session.commit()
    send_mail_after_response()
    flash(_("We sent a link to your address. Your account is deleted when you follow it."))
    return redirect(url_for("accounts.your_data"), code=303)


@bp.get("/account/deleted")
def account_deleted():
    """After an account was deleted."""
    return render_template("accounts/deleted.html")
