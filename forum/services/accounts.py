"""Accounts: registration, sign-in by one-time link, sessions, and the member's settings.

Functions here flush and queue mail; their callers commit, then ask the mail layer to
send after the response (views.actions.send_mail_after_response). Nothing here tells a
stranger whether an address belongs to a member: registration and address changes
answer the same either way, and the owner of a taken address is mailed instead.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from ..extensions import db
from ..links import site_url
from ..models import LoginToken, MemberSession, User, utcnow
from ..models.accounts import DELETE_PURPOSES
from . import ServiceError, network
from . import mail as mail_service
from .deletion import delete_account
from .members import check_not_reserved, create_user, normalize_email, normalize_username


class TokenError(ServiceError):
    """A sign-in link that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Registration:
    """What a visitor typed into the registration form."""

    username: str
    email: str
    announcements: bool
    ip: str | None
    # The privacy policy version shown on the form (None: no version published yet).
    policy_version: int | None = None
    # False when the address has had its share of visitor-caused mail (see
    # security.allow_mail_to): an existing member is then not mailed again.
    may_mail_existing: bool = True


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def session_key_hash(raw: str) -> str:
    """What is stored of a session key (its SHA-256): the key itself is only in the cookie."""
    return _hash(raw)


def _issue(user: User, purpose: str, ip: str | None, new_email: str | None = None) -> str:
    """Make a token, kill the member's earlier ones of this purpose; return the raw token."""
    now = utcnow()
    db.session.execute(
        update(LoginToken)
        .where(
            LoginToken.user_id == user.id,
            LoginToken.purpose == purpose,
            LoginToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)  # 256 bits
    minutes = current_app.config["SIGNIN_LINK_MINUTES"]
    db.session.add(
        LoginToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash(raw),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
            new_email=new_email,
            ip=ip,
            network_tag=network.tag_for(ip, now),
        )
    )
    return raw


def _link(raw: str) -> str:
    """The mailed address of a token: on SITE_URL, never the request's host."""
    return site_url("accounts.follow_link", token=raw)


def _queue_link(user: User, link: str, template: str, to: str, subject) -> None:
    minutes = current_app.config["SIGNIN_LINK_MINUTES"]
    expires = utcnow() + timedelta(minutes=minutes)
    mail_service.queue(
        to,
        subject,
        template,
        expires_at=expires,
        locale=user.locale,
        user=user,
        link=link,
        minutes=minutes,
    )
    if current_app.config.get("ENV_NAME") == "development":
        # No mail server on a laptop: the link is also printed where `make run` shows it.
        current_app.logger.warning("Sign-in link for %s: %s", user.username, link)


def check_registration(username: str, email: str) -> None:
    """What the form can say at once: the username's rules and whether it is free, and the
    address's syntax. Whether the address is taken is never said (see register)."""
    username = normalize_username(username)
    check_not_reserved(username)
    normalize_email(email)
    if db.session.scalar(select(User.id).where(User.username_key == username.lower())):
        raise ServiceError(_("That username is taken."), field="username")


def register(form: Registration) -> User | None:
    """Create an unconfirmed member and mail the link that confirms and signs them in.

    If the address already belongs to a member, nothing is created: that member is mailed
    a sign-in link saying someone tried to register with their address. Views run this
    after the response, so the visitor's answer is the same, as fast, in both cases. A
    registration racing another for the same address ends as the second case, not an error.
    Returns the new member, or None.
    """
    address = normalize_email(form.email)
    existing = db.session.scalar(select(User).where(User.has_email(address)))
    if existing is None:
        try:
            user = create_user(form.username, address)
        except IntegrityError:
            # Another registration committed this address first. This runs on its own
            # after the response, so the whole (empty) transaction can go.
            db.session.rollback()
            existing = db.session.scalar(select(User).where(User.has_email(address)))
            if existing is None:
                raise  # the username was taken meanwhile: logged, nothing mailed
        else:
            user.announcements = form.announcements
            user.signup_ip = form.ip
            user.policy_version_seen = form.policy_version
            raw = _issue(user, "signin", form.ip)
            site = current_app.config["SITE_NAME"]
            subject = _l("Welcome to %(site)s: confirm your address", site=site)
            _queue_link(user, _link(raw), "welcome", user.email, subject)
            return user
    if form.may_mail_existing:
        raw = _issue(existing, "signin", form.ip)
        site = current_app.config["SITE_NAME"]
        subject = _l("Someone tried to register on %(site)s with your address", site=site)
        _queue_link(existing, _link(raw), "register_existing", existing.email, subject)
    return None


def request_signin(email: str, ip: str | None) -> None:
    """Mail a sign-in link if the address belongs to a member; do nothing otherwise.

    Views run this after the response (forum.after_response), so that the answer, and the
    time it takes, are the same whether or not the address belongs to a member.
    """
    address = normalize_email(email)
    user = db.session.scalar(select(User).where(User.has_email(address)))
    if user is None:
        return
    raw = _issue(user, "signin", ip)
    site = current_app.config["SITE_NAME"]
    _queue_link(
        user, _link(raw), "signin", user.email, _l("Your sign-in link for %(site)s", site=site)
    )


def find_token(raw: str) -> LoginToken:
    """The live token behind a link, or TokenError saying why it cannot be used."""
    if not raw or len(raw) > 100:
        raise TokenError(_("This link is not valid. Ask for a new one."))
    digest = _hash(raw)
    token = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise TokenError(_("This link is not valid. Ask for a new one."))
    if token.used_at is not None:
        raise TokenError(_("This link has already been used, or a newer one replaced it."))
    if token.expires_at <= utcnow():
        raise TokenError(_("This link has expired: links last a few minutes only."))
    return token


def use_token(raw: str) -> tuple[User, str]:
    """Spend a link: sign-in (confirming the account), a new address, or deleting the account.

    Returns the member and what was done: "signin", "email" or "delete".
    """
    token = find_token(raw)
    user = token.user
    now = utcnow()
    # Claim the token with a conditional update, so two clicks cannot both spend it.
    claimed = db.session.execute(
        update(LoginToken)
        .where(LoginToken.id == token.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        raise TokenError(_("This link has already been used, or a newer one replaced it."))
    if token.purpose == "email":
        _replace_email(user, token.new_email or "")
        return user, "email"
    if token.purpose in DELETE_PURPOSES:
        delete_account(user, erase_posts=DELETE_PURPOSES[token.purpose])
        return user, "delete"
    user.confirmed_at = user.confirmed_at or now
    db.session.execute(
        update(LoginToken)
        .where(LoginToken.user_id == user.id, LoginToken.used_at.is_(None))
        .where(LoginToken.purpose == "signin")
        .values(used_at=now)
    )
    return user, "signin"


def _replace_email(user: User, new_email: str) -> None:
    taken = db.session.scalar(select(User.id).where(User.has_email(new_email), User.id != user.id))
    if taken is not None:
        raise TokenError(_("That address now belongs to another account; nothing was changed."))
    old = user.email
    user.email = new_email
    # Links mailed to the old address stop working, and so does every open session.
    user.mail_key = secrets.token_urlsafe(32)
    end_all_sessions(user)
    site = current_app.config["SITE_NAME"]
    subject = _l("Your address on %(site)s was changed", site=site)
    mail_service.queue(old, subject, "email_changed", locale=user.locale, user=user)


def check_email_change(user: User, new_email: str) -> str:
    """The new address, normalized, or ServiceError for what the member may be told at once."""
    address = normalize_email(new_email)
    if address == user.email:
        raise ServiceError(_("That is already your address."), field="email")
    return address


def request_email_change(user_id: int, address: str, ip: str | None, may_mail: bool) -> None:
    """Mail a confirmation link to a new address; the old one stays until it is followed.

    If the address is another member's, that member is told (when `may_mail`) and nothing
    else happens: the asker gets the same answer, so no one learns who is a member. Views
    run this after the response (hence the id), so both cases take as long.
    """
    user = db.session.get(User, user_id)
    if user is None:
        return
    owner = db.session.scalar(select(User).where(User.has_email(address)))
    site = current_app.config["SITE_NAME"]
    if owner is not None:
        if may_mail and owner.id != user.id:
            subject = _l("Someone tried to use your address on %(site)s", site=site)
            mail_service.queue(owner.email, subject, "email_taken", locale=owner.locale, user=owner)
        # A change waits for confirmation as for a free address (the account page shows it
        # pending either way), but its link goes to no one.
        _issue(user, "email", ip, new_email=address)
        return
    raw = _issue(user, "email", ip, new_email=address)
    _queue_link(
        user,
        _link(raw),
        "confirm_email",
        address,
        _l("Confirm your new address on %(site)s", site=site),
    )


def request_deletion(user: User, erase_posts: bool, ip: str | None) -> None:
    """Mail the member a link that deletes their account, their choice for posts in it."""
    purpose = next(p for p, erase in DELETE_PURPOSES.items() if erase == erase_posts)
    # One deletion link at a time, whichever choice the earlier one carried.
    db.session.execute(
        update(LoginToken)
        .where(
            LoginToken.user_id == user.id,
            LoginToken.purpose.in_(DELETE_PURPOSES),
            LoginToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    raw = _issue(user, purpose, ip)
    site = current_app.config["SITE_NAME"]
    subject = _l("Confirm the deletion of your account on %(site)s", site=site)
    _queue_link(user, _link(raw), "confirm_delete", user.email, subject)


def set_language(user: User, locale: str, zone: str, languages, zones) -> None:
    """Record the member's language ('' for the browser's) and time zone; the caller commits.

    `languages` and `zones` are what the forum offers: anything else is refused.
    """
    if locale and locale not in languages:
        raise ServiceError(_("Choose one of the languages offered."), field="language")
    if zone not in zones:
        raise ServiceError(_("Choose one of the time zones offered."), field="timezone")
    user.locale = locale or None
    user.timezone = zone


def set_announcements(user: User, wanted: bool) -> None:
    """Record whether the member wants announcements by email; the caller commits."""
    user.announcements = wanted


def pending_email(user: User) -> str | None:
    """The new address waiting for confirmation, if any."""
    return db.session.scalar(
        select(LoginToken.new_email).where(
            LoginToken.user_id == user.id,
            LoginToken.purpose == "email",
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > utcnow(),
        )
    )


def start_session(user: User) -> str:
    """Open a session for the member; return the raw key the cookie carries. Caller commits.

    Only the key's SHA-256 is stored, so a copy of the database signs in no one.
    """
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.add(
        MemberSession(
            user_id=user.id, key_hash=_hash(raw), created_at=now, expires_at=now + lifetime
        )
    )
    user.session_key = raw
    return raw


def member_select(*columns) -> Select:
    """SELECT the member a live session key names (bound as `key`, with `now`), and
    `columns`: the page heads read along with the member (services/heads.py). The sealed
    columns (address, sign-up network) are left unopened until a page reads them (one query
    then): opening them on every request cost more than the rest of loading the member."""
    return (
        select(User, *columns)
        .select_from(MemberSession)
        .join(User, User.id == MemberSession.user_id)
        .where(
            MemberSession.key_hash == bindparam("key"), MemberSession.expires_at > bindparam("now")
        )
        .options(defer(User.email), defer(User.signup_ip))
    )


# Built once: it runs on every request a member makes (but for the page views that read the
# member with their head).
_MEMBER_FOR_SESSION = member_select()


def is_session_key(raw) -> bool:
    """Whether a cookie's value can be a session key at all (a string of sane length; a
    cookie of ids from long ago held a number)."""
    return isinstance(raw, str) and 0 < len(raw) <= 100


def member_for_session(raw: str | None) -> User | None:
    """The member a live session key belongs to, or None (one query)."""
    if not is_session_key(raw):
        return None
    user = db.session.scalar(_MEMBER_FOR_SESSION, {"key": _hash(raw), "now": utcnow()})
    if user is not None:
        user.session_key = raw
    return user


def end_session(raw: str | None) -> None:
    """Sign one session out, wherever its cookie was copied to; the caller commits."""
    if raw:
        db.session.execute(delete(MemberSession).where(MemberSession.key_hash == _hash(raw)))


def end_all_sessions(user: User) -> None:
    """Sign the member out of every browser and forget their private feed's address; the
    caller commits."""
    db.session.execute(delete(MemberSession).where(MemberSession.user_id == user.id))
    # The private notifications feed's secret address goes with the sessions.
    user.feed_key_hash = None
