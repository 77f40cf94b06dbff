"""What the Atom feeds list: the newest public topics, posts and support answers.

Feeds are the same for everyone: nothing hidden or withdrawn ever appears in one, whoever
asks. Each reader issues one query, bounded by FEED_ENTRIES.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Category, Post, SupportAnswer, Topic
from . import NotFound


def _limit() -> int:
    return current_app.config["FEED_ENTRIES"]


def latest_topics(category: Category | None = None) -> list[tuple[Topic, Post | None]]:
    """The newest visible topics (of one category, if given), each with its first post
    when that post is visible too; newest first, one query."""
    query = (
        select(Topic, Post)
        .outerjoin(
            Post,
            and_(
                Post.topic_id == Topic.id,
                Post.position == 1,
                Post.hidden.is_(False),
                Post.deleted_at.is_(None),
            ),
        )
        .where(Topic.hidden.is_(False))
        .options(joinedload(Topic.author), joinedload(Topic.category))
        .order_by(Topic.id.desc())
        .limit(_limit())
    )
    if category is not None:
        query = query.where(Topic.category_id == category.id)
    return [(topic, post) for topic, post in db.session.execute(query)]


def topic_for_feed(topic_id: int) -> Topic:
    """A visible topic, or NotFound: a hidden topic has no feed, even for staff."""
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.hidden:
        raise NotFound(_("There is no such topic."))
    return topic


def latest_posts(topic: Topic) -> list[Post]:
    """The newest visible posts of a topic, newest first, with their authors (one query)."""
    return list(
        db.session.scalars(
            select(Post)
            .where(Post.topic_id == topic.id, Post.hidden.is_(False), Post.deleted_at.is_(None))
            .options(joinedload(Post.author))
            .order_by(Post.position.desc())
            .limit(_limit())
        )
    )


def latest_answers() -> list[SupportAnswer]:
    """The newest published support answers, newest first (one query)."""
    return list(
        db.session.scalars(
            select(SupportAnswer)
            .where(SupportAnswer.published.is_(True))
            .order_by(SupportAnswer.published_at.desc(), SupportAnswer.id.desc())
            .limit(_limit())
        )
    )
