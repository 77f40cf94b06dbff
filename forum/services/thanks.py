"""Thanks: one per member per post, withdrawable, counted on the post's row.

Everyone sees how many thanked a post (posts.thank_count, read with the post: no query of
its own); who thanked is shown to the post's author alone. Nothing is sent by default;
with THANKS_NOTIFY on, the author gets a notice (services/notices.tell). The caller commits.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, Thanks, Topic, User, utcnow
from . import Forbidden, NotFound, ServiceError, moderation_notices
from .counters import touch_topic


def thankable_post(post_id: int, member: User) -> Post:
    """A post `member` may see, with its topic (NotFound otherwise)."""
    post = db.session.scalar(select(Post).where(Post.id == post_id).options(joinedload(Post.topic)))
    if post is None or ((post.hidden or post.topic.hidden) and not member.is_staff):
        raise NotFound(_("There is no such post."))
    return post


def _check_may_thank(post: Post, member: User) -> None:
    if not (member and member.is_authenticated):
        raise Forbidden(_("Only members can thank a post."))
    if member.suspended():
        raise Forbidden(_("You cannot thank posts while you are suspended."))
    if post.author_id == member.id:
        raise Forbidden(_("You cannot thank your own post."))
    if post.deleted or post.hidden or post.topic.hidden:
        raise ServiceError(_("This post cannot be thanked."))


def _recount(post_ids) -> None:
    """Count these posts' thanks again, in SQL (two members thanking at once both count)."""
    counted = (
        select(func.count()).select_from(Thanks).where(Thanks.post_id == Post.id).scalar_subquery()
    )
    db.session.execute(
        update(Post)
        .where(Post.id.in_(post_ids))
        .values(thank_count=counted)
        .execution_options(synchronize_session=False)
    )


def thank(post: Post, member: User) -> bool:
    """Thank a post; True when this added a thanks, False when it was already there (a form
    sent twice changes nothing)."""
    _check_may_thank(post, member)
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    # The primary key keeps it to one: a second request (or a race) inserts nothing.
    added = db.session.execute(
        dialect.insert(Thanks)
        .values(post_id=post.id, member_id=member.id, topic_id=post.topic_id, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(Thanks.post_id)
    ).first()
    if added is None:
        return False
    _recount([post.id])
    touch_topic(post.topic_id)
    if current_app.config["THANKS_NOTIFY"]:
        moderation_notices.thanked(post, member)
    return True


def withdraw(post: Post, member: User) -> bool:
    """Take back a thanks; True when there was one. Allowed even while suspended."""
    if not (member and member.is_authenticated):
        raise Forbidden(_("Only members can thank a post."))
    gone = db.session.execute(
        delete(Thanks)
        .where(Thanks.post_id == post.id, Thanks.member_id == member.id)
        .returning(Thanks.post_id)
    ).first()
    if gone is not None:
        _recount([post.id])
        touch_topic(post.topic_id)
    return gone is not None


def thanked_in(head) -> set[int]:
    """The ids of the posts the member thanked in a topic, from its head's `thanked` (read
    in the same query: services/heads.topic_head), for the buttons of its pages."""
    return {int(n) for n in (head.thanked or "").split(",") if n.strip().isdigit()}


def thankers(post: Post, viewer: User) -> list[tuple[User | None, object]]:
    """Who thanked the post and when, newest first: for its author only (Forbidden else)."""
    if not (viewer and viewer.is_authenticated) or post.author_id != viewer.id:
        raise Forbidden(_("Only the post's author sees who thanked it."))
    rows = db.session.execute(
        select(User, Thanks.created_at)
        .join(Thanks, Thanks.member_id == User.id)
        .where(Thanks.post_id == post.id)
        .order_by(Thanks.created_at.desc(), User.id)
    )
    return [(user, at) for user, at in rows]


def thanks_given(member: User) -> list[dict]:
    """Every thanks the member gave, oldest first, for their data export (one query)."""
    rows = db.session.execute(
        select(Thanks.post_id, Thanks.created_at, Post.topic_id)
        .join(Post, Post.id == Thanks.post_id)
        .where(Thanks.member_id == member.id)
        .order_by(Thanks.created_at, Thanks.post_id)
    )
    return [
        {"post_id": r.post_id, "topic_id": r.topic_id, "at": r.created_at.isoformat() + "Z"}
        for r in rows
    ]


def forget_thanks_of(member_ids) -> None:
    """Delete every thanks these members gave, with the posts' counts and cached pages
    following (account deletion, purges); the caller commits."""
    where = Thanks.member_id.in_(member_ids)
    post_ids = list(db.session.scalars(select(Thanks.post_id).where(where)))
    if not post_ids:
        return
    db.session.execute(delete(Thanks).where(where))
    _recount(post_ids)
    topic_ids = select(Post.topic_id).where(Post.id.in_(post_ids)).scalar_subquery()
    db.session.execute(
        update(Topic).where(Topic.id.in_(topic_ids)).values(revision=Topic.revision + 1)
    )


def forget_thanks_for(post_ids) -> None:
    """Delete the thanks of posts whose words are erased; the caller commits."""
    db.session.execute(delete(Thanks).where(Thanks.post_id.in_(post_ids)))
    db.session.execute(
        update(Post)
        .where(Post.id.in_(post_ids))
        .values(thank_count=0)
        .execution_options(synchronize_session=False)
    )
