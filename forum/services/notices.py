"""Notices: members are told what moderators did to their posts, topics, reports or account
(`tell` and the helpers below), and of replies, quotes, mentions and posts where they watch
(services/notifications.py makes those).

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..links import site_url
from ..models import NOTICE_KINDS, Notice, Post, Report, Topic, User, utcnow
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


def _member(user_id: int | None) -> User | None:
    # From the session's identity map when the caller loaded it: relationships may not be.
    return db.session.get(User, user_id) if user_id is not None else None


def _topic(post: Post) -> Topic:
    return db.session.get(Topic, post.topic_id)


def post_hidden(post: Post, staff: User, reason: str) -> None:
    """Tell the author their post was hidden, with the reason."""
    tell(
        _member(post.author_id),
        staff,
        "post_hidden",
        _l(
            "Your post #%(position)s in “%(title)s” was hidden by the moderators. "
            "Reason: %(reason)s",
            position=post.position,
            title=_topic(post).title,
            reason=reason,
        ),
        f"/t/{post.topic_id}/{_topic(post).slug}",
    )


def post_deleted(post: Post, staff: User, reason: str) -> None:
    """Tell the author their post was deleted, with the reason (before it goes)."""
    tell(
        _member(post.author_id),
        staff,
        "post_deleted",
        _l(
            "Your post #%(position)s in “%(title)s” was deleted by the moderators. "
            "Reason: %(reason)s",
            position=post.position,
            title=_topic(post).title,
            reason=reason,
        ),
    )


def topic_changed(topic: Topic, staff: User, change: str, reason: str, detail: str = "") -> None:
    """Tell the author their topic was hidden, locked or moved (`detail`: the category it
    went to), with the reason."""
    kind = {"hide": "topic_hidden", "lock": "topic_locked", "move": "topic_moved"}.get(change)
    if kind is None:
        return
    sentence = {
        "hide": _l(
            "Your topic “%(title)s” was hidden by the moderators. Reason: %(reason)s",
            title=topic.title,
            reason=reason,
        ),
        "lock": _l(
            "Your topic “%(title)s” was locked by the moderators. Reason: %(reason)s",
            title=topic.title,
            reason=reason,
        ),
        "move": _l(
            "Your topic “%(title)s” was moved to %(category)s by the moderators. "
            "Reason: %(reason)s",
            title=topic.title,
            category=detail,
            reason=reason,
        ),
    }[change]
    tell(
        _member(topic.author_id),
        staff,
        kind,
        sentence,
        f"/t/{topic.id}/{topic.slug}",
    )


def suspended(member: User, staff: User) -> None:
    """Tell a member until when and why they are suspended."""
    tell(
        member,
        staff,
        "suspended",
        _l(
            "You are suspended until %(until)s UTC: you can read but not write until then. "
            "Reason: %(reason)s",
            until=member.suspended_until.strftime("%Y-%m-%d %H:%M"),
            reason=member.suspension_reason,
        ),
    )


def unsuspended(member: User, staff: User) -> None:
    tell(member, staff, "unsuspended", _l("Your suspension was lifted: you can write again."))


# What became of a report, as the reporter is told it (a whole sentence per outcome).
REPORT_OUTCOMES = {
    "hidden": lambda **names: _l(
        "Your report about post #%(position)s in “%(title)s” was handled: the post was "
        "hidden. Thank you.",
        **names,
    ),
    "dismissed": lambda **names: _l(
        "Your report about post #%(position)s in “%(title)s” was handled: the moderators "
        "looked and left the post as it is. Thank you.",
        **names,
    ),
    "deleted": lambda **names: _l(
        "Your report about post #%(position)s in “%(title)s” was handled: the post was "
        "deleted. Thank you.",
        **names,
    ),
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
            REPORT_OUTCOMES[resolution](position=post.position, title=_topic(post).title),
            f"/t/{post.topic_id}/{_topic(post).slug}",
        )


def staff_message(member: User, staff: User, text: str) -> None:
    """Keep a copy of a staff message on the member's list (the mail goes by itself)."""
    tell(member, staff, "staff_message", _l("A message from the staff: %(text)s", text=text))


def thanked(post: Post, member: User) -> None:
    """Tell the author that `member` thanked their post (only with THANKS_NOTIFY on)."""
    author = _member(post.author_id)
    # Stored as text: written in the author's language, one whole sentence to translate.
    with force_locale((author.locale if author else None) or "en"):
        text = _(
            "%(name)s thanked your post #%(num)d in “%(topic)s”.",
            name=member.username,
            num=post.position,
            topic=_topic(post).title,
        )
    tell(author, member, "thanks", text, f"/p/{post.id}/thanked-by")


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
