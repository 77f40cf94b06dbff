"""Deleting an account: the email, username and network addresses go from every table at once.

The member chooses what becomes of their posts: erased, or kept under "a former member".
Topics that others replied to stay either way, without an author.
"""

from sqlalchemy import delete, func, select, update

from ..extensions import db
from ..models import Category, LoginToken, OutboxMessage, Post, SupportRequest, Topic, User


def delete_account(user: User, erase_posts: bool) -> None:
    """Delete `user` and everything that names them; the caller commits."""
    topic_ids = set(db.session.scalars(select(Post.topic_id).where(Post.author_id == user.id)))
    topic_ids |= set(db.session.scalars(select(Topic.id).where(Topic.author_id == user.id)))
    category_ids = set(db.session.scalars(select(Topic.category_id).where(Topic.id.in_(topic_ids))))
    if erase_posts:
        _erase_posts(user, topic_ids)
    db.session.execute(update(Post).where(Post.author_id == user.id).values(author_id=None))
    db.session.execute(update(Topic).where(Topic.author_id == user.id).values(author_id=None))
    db.session.execute(
        update(Topic).where(Topic.last_poster_id == user.id).values(last_poster_id=None)
    )
    db.session.execute(
        update(Topic).where(Topic.id.in_(topic_ids)).values(revision=Topic.revision + 1)
    )
    for category_id in category_ids:
        _recount_category(category_id)
    db.session.execute(delete(LoginToken).where(LoginToken.user_id == user.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == user.email))
    # The requests stay for the staff who answered them, without anything that points back.
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.user_id == user.id)
        .values(user_id=None, email=None, ip=None)
    )
    db.session.execute(delete(User).where(User.id == user.id))
    if user in db.session:
        db.session.expunge(user)


def _erase_posts(user: User, topic_ids: set[int]) -> None:
    """Delete the member's posts, then topics left empty; fix the topics' counters."""
    counted = (
        select(Post.topic_id, func.count())
        .where(Post.author_id == user.id, Post.hidden.is_(False))
        .group_by(Post.topic_id)
    )
    for topic_id, visible in db.session.execute(counted).all():
        db.session.execute(
            update(Topic).where(Topic.id == topic_id).values(post_count=Topic.post_count - visible)
        )
    db.session.execute(delete(Post).where(Post.author_id == user.id))
    left = select(Post.id).where(Post.topic_id == Topic.id).exists()
    empty = set(db.session.scalars(select(Topic.id).where(Topic.id.in_(topic_ids), ~left)))
    if empty:
        db.session.execute(
            update(Category).where(Category.last_topic_id.in_(empty)).values(last_topic_id=None)
        )
        db.session.execute(delete(Topic).where(Topic.id.in_(empty)))
    for topic_id in topic_ids - empty:
        _refresh_last_post(topic_id)


def _refresh_last_post(topic_id: int) -> None:
    """Point a topic's last post time and poster at the latest post left in it."""
    latest = db.session.execute(
        select(Post.created_at, Post.author_id)
        .where(Post.topic_id == topic_id, Post.hidden.is_(False))
        .order_by(Post.position.desc())
        .limit(1)
    ).first()
    if latest is not None:
        db.session.execute(
            update(Topic)
            .where(Topic.id == topic_id)
            .values(last_post_at=latest.created_at, last_poster_id=latest.author_id)
        )


def _recount_category(category_id: int) -> None:
    """Count a category's topics and visible posts again, and find its latest topic."""
    topics = db.session.scalar(select(func.count(Topic.id)).where(Topic.category_id == category_id))
    posts = db.session.scalar(
        select(func.coalesce(func.sum(Topic.post_count), 0)).where(
            Topic.category_id == category_id, Topic.hidden.is_(False)
        )
    )
    latest = db.session.execute(
        select(Topic.id, Topic.last_post_at)
        .where(Topic.category_id == category_id, Topic.hidden.is_(False))
        .order_by(Topic.last_post_at.desc(), Topic.id.desc())
        .limit(1)
    ).first()
    db.session.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(
            topic_count=topics,
            post_count=posts,
            last_topic_id=latest.id if latest else None,
            last_post_at=latest.last_post_at if latest else None,
            revision=Category.revision + 1,
        )
    )
