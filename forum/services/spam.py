"""Removing a spammer in one action: every topic they started and every post they wrote is
deleted, their pictures erased, and the account suspended or deleted; each step goes into
the moderation log. The staff first see exactly what will go (a Plan); the removal refuses
to run if that list changed since (a new post arrived), and does nothing a second time.

Who may remove whom: moderators and admins remove members; nobody removes staff (an admin
makes them a member first, as for suspensions) or themselves; only admins delete accounts
(moderators suspend them). The caller commits.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Image, Post, Topic, User, utcnow
from . import (
    Forbidden,
    NotFound,
    ServiceError,
    erasure,
    images,
    moderation_notices,
    require_staff,
)
from .deletion import delete_account
from .moderation import check_reason, log_action
from .sanctions import SUSPEND_MAX_DAYS, suspend

ACCOUNT_CHOICES = ("suspend", "delete")


@dataclass(frozen=True)
class PlannedTopic:
    id: int
    title: str
    posts: int  # every post in it, visible or not
    by_others: int  # replies by other members, which go with it


@dataclass(frozen=True)
class Plan:
    """Everything that goes when a member is removed, shown before it happens."""

    member_id: int
    username: str
    topics: list[PlannedTopic]
    post_ids: list[int]  # their posts in other members' topics
    picture_ids: list[str]
    suspended: bool  # already suspended for the longest time

    @property
    def posts_in_topics(self) -> int:
        return sum(t.posts for t in self.topics)

    @property
    def empty(self) -> bool:
        return not (self.topics or self.post_ids or self.picture_ids)

    @property
    def digest(self) -> str:
        """A fingerprint of the list, carried by the confirmation form."""
        parts = [
            str(self.member_id),
            ",".join(f"{t.id}:{t.posts}" for t in self.topics),
            ",".join(map(str, self.post_ids)),
            ",".join(self.picture_ids),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def check_may_remove(member: User, staff: User, account: str | None = None) -> None:
    """Forbidden unless `staff` may remove `member` (and, if given, delete the account)."""
    require_staff(staff)
    if member.id == staff.id:
        raise Forbidden(_("You cannot remove yourself."))
    if member.is_staff:
        raise Forbidden(
            _("Staff cannot be removed as spammers: an admin can make them a member first.")
        )
    if account == "delete" and not staff.is_admin:
        raise Forbidden(_("Only admins delete accounts; moderators suspend them."))


def plan(member: User, staff: User) -> Plan:
    """What removing `member` would delete: each topic they started (with the replies in
    it), their other posts, their pictures."""
    check_may_remove(member, staff)
    topic_rows = db.session.execute(
        select(
            Topic.id,
            Topic.title,
            func.count(Post.id),
            func.count(Post.id).filter(Post.author_id.is_distinct_from(member.id)),
        )
        .outerjoin(Post, Post.topic_id == Topic.id)
        .where(Topic.author_id == member.id)
        .group_by(Topic.id, Topic.title)
        .order_by(Topic.id)
    ).all()
    topics = [PlannedTopic(*row) for row in topic_rows]
    started = [t.id for t in topics]
    elsewhere = [Post.author_id == member.id, Post.deleted_at.is_(None)]
    if started:
        elsewhere.append(Post.topic_id.not_in(started))
    post_ids = list(db.session.scalars(select(Post.id).where(*elsewhere).order_by(Post.id)))
    picture_ids = list(
        db.session.scalars(select(Image.id).where(Image.owner_id == member.id).order_by(Image.id))
    )
    return Plan(member.id, member.username, topics, post_ids, picture_ids, _suspended_long(member))


def _suspended_long(member: User) -> bool:
    """Already suspended about as long as a removal would (nothing to extend)."""
    until = utcnow() + timedelta(days=SUSPEND_MAX_DAYS - 1)
    return member.suspended_until is not None and member.suspended_until > until


def remove(member: User, staff: User, account: str, reason: str, digest: str) -> Plan:
    """Carry out the plan the staff confirmed (`digest`), step by step, each step logged;
    returns what went. Run again once done, it changes nothing and logs nothing."""
    if account not in ACCOUNT_CHOICES:
        raise ServiceError(_("Choose what becomes of the account."), field="account")
    check_may_remove(member, staff, account)
    reason = check_reason(reason)
    # One removal at a time per member: a double submit waits here, then finds nothing to
    # do. An UPDATE that changes nothing locks the row on PostgreSQL and opens the write
    # transaction on SQLite (a SELECT ... FOR UPDATE would lock nothing there).
    locked = db.session.execute(
        update(User)
        .where(User.id == member.id)
        .values(post_count=User.post_count)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:
        raise NotFound(_("There is no such member any more."))
    db.session.refresh(member)
    planned = plan(member, staff)
    if planned.empty and account == "suspend" and planned.suspended:
        return planned
    if not isinstance(digest, str) or digest != planned.digest:
        raise ServiceError(
            _("What this member wrote changed since the list was shown: check it again."),
            field="digest",
        )
    _remove_content(planned, member, staff, reason)
    if account == "delete":
        _delete_account(member, staff, reason)
    elif not planned.suspended:
        suspend(member, staff, SUSPEND_MAX_DAYS, reason)
    log_action(
        staff,
        "remove_spammer",
        reason,
        f"{_count(len(planned.topics), 'topic')}, "
        f"{_count(len(planned.post_ids), 'other post')}, "
        f"{_count(len(planned.picture_ids), 'picture')}; the account "
        + ("deleted" if account == "delete" else "suspended"),
        member_id=None if account == "delete" else member.id,
    )
    return planned


def _count(n: int, thing: str) -> str:
    """ "1 topic", "2 topics": the log's detail is kept in plain English, like its actions."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _remove_content(planned: Plan, member: User, staff: User, reason: str) -> None:
    member_id = member.id  # deleting a topic expires every loaded object
    for t in planned.topics:
        category_id = db.session.scalar(select(Topic.category_id).where(Topic.id == t.id))
        erasure.delete_topic(t.id)
        log_action(
            staff,
            "delete_topic",
            reason,
            f"topic {t.id}, {_count(t.posts, 'post')}",
            member_id=member_id,
            category_id=category_id,
        )
    for post_id in planned.post_ids:
        post = db.session.get(Post, post_id)
        moderation_notices.reports_handled(post, staff, "deleted")
        erasure.delete_post(post, staff, by="moderator")
        log_action(
            staff,
            "delete_post",
            reason,
            post_id=post.id,
            topic_id=post.topic_id,
            member_id=member_id,
        )
    if planned.picture_ids:
        images.erase_owned_by(member)
        log_action(
            staff,
            "delete_pictures",
            reason,
            _count(len(planned.picture_ids), "picture"),
            member_id=member_id,
        )


def _delete_account(member: User, staff: User, reason: str) -> None:
    """Delete the account (its posts are erased already: only placeholders are left)."""
    member_id = member.id
    log_action(staff, "delete_account", reason, f"account {member_id}", member_id=member_id)
    db.session.flush()
    delete_account(member, erase_posts=False)
