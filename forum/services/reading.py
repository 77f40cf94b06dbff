"""Reading progress: which posts are new to a member since their last visit.

Only members are tracked, one row per topic they open; visitors leave nothing behind.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..models import TopicRead, User, utcnow


@dataclass(frozen=True)
class Unread:
    """A topic on a listing has posts the member has not seen, from this page of it on."""

    page: int


def mark_read(user: User, topic_id: int, up_to: int) -> int | None:
    """Record that `user` has seen `topic_id` up to position `up_to`, committed at once.

    Returns how far they had read before this visit (None on their first visit), so the
    page can mark what is new. One statement, an upsert that returns the earlier value.
    """
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = TopicRead.__table__
    insert = dialect.insert(table).values(
        user_id=user.id,
        topic_id=topic_id,
        seen_position=up_to,
        previous_position=None,
        read_at=utcnow(),
    )
    # SET clauses read the row as it was: previous_position takes the old seen_position.
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.topic_id],
        set_={
            "previous_position": table.c.seen_position,
            "seen_position": case(
                (table.c.seen_position > insert.excluded.seen_position, table.c.seen_position),
                else_=insert.excluded.seen_position,
            ),
            "read_at": insert.excluded.read_at,
        },
    ).returning(table.c.previous_position)
    # Its own short transaction: the page is a read, and a database that refuses writes
    # (read-only, full) must not cost the member the page - only the "new" marker.
    try:
        with db.engine.begin() as connection:
            return connection.execute(upsert).scalar_one()
    except DBAPIError:
        current_app.logger.warning("could not record reading progress", exc_info=True)
        return None


def visit_page(user: User, topic, page) -> int | None:
    """A member opens a page of a topic: record it and return the id of the first post on
    the page that is new since their last visit (None if none is)."""
    up_to = min(page.number * current_app.config["POSTS_PER_PAGE"], topic.last_position)
    previous = mark_read(user, topic.id, up_to)
    if previous is None:
        return None
    return next((p.id for p in page.items if p.position > previous), None)


def unread_in(user: User | None, topics: list) -> dict[int, Unread]:
    """For the topics of a listing: topic id -> Unread, for those with posts the member has
    not seen (topics never opened are not marked: everything in them would be "new").

    One query, and none for visitors.
    """
    if user is None or not user.is_authenticated or not topics:
        return {}
    per_page = current_app.config["POSTS_PER_PAGE"]
    seen = dict(
        db.session.execute(
            select(TopicRead.topic_id, TopicRead.seen_position).where(
                TopicRead.user_id == user.id,
                TopicRead.topic_id.in_([t.id for t in topics]),
            )
        ).all()
    )
    marks = {}
    for t in topics:
        position = seen.get(t.id)
        if position is not None and t.last_position > position:
            marks[t.id] = Unread(position // per_page + 1)
    return marks


def progress_of(user: User) -> list[dict]:
    """Everything recorded about what `user` read, for their data export (one query)."""
    rows = db.session.scalars(
        select(TopicRead).where(TopicRead.user_id == user.id).order_by(TopicRead.topic_id)
    )
    return [
        {
            "topic_id": r.topic_id,
            "read_up_to_post": r.seen_position,
            "before_last_visit": r.previous_position,
            "last_visit": r.read_at.isoformat() + "Z",
        }
        for r in rows
    ]
