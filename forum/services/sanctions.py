"""Sanctions and roles: moderators suspend members and lift suspensions, admins change
roles; the staff's pages of members (no emails or addresses). Each action writes one record
to the moderation log; the caller commits."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..links import site_url
from ..models import ROLES, LoginToken, Post, User, utcnow
from . import (
    Forbidden,
    NotFound,
    ServiceError,
    mail,
    moderation_notices,
    require_admin,
    require_staff,
)
from .moderation import check_reason, log_action
from .pagination import Page, paged
from .text import clean_body

SUSPEND_MAX_DAYS = 3650
MESSAGE_MAX = 2000


def member_for_staff(username: str) -> User:
    """Any member by username, whatever its case, for the staff's pages (NotFound if none)."""
    user = db.session.scalar(select(User).where(User.username_key == (username or "").lower()))
    if user is None:
        raise NotFound(_("There is no such member."))
    return user


def suspend(member: User, staff: User, days, reason: str, now: datetime | None = None) -> None:
    """Stop a member writing for a number of days; they are told until when and why."""
    require_staff(staff)
    if member.is_staff:
        raise Forbidden(_("Staff cannot be suspended: an admin can change their role first."))
    reason = check_reason(reason)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ServiceError(_("Give a number of days."), field="days") from None
    if not 1 <= days <= SUSPEND_MAX_DAYS:
        raise ServiceError(
            _(
                "A suspension lasts 1 to %(suspend_max_days)s days.",
                suspend_max_days=SUSPEND_MAX_DAYS,
            ),
            field="days",
        )
    member.suspended_until = (now or utcnow()) + timedelta(days=days)
    member.suspension_reason = reason
    moderation_notices.suspended(member, staff)
    log_action(
        staff,
        "suspend",
        reason,
        f"until {member.suspended_until:%Y-%m-%d %H:%M} UTC",
        member_id=member.id,
    )


def unsuspend(member: User, staff: User, reason: str) -> None:
    """Let a suspended member write again; they are told."""
    require_staff(staff)
    reason = check_reason(reason)
    if not member.suspended():
        raise ServiceError(_("This member is not suspended."))
    member.suspended_until = None
    member.suspension_reason = None
    moderation_notices.unsuspended(member, staff)
    log_action(staff, "unsuspend", reason, member_id=member.id)


def message_member(member: User, staff: User, text: str) -> None:
    """Mail a member through the outbox (staff never see the address); the text is kept in
    the moderation log and on the member's notices."""
    require_staff(staff)
    text = clean_body(text or "")
    if not text.strip():
        raise ServiceError(_("Write the message."), field="body")
    if len(text) > MESSAGE_MAX:
        raise ServiceError(
            _("A message is at most %(limit)s characters.", limit=format_number(MESSAGE_MAX)),
            field="body",
        )
    if member.id == staff.id:
        raise ServiceError(_("You cannot write to yourself."))
    if member.confirmed_at is None:
        raise ServiceError(_("This account was never confirmed: its address may not be theirs."))
    mail.queue(
        member.email,
        _l("%(site)s: a message from the staff", site=current_app.config["SITE_NAME"]),
        "staff_message",
        locale=member.locale,
        username=member.username,
        text=text,
        support_url=site_url("support.ask"),
    )
    moderation_notices.staff_message(member, staff, text)
    log_action(staff, "message", member_id=member.id, message=text)


def set_role(member: User, admin: User, role: str, reason: str) -> None:
    """Admins make members moderators or admins, and back."""
    require_admin(admin)
    reason = check_reason(reason)
    if role not in ROLES:
        raise ServiceError(_("Choose a role."), field="role")
    if member.id == admin.id:
        raise Forbidden(_("You cannot change your own role: ask another admin."))
    if member.role == role:
        raise ServiceError(
            _("%(username)s is already %(role)s.", username=member.username, role=role),
            field="role",
        )
    if member.confirmed_at is None:
        raise ServiceError(_("This account was never confirmed."), field="role")
    old, member.role = member.role, role
    if role != "member":
        member.suspended_until = member.suspension_reason = None
    log_action(admin, "set_role", reason, f"{old} to {role}", member_id=member.id)


def members_page(raw_page: str | None, search: str | None, role: str | None) -> Page:
    """Members by name, filtered by a name prefix or a role (no emails)."""
    query, count = select(User), select(func.count(User.id))
    if search:
        prefix = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = User.username_key.like(prefix + "%", escape="\\")
        query, count = query.where(condition), count.where(condition)
    if role == "staff":
        condition = User.role.in_(("moderator", "admin"))
        query, count = query.where(condition), count.where(condition)
    elif role == "suspended":
        condition = User.suspended_until > utcnow()
        query, count = query.where(condition), count.where(condition)
    query = query.order_by(User.username_key)
    return paged(query, count, raw_page, current_app.config["LOG_PER_PAGE"])


@dataclass(frozen=True)
class MemberActivity:
    posts: list
    signins: list


def member_activity(member: User, limit: int = 20) -> MemberActivity:
    """A member's latest posts and sign-in requests with their network tags (no addresses)."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == member.id)
        .options(joinedload(Post.topic))
        .order_by(Post.created_at.desc())
        .limit(limit)
    )
    signins = db.session.execute(
        select(LoginToken.id, LoginToken.purpose, LoginToken.created_at, LoginToken.network_tag)
        .where(LoginToken.user_id == member.id)
        .order_by(LoginToken.created_at.desc())
        .limit(limit)
    )
    return MemberActivity(list(posts), list(signins))


def members_sharing_tag(tag: str | None, limit: int = 50) -> list:
    """Other accounts that wrote or signed in from the same network this period."""
    if not tag:
        return []
    by_posts = select(Post.author_id).where(Post.network_tag == tag)
    by_signins = select(LoginToken.user_id).where(LoginToken.network_tag == tag)
    return list(
        db.session.scalars(
            select(User.username)
            .where(User.id.in_(by_posts.union(by_signins)))
            .order_by(User.username_key)
            .limit(limit)
        )
    )
