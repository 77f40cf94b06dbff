"""Notices: members are told what moderators did to their posts, topics, reports or account
(`tell`; services/moderation_notices.py words each of those), and of replies, quotes,
mentions and posts where they watch (services/notifications.py makes those).

Every notice is on /notifications; the moderation ones on /account too. The header counts
the unread ones from a counter on the member's row (no query per page), kept exact in SQL.
Moderation notices are kept NOTICE_RETENTION_DAYS, the others NOTIFICATION_DAYS; by mail
too, through the outbox, only for members who chose it (off by default). No page shows
staff the address a notice is mailed to. The caller commits; a view then calls
views.actions.send_mail_after_response().
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..links import site_url
from ..models import NOTICE_KINDS, Notice, Post, Topic, User, utcnow
from ..models.notices import FORUM_KINDS, MODERATION_KINDS
from . import mail

SUBJECTS = {
    "post_hidden": _l("A post of yours was hidden"),
    "topic_hidden": _l("A topic of yours was hidden"),
    "topic_locked": _l("A topic of yours was locked"),
    "topic_moved": _l("A topic of yours was moved"),
    "suspended": _l("You are suspended"),
    "unsuspended": _l("Your suspension was lifted"),
    "report_handled": _l("Your report was handled"),
    "staff_message": _l("A message from the staff"),
    "disclosure": _l("A request for your personal data"),
    "thanks": _l("Someone thanked a post of yours"),
    "post_deleted": _l("A post of yours was deleted"),
}
LIST_LIMIT = 50
PAGE_SIZE = 30


def tell(member: User | None, actor: User | None, kind: str, text, link: str = "") -> None:
    """Add a notice for `member` (none for a former member, or for staff acting on their
    own things), count it on their row, and queue it by mail if they chose mail.

    `text` may be a lazy string: it is written, and kept, in the member's language (the
    notice is stored as text, so it reads as it was written, whoever acted)."""
    if member is None or (actor is not None and actor.id == member.id):
        return
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    with force_locale(member.locale or "en"):
        text = str(text)[:2500]
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
            _l("%(site)s: %(what)s", site=current_app.config["SITE_NAME"], what=SUBJECTS[kind]),
            "notice",
            locale=member.locale,
            text=text,
            link=site_url("accounts.account") if not link else _absolute(link),
            account_url=site_url("accounts.account"),
        )


def _absolute(path: str) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + path


def notices_for(member: User, limit: int = LIST_LIMIT, kinds=NOTICE_KINDS) -> list[Notice]:
    """The member's notices of these kinds, newest first, with their post, topic and author."""
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.member_id == member.id, Notice.kind.in_(kinds))
            .options(joinedload(Notice.actor), joinedload(Notice.topic), joinedload(Notice.post))
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def recount(member_ids) -> None:
    """Set the members' header counts to their unread notices (after notices went)."""
    unread = (
        select(func.count(Notice.id))
        .where(Notice.member_id == User.id, Notice.read_at.is_(None))
        .scalar_subquery()
    )
    query = update(User).values(unread_notices=unread)
    if member_ids is not None:
        ids = list(member_ids)
        if not ids:
            return
        query = query.where(User.id.in_(ids))
    db.session.execute(query.execution_options(synchronize_session=False))


def mark_read(member: User) -> None:
    """The member has seen all their notices: the header's count goes to zero."""
    db.session.execute(
        update(Notice)
        .where(Notice.member_id == member.id, Notice.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    member.unread_notices = 0


def seen_topic(member: User, topic_id: int) -> bool:
    """The member opened the topic: its notices are read (at most two queries, none when
    the member has nothing unread)."""
    if not member.unread_notices:
        return False
    done = db.session.execute(
        update(Notice)
        .where(
            Notice.member_id == member.id,
            Notice.topic_id == topic_id,
            Notice.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        # Counted again in SQL, so that a notice arriving meanwhile still counts.
        recount([member.id])
        db.session.expire(member, ["unread_notices"])
    return bool(done)


def forget_post(post: Post) -> None:
    """A post was hidden or deleted: the notices it caused go (a group of replies counts one
    fewer, and points at the next visible post); the members' counts follow."""
    members = set(
        db.session.scalars(
            select(Notice.member_id).where(
                Notice.topic_id == post.topic_id, Notice.kind.in_(FORUM_KINDS)
            )
        )
    )
    if not members:
        return
    grouped = and_(Notice.post_id == post.id, Notice.count > 1, Notice.read_at.is_(None))
    following = (
        select(Post.id)
        .where(
            Post.topic_id == post.topic_id,
            Post.position > post.position,
            Post.hidden.is_(False),
            Post.deleted_at.is_(None),
        )
        .order_by(Post.position)
        .limit(1)
        .scalar_subquery()
    )
    db.session.execute(
        update(Notice)
        .where(grouped)
        .values(post_id=following, count=Notice.count - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(Notice)
        .where(Notice.post_id == post.id, Notice.kind.in_(FORUM_KINDS))
        .execution_options(synchronize_session=False)
    )
    # Later unread groups that counted this post count it no more.
    first = select(Post.position).where(Post.id == Notice.post_id).scalar_subquery()
    db.session.execute(
        update(Notice)
        .where(
            Notice.topic_id == post.topic_id,
            Notice.kind.in_(("reply", "watched")),
            Notice.read_at.is_(None),
            Notice.count > 1,
            Notice.member_id != (post.author_id or 0),
            first < post.position,
        )
        .values(count=Notice.count - 1)
        .execution_options(synchronize_session=False)
    )
    recount(members)


def forget_topic(topic: Topic) -> None:
    """A topic was hidden: the forum notices about it go; the members' counts follow."""
    members = set(
        db.session.scalars(
            select(Notice.member_id).where(
                Notice.topic_id == topic.id, Notice.kind.in_(FORUM_KINDS)
            )
        )
    )
    db.session.execute(
        delete(Notice)
        .where(Notice.topic_id == topic.id, Notice.kind.in_(FORUM_KINDS))
        .execution_options(synchronize_session=False)
    )
    recount(members)


def set_notice_mail(member: User, wanted: bool) -> None:
    """The member's choice: moderation notices by mail too, or on the site only."""
    member.notice_mail = bool(wanted)


def purge_old_notices(now: datetime | None = None) -> int:
    """Delete moderation notices older than NOTICE_RETENTION_DAYS and the others older than
    NOTIFICATION_DAYS; the members' counts follow."""
    now = now or utcnow()
    config = current_app.config
    moderation = now - timedelta(days=config["NOTICE_RETENTION_DAYS"])
    forum = now - timedelta(days=config["NOTIFICATION_DAYS"])
    old = or_(
        and_(Notice.kind.in_(MODERATION_KINDS), Notice.created_at < moderation),
        and_(Notice.kind.in_(FORUM_KINDS), Notice.created_at < forum),
    )
    members = set(db.session.scalars(select(Notice.member_id).where(old).distinct()))
    gone = db.session.execute(delete(Notice).where(old)).rowcount
    recount(members)
    return gone


def notices_of(user: User) -> list[dict]:
    """Every notice of the member, oldest first, for their export (a notification names
    its post and topic, not who wrote it: that is someone else's data)."""
    return [
        {
            "when": f"{n.created_at:%Y-%m-%dT%H:%M:%SZ}",
            "kind": n.kind,
            "text": n.text,
            **(
                {
                    "post": n.post_id,
                    "topic": n.topic.title if n.topic else None,
                    "posts": n.count,
                    "read": f"{n.read_at:%Y-%m-%dT%H:%M:%SZ}" if n.read_at else None,
                }
                if n.kind in FORUM_KINDS
                else {}
            ),
        }
        for n in reversed(notices_for(user, limit=100_000))
    ]
