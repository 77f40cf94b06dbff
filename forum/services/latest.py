"""Latest and Unread: every category's topics by last activity, and a member's topics with
posts they have not seen.

Neither ever lists a hidden topic, whoever asks (staff find those in their categories and
the moderation queue); Unread counts only posts the member may read. Each page is a fixed,
small number of queries whatever the size of the forum.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db, read_columns
from ..models import Category, Topic, TopicRead, User, utcnow
from .pagination import Page, page_count, page_number


def latest_head() -> tuple[int, int, int]:
    """What keys the cached Latest page and counts its pages, in one small query: the
    number of categories, the sum of their revision counters (which every new post, move,
    hide and count change raises) and how many visible topics there are."""
    count, revisions, topics = db.session.execute(
        select(
            func.count(Category.id),
            func.coalesce(func.sum(Category.revision), 0),
            func.coalesce(func.sum(Category.topic_count), 0),
        )
    ).one()
    return count, revisions, topics


def latest_page_number(topics: int, raw_page: str | None) -> int:
    """The page of Latest asked for (NotFound for anything but a page that exists)."""
    return page_number(raw_page, page_count(topics, current_app.config["TOPICS_PER_PAGE"]))


_LATEST_FIRST = (Topic.last_post_at.desc(), Topic.id.desc())


def latest_page(topics: int, number: int) -> Page:
    """A page of every category's visible topics, latest activity first (one query).

    The page's ids are picked first and only those rows joined to their authors and
    categories: joined before the OFFSET, a deep page would join every row it skips.
    """
    per_page = current_app.config["TOPICS_PER_PAGE"]
    ids = (
        select(Topic.id)
        .where(Topic.hidden.is_(False))
        .order_by(*_LATEST_FIRST)
        .offset((number - 1) * per_page)
        .limit(per_page)
        .subquery()
    )
    rows = db.session.scalars(
        select(Topic)
        .join(ids, ids.c.id == Topic.id)
        .options(
            joinedload(Topic.author), joinedload(Topic.last_poster), joinedload(Topic.category)
        )
        .order_by(*_LATEST_FIRST)
    )
    return Page(list(rows), number, page_count(topics, per_page))


def latest_for_feed() -> list[Topic]:
    """The visible topics with the latest activity, for the Atom feed (one query)."""
    return list(
        db.session.scalars(
            select(Topic)
            .where(Topic.hidden.is_(False))
            .options(joinedload(Topic.last_poster), joinedload(Topic.category))
            .order_by(*_LATEST_FIRST)
            .limit(current_app.config["FEED_ENTRIES"])
        )
    )


# What makes a topic unread for a member: they opened it, it is visible, its latest post
# readers may see is past what they have seen (a hidden, held or deleted post at the end is
# nothing to read), and it had a post in the last UNREAD_DAYS. That last bound keeps the
# cost to the forum's recent activity (an index range on last_post_at), not to how many
# topics the member ever opened. Bound per request with _unread_params.
_UNREAD_JOIN = TopicRead.topic_id == Topic.id
_UNREAD_WHERE = (
    TopicRead.user_id == bindparam("user"),
    Topic.hidden.is_(False),
    Topic.last_visible_position > TopicRead.seen_position,
    Topic.last_post_at >= bindparam("since"),
)


def _unread_params(member: User) -> dict:
    since = utcnow() - timedelta(days=current_app.config["UNREAD_DAYS"])
    return {"user": member.id, "since": since}


def unread_page(member: User, raw_page: str | None) -> Page:
    """A page of the topics `member` opened that have posts they have not seen, latest
    activity first, each as (topic, how far they read it). Two queries."""
    per_page = current_app.config["TOPICS_PER_PAGE"]
    params = _unread_params(member)
    total = db.session.scalar(
        select(func.count()).select_from(Topic).join(TopicRead, _UNREAD_JOIN).where(*_UNREAD_WHERE),
        params,
    )
    number = page_number(raw_page, page_count(total, per_page))
    rows = db.session.execute(
        select(Topic, TopicRead.seen_position)
        .join(TopicRead, _UNREAD_JOIN)
        .where(*_UNREAD_WHERE)
        .options(joinedload(Topic.last_poster), joinedload(Topic.category))
        .order_by(Topic.last_post_at.desc(), Topic.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page),
        params,
    )
    return Page([(topic, seen) for topic, seen in rows], number, page_count(total, per_page))


# Built once: it runs on every index view a member makes (building it cost three times
# what running it does).
_UNREAD_CATEGORIES = (
    select(Topic.category_id).distinct().join(TopicRead, _UNREAD_JOIN).where(*_UNREAD_WHERE)
)


def unread_categories(member: User) -> set[int]:
    """The ids of the categories holding a topic `member` has unread posts in (one query),
    for the markers on the index."""
    return set(read_columns(_UNREAD_CATEGORIES, _unread_params(member)).scalars())


def first_unread_page(seen: int) -> int:
    """The page of a topic holding the first post past position `seen`."""
    return seen // current_app.config["POSTS_PER_PAGE"] + 1
