"""Reading progress: which posts are new to a member since their last visit.

Only members are tracked, one row per topic they open; visitors leave nothing behind.
"""

import json

from flask import current_app
from sqlalchemy import Integer, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from ..extensions import db, read_columns
from ..models import TopicRead, User, utcnow


def progress_to_record(seen: int | None, page_number: int, last_position: int) -> int | None:
    """How far a member has read once this page of a topic is on their screen, or None when
    it shows nothing past what they had seen: then there is nothing to write.

    `seen` is their progress before this visit (None on their first), read with the page's
    other columns (heads.topic_head), so that re-reading a page writes nothing at all.
    """
    up_to = min(page_number * current_app.config["POSTS_PER_PAGE"], last_position)
    if seen is not None and up_to <= seen:
        return None
    return up_to


def record_progress(user_id: int, topic_id: int, up_to: int) -> None:
    """Record that a member has seen a topic up to position `up_to`, committed at once.

    Views call it only when the page shows something new (progress_to_record), so reading
    a page again writes nothing. One upsert that only ever moves forward: seen_position
    before it becomes previous_position, and a write that arrives after a further one
    (another worker's) changes nothing. Its own short transaction: the page is a read, and
    a database that refuses writes (read-only, full) must not cost the member the page,
    only the "new" marker.
    """
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = TopicRead.__table__
    insert = dialect.insert(table).values(
        user_id=user_id,
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
            "seen_position": insert.excluded.seen_position,
            "read_at": insert.excluded.read_at,
        },
        where=table.c.seen_position < insert.excluded.seen_position,
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(upsert)
    except DBAPIError:
        current_app.logger.warning("could not record reading progress", exc_info=True)


def seen_positions(user: User, topic_ids: list[int]) -> dict[int, int]:
    """For the topics of a listing: topic id -> how far `user` has read it (topics never
    opened are left out: everything in them would be "new"). One query."""
    if not topic_ids:
        return {}
    if db.engine.dialect.name == "postgresql":
        statement, ids = _SEEN_POSITIONS_PG, [int(i) for i in topic_ids]
    else:
        statement, ids = _SEEN_POSITIONS_SQLITE, json.dumps([int(i) for i in topic_ids])
    return dict(read_columns(statement, {"user": user.id, "topics": ids}).all())


# Built once: it runs on every listing a member opens. The ids are one parameter (a JSON
# array on SQLite, an array on PostgreSQL) rather than an expanding IN list, whose SQL is
# written anew on every execution.
_SEEN_POSITIONS_SQLITE = select(TopicRead.topic_id, TopicRead.seen_position).where(
    TopicRead.user_id == bindparam("user"),
    TopicRead.topic_id.in_(
        select(literal_column("value")).select_from(func.json_each(bindparam("topics")))
    ),
)
_SEEN_POSITIONS_PG = select(TopicRead.topic_id, TopicRead.seen_position).where(
    TopicRead.user_id == bindparam("user"),
    TopicRead.topic_id == any_(bindparam("topics", type_=postgresql.ARRAY(Integer))),
)


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
