"""Accounts: registration, sign-in by one-time link, and the member's own settings.

Functions here flush and queue mail; their callers commit, then ask the mail layer to
send after the response (services.mail.send_after_response).
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import LoginToken, User, utcnow
from ..models.accounts import DELETE_PURPOSES
from . import ServiceError, network
from . import mail as mail_service
from .deletion import delete_account
from .members import check_not_reserved, create_user, normalize_email


class TokenError(ServiceError):
    """A sign-in link that cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Registration:
    """What a visitor typed into the registration form."""

    username: str
    email: str
    announcements: bool
    ip: str | None
    # Absolute URL that the token is appended to, e.g. https://forum.example/signin/
    link_prefix: str
    # The privacy policy version shown on the form (None: no version published yet).
    policy_version: int | None = None


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


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


def _queue_link(user: User, link: str, template: str, to: str, subject: str) -> None:
    minutes = current_app.config["SIGNIN_LINK_MINUTES"]
    expires = utcnow() + timedelta(minutes=minutes)
    mail_service.queue(
        to, subject, template, expires_at=expires, user=user, link=link, minutes=minutes
    )
    if current_app.config.get("ENV_NAME") == "development":
        # No mail server on a laptop: the link is also printed where `make run` shows it.
        current_app.logger.warning("Sign-in link for %s: %s", user.username, link)


def register(form: Registration) -> User:
    """Create an unconfirmed member and mail the link that confirms and signs them in."""
    check_not_reserved(form.username or "")
    user = create_user(form.username, form.email)
    user.announcements = form.announcements
    user.signup_ip = form.ip
    user.policy_version_seen = form.policy_version
    db.session.flush()
    raw = _issue(user, "signin", form.ip)
    site = current_app.config["SITE_NAME"]
    link = form.link_prefix + raw
    _queue_link(user, link, "welcome", user.email, f"Welcome to {site}: confirm your address")
    return user


def request_signin(email: str, ip: str | None, link_prefix: str) -> None:
    """Mail a sign-in link if the address belongs to a member; do nothing otherwise.

    Views run this after the response (forum.deferred), so that the answer, and the
    time it takes, are the same whether or not the address belongs to a member.
    """
    address = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        return
    raw = _issue(user, "signin", ip)
    site = current_app.config["SITE_NAME"]
    _queue_link(user, link_prefix + raw, "signin", user.email, f"Your sign-in link for {site}")


def find_token(raw: str) -> LoginToken:
    """The live token behind a link, or TokenError saying why it cannot be used."""
    if not raw or len(raw) > 100:
        raise TokenError("This link is not valid. Ask for a new one.")
    digest = _hash(raw)
    token = db.session.scalar(select(LoginToken).where(LoginToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise TokenError("This link is not valid. Ask for a new one.")
    if token.used_at is not None:
        raise TokenError("This link has already been used, or a newer one replaced it.")
    if token.expires_at <= utcnow():
        raise TokenError("This link has expired: links last a few minutes only.")
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
        raise TokenError("This link has already been used, or a newer one replaced it.")
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
    taken = db.session.scalar(select(User.id).where(User.email == new_email, User.id != user.id))
    if taken is not None:
        raise TokenError("That address now belongs to another account; nothing was changed.")
    old = user.email
    user.email = new_email
    site = current_app.config["SITE_NAME"]
    mail_service.queue(old, f"Your address on {site} was changed", "email_changed", user=user)


def request_email_change(user: User, new_email: str, ip: str | None, link_prefix: str) -> None:
    """Mail a confirmation link to a new address; the old one stays until it is followed."""
    address = normalize_email(new_email)
    if address == user.email:
        raise ServiceError("That is already your address.", field="email")
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        raise ServiceError("That email address is taken.", field="email")
    raw = _issue(user, "email", ip, new_email=address)
    site = current_app.config["SITE_NAME"]
    link = link_prefix + raw
    _queue_link(user, link, "confirm_email", address, f"Confirm your new address on {site}")


def request_deletion(user: User, erase_posts: bool, ip: str | None, link_prefix: str) -> None:
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
    subject = f"Confirm the deletion of your account on {site}"
    _queue_link(user, link_prefix + raw, "confirm_delete", user.email, subject)


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
