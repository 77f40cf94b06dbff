"""The counters kept on topics and categories (posts, topics, latest post) and their
revision numbers, which the page cache keys on: recounted after anything that changes what
readers see. The caller commits."""

from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Category, Post, Topic


def recount_topic(topic_id: int) -> None:
    """Count a topic's visible posts again and point it at its latest visible post."""
    visible = (Post.topic_id == topic_id, Post.hidden.is_(False), Post.deleted_at.is_(None))
    count = db.session.scalar(select(func.count(Post.id)).where(*visible))
    latest = db.session.execute(
        select(Post.created_at, Post.author_id, Post.position)
        .where(*visible)
        .order_by(Post.position.desc())
        .limit(1)
    ).first()
    values = {"post_count": count, "revision": Topic.revision + 1, "last_visible_position": 0}
    if latest is not None:
        values.update(
            last_post_at=latest.created_at,
            last_poster_id=latest.author_id,
            last_visible_position=latest.position,
        )
    db.session.execute(update(Topic).where(Topic.id == topic_id).values(**values))


def recount_category(category_id: int) -> None:
    """Count a category's visible topics and posts again, and find its latest topic."""
    visible = (Topic.category_id == category_id, Topic.hidden.is_(False))
    topics = db.session.scalar(select(func.count(Topic.id)).where(*visible))
    posts = db.session.scalar(select(func.coalesce(func.sum(Topic.post_count), 0)).where(*visible))
    latest = db.session.execute(
        select(Topic.id, Topic.last_post_at)
        .where(*visible)
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


def touch_topic(topic_id: int) -> None:
    """Record that a topic or one of its posts changed: cached pages of it are stale."""
    db.session.execute(
        update(Topic).where(Topic.id == topic_id).values(revision=Topic.revision + 1)
    )
