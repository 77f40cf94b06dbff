"""Notices: members are told what moderators did to their posts, topics, reports or account.

A small list kept NOTICE_RETENTION_DAYS, shown on /account, counted in the header from a
counter on the member's row; by mail too, through the outbox, only for members who chose it
(off by default). No page shows staff the address a notice is mailed to. The caller commits;
a view then calls views.actions.send_mail_after_response().
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..links import site_url
from ..models import NOTICE_KINDS, Notice, Post, Report, Topic, User, utcnow
from . import mail

SUBJECTS = {
    "post_hidden": "A post of yours was hidden",
    "post_deleted": "A post of yours was deleted",
    "topic_hidden": "A topic of yours was hidden",
    "topic_locked": "A topic of yours was locked",
    "topic_moved": "A topic of yours was moved",
    "suspended": "You are suspended",
    "unsuspended": "Your suspension was lifted",
    "report_handled": "Your report was handled",
    "staff_message": "A message from the staff",
}
LIST_LIMIT = 50


def tell(member: User | None, actor: User | None, kind: str, text: str, link: str = "") -> None:
    """Add a notice for `member` (none for a former member, or for staff acting on their
    own things), count it on their row, and queue it by mail if they chose mail."""
    if member is None or (actor is not None and actor.id == member.id):
        return
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    text = text[:2500]
    db.session.add(
        Notice(member_id=member.id, kind=kind, text=text, link=link[:200], created_at=utcnow())
    )
    # In SQL, so that two moderators acting at once both count.
    db.session.execute(
        update(User)
        .where(User.id == member.id)
        .values(unread_notices=User.unread_notices + 1)
        .execution_options(synchronize_session=False)
    )
    if member.notice_mail and member.confirmed_at is not None and kind != "staff_message":
        mail.queue(
            member.email,
            f"{current_app.config['SITE_NAME']}: {SUBJECTS[kind]}",
            "notice",
            text=text,
            link=site_url("accounts.account") if not link else _absolute(link),
            account_url=site_url("accounts.account"),
        )


def _absolute(path: str) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + path


def _member(user_id: int | None) -> User | None:
    # From the session's identity map when the caller loaded it: relationships may not be.
    return db.session.get(User, user_id) if user_id is not None else None


def _topic(post: Post) -> Topic:
    return db.session.get(Topic, post.topic_id)


def _post_name(post: Post) -> str:
    return f"post #{post.position} in “{_topic(post).title}”"


def post_hidden(post: Post, staff: User, reason: str) -> None:
    """Tell the author their post was hidden, with the reason."""
    tell(
        _member(post.author_id),
        staff,
        "post_hidden",
        f"Your {_post_name(post)} was hidden by the moderators. Reason: {reason}",
        f"/t/{post.topic_id}/{_topic(post).slug}",
    )


def post_deleted(post: Post, staff: User, reason: str) -> None:
    """Tell the author their post was deleted, with the reason (before it goes)."""
    tell(
        _member(post.author_id),
        staff,
        "post_deleted",
        f"Your {_post_name(post)} was deleted by the moderators. Reason: {reason}",
    )


def topic_changed(topic: Topic, staff: User, change: str, reason: str, detail: str = "") -> None:
    """Tell the author their topic was hidden, locked or moved, with the reason."""
    kind = {"hide": "topic_hidden", "lock": "topic_locked", "move": "topic_moved"}.get(change)
    if kind is None:
        return
    done = {"hide": "hidden", "lock": "locked", "move": f"moved {detail}"}[change]
    tell(
        _member(topic.author_id),
        staff,
        kind,
        f"Your topic “{topic.title}” was {done} by the moderators. Reason: {reason}",
        f"/t/{topic.id}/{topic.slug}",
    )


def suspended(member: User, staff: User) -> None:
    """Tell a member until when and why they are suspended."""
    tell(
        member,
        staff,
        "suspended",
        f"You are suspended until {member.suspended_until:%Y-%m-%d %H:%M} UTC: you can read but "
        f"not write until then. Reason: {member.suspension_reason}",
    )


def unsuspended(member: User, staff: User) -> None:
    tell(member, staff, "unsuspended", "Your suspension was lifted: you can write again.")


REPORT_OUTCOMES = {
    "hidden": "the post was hidden",
    "dismissed": "the moderators looked and left the post as it is",
    "deleted": "the post was deleted",
}


def reports_handled(post: Post, staff: User, resolution: str) -> None:
    """Tell every member whose report of `post` is still open what became of it (not the
    moderators' reason, which is for the log); a held post's review tells no one."""
    if resolution not in REPORT_OUTCOMES:
        return
    reporters = (
        select(Report.reporter_id)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None), Report.kind == "report")
        .scalar_subquery()
    )
    for reporter in db.session.scalars(select(User).where(User.id.in_(reporters))):
        tell(
            reporter,
            staff,
            "report_handled",
            f"Your report about {_post_name(post)} was handled: "
            f"{REPORT_OUTCOMES[resolution]}. Thank you.",
            f"/t/{post.topic_id}/{_topic(post).slug}",
        )


def staff_message(member: User, staff: User, text: str) -> None:
    """Keep a copy of a staff message on the member's list (the mail goes by itself)."""
    tell(member, staff, "staff_message", f"A message from the staff: {text}")


def notices_for(member: User, limit: int = LIST_LIMIT) -> list[Notice]:
    """The member's notices, newest first."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.member_id == member.id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def mark_read(member: User) -> None:
    """The member has seen their notices: the header's count goes to zero."""
    member.unread_notices = 0


def set_notice_mail(member: User, wanted: bool) -> None:
    """The member's choice: moderation notices by mail too, or on the site only."""
    member.notice_mail = bool(wanted)


def purge_old_notices(now: datetime | None = None) -> int:
    """Delete notices older than NOTICE_RETENTION_DAYS; the members' counts follow."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["NOTICE_RETENTION_DAYS"])
    gone = db.session.execute(delete(Notice).where(Notice.created_at < cutoff)).rowcount
    left = select(func.count(Notice.id)).where(Notice.member_id == User.id).scalar_subquery()
    db.session.execute(
        update(User)
        .where(User.unread_notices > left)
        .values(unread_notices=left)
        .execution_options(synchronize_session=False)
    )
    return gone


def notices_of(user: User) -> list[dict]:
    """Every notice of the member, oldest first, for their export."""
    return [
        {"when": f"{n.created_at:%Y-%m-%dT%H:%M:%SZ}", "kind": n.kind, "text": n.text}
        for n in reversed(notices_for(user, limit=10_000))
    ]
