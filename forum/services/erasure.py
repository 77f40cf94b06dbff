"""Deleting a post: its words, earlier versions and network data are erased at once.

A deleted post keeps its place in the topic (so replies keep their context and permalinks
stay stable) and shows who deleted it. A topic whose first post is deleted with no other
post left is deleted whole. Its author deleting it is the member's right, not a moderation
act: it is recorded for the member's own history (their export), never in the moderation
log. A moderator's deletion goes through the same function with by="moderator"; the
moderation service writes its own log record.
"""

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Category, Post, PostDeletion, PostRevision, Report, Topic, User, utcnow
from . import Forbidden, NotFound, ServiceError, images, notices, thanks
from .counters import recount_category, recount_topic

# Who deleted a post, as the placeholder says it.
DELETED_BY = {"author": "deleted by its author", "moderator": "deleted by a moderator"}


def post_for_deletion(post_id: int, actor: User) -> Post:
    """A post `actor` may delete, with its topic: their own, not already deleted."""
    post = db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(joinedload(Post.topic).joinedload(Topic.category))
    )
    if post is None or post.deleted:
        raise NotFound(_("There is no such post."))
    _check_may_delete(post, actor, "author")
    return post


def _check_may_delete(post: Post, actor: User, by: str) -> None:
    if by not in DELETED_BY:
        raise ServiceError(_("Say who deletes the post."))
    if not (actor and actor.is_authenticated):
        raise Forbidden(_("Only members can delete posts."))
    if by == "author" and post.author_id != actor.id:
        raise Forbidden(_("You can delete only your own posts."))
    if by == "moderator" and not actor.is_staff:
        raise Forbidden(_("This is for moderators and admins."))


def _has_other_posts(post: Post) -> bool:
    """Whether the topic holds any post but this one that still has words."""
    return bool(
        db.session.scalar(
            select(func.count(Post.id)).where(
                Post.topic_id == post.topic_id, Post.id != post.id, Post.deleted_at.is_(None)
            )
        )
    )


def _is_first(post: Post) -> bool:
    first = db.session.scalar(select(func.min(Post.position)).where(Post.topic_id == post.topic_id))
    return first == post.position


def delete_post(post: Post, actor: User, by: str = "author") -> bool:
    """Erase a post, leaving a placeholder, or the whole topic when nothing else is left in
    it; True when the topic went too. Counters, feeds and the search index follow (the
    search tables follow the posts' text); the caller commits."""
    _check_may_delete(post, actor, by)
    if post.deleted:
        raise ServiceError(_("This post is already deleted."))
    topic_id, author_id = post.topic_id, post.author_id
    category_id = db.session.scalar(select(Topic.category_id).where(Topic.id == topic_id))
    whole_topic = _is_first(post) and not _has_other_posts(post)
    if by == "author":
        db.session.add(
            PostDeletion(
                member_id=actor.id,
                deleted_at=utcnow(),
                post_id=None if whole_topic else post.id,
                topic_id=None if whole_topic else topic_id,
                whole_topic=whole_topic,
            )
        )
    if author_id is not None and not post.hidden:
        db.session.execute(
            update(User)
            .where(User.id == author_id, User.post_count > 0)
            .values(post_count=User.post_count - 1)
        )
    if whole_topic:
        notices.forget_topic(db.session.get(Topic, topic_id))
        _delete_topic(topic_id)
    else:
        _erase(post, by)
        recount_topic(topic_id)
    recount_category(category_id)
    return whole_topic


def _erase(post: Post, by: str) -> None:
    """Erase the words, and the pictures no other post shows, and everything that could
    point at the writer; keep the place."""
    shown = images.keys_in(post.body)
    db.session.execute(delete(PostRevision).where(PostRevision.post_id == post.id))
    thanks.forget_thanks_for([post.id])
    _close_open_reports(post.id)
    post.body = ""
    post.html = ""
    post.ip = None
    post.network_tag = None
    post.edited_at = None
    post.deleted_at = utcnow()
    post.deleted_by = by
    db.session.flush()
    notices.forget_post(post)
    images.release(shown)


def _close_open_reports(post_id: int) -> None:
    """Nothing is left to look into: open reports and reviews of the post are closed."""
    db.session.execute(
        update(Report)
        .where(Report.post_id == post_id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution="deleted")
    )


def delete_topic(topic_id: int) -> None:
    """Delete a whole topic for a moderator (a spammer's): every post in it goes, the
    authors' post counts and the category's counters follow; the caller logs and commits."""
    category_id = db.session.scalar(select(Topic.category_id).where(Topic.id == topic_id))
    if category_id is None:
        raise NotFound(_("There is no such topic."))
    counted = db.session.execute(
        select(Post.author_id, func.count(Post.id))
        .where(
            Post.topic_id == topic_id,
            Post.author_id.is_not(None),
            Post.hidden.is_(False),
            Post.deleted_at.is_(None),
        )
        .group_by(Post.author_id)
    ).all()
    for author_id, count in counted:
        db.session.execute(
            update(User)
            .where(User.id == author_id)
            .values(post_count=case((User.post_count > count, User.post_count - count), else_=0))
            .execution_options(synchronize_session=False)
        )
    _delete_topic(topic_id)
    recount_category(category_id)


def _delete_topic(topic_id: int) -> None:
    """Delete a topic and its posts (placeholders of deleted posts included)."""
    post_ids = select(Post.id).where(Post.topic_id == topic_id)
    shown = set().union(
        *(
            images.keys_in(body)
            for body in db.session.scalars(select(Post.body).where(Post.topic_id == topic_id))
        )
    )
    db.session.execute(delete(PostRevision).where(PostRevision.post_id.in_(post_ids)))
    thanks.forget_thanks_for(post_ids)
    db.session.execute(delete(Report).where(Report.post_id.in_(post_ids)))
    db.session.execute(
        update(PostDeletion).where(PostDeletion.topic_id == topic_id).values(topic_id=None)
    )
    db.session.execute(
        update(Category).where(Category.last_topic_id == topic_id).values(last_topic_id=None)
    )
    db.session.execute(delete(Post).where(Post.topic_id == topic_id))
    db.session.execute(delete(Topic).where(Topic.id == topic_id))
    images.release(shown)
    db.session.expire_all()


def deletions_by(user: User) -> list[PostDeletion]:
    """The member's own record of the posts they deleted, oldest first, for their export."""
    return list(
        db.session.scalars(
            select(PostDeletion)
            .where(PostDeletion.member_id == user.id)
            .order_by(PostDeletion.deleted_at, PostDeletion.id)
        )
    )
