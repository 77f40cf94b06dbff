"""Where the statistics counters go: the database, or Redis on their way to it.

Page views (`count`) and different visitors (`people`) travel under the same (day, hour,
dimension, value) keys. Whether a visitor is new for a value today is decided by the store
every worker shares: the day's `stat_seen` rows in the database, or a set in Redis that
expires at midnight UTC. Either way the marks go with the day, and so does the salt.
"""

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models.stats import VALUE_LENGTH, StatDaily, StatHourly, StatSalt, StatSeen

Key = tuple[date, int, str, str]  # day, hour, dimension, value
Mark = tuple[date, str, str, str]  # day, dimension, value, visitor hash
_PEOPLE = "p\t"  # the prefix of a people field in the Redis hash of counts


def _insert(model, bind=None):
    dialect = (bind or db.session.get_bind()).dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)


def _upsert(model, keys: list[str], rows: list[dict]) -> None:
    """Add rows' counts to existing ones (INSERT ... ON CONFLICT DO UPDATE)."""
    if not rows:
        return
    statement = _insert(model)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={
            "count": model.count + statement.excluded.count,
            "people": model.people + statement.excluded.people,
        },
    )
    db.session.execute(statement, rows)


def write_counts(counts: Mapping[Key, int], people: Mapping[Key, int] | None = None) -> None:
    """Add hourly views and people to the database; the caller commits."""
    people = people or {}
    rows = [
        {
            "day": day,
            "hour": hour,
            "dimension": dim,
            "value": value[:VALUE_LENGTH],
            "count": counts.get(key, 0),
            "people": people.get(key, 0),
        }
        for key in counts.keys() | people.keys()
        for day, hour, dim, value in (key,)
    ]
    _upsert(StatHourly, ["day", "hour", "dimension", "value"], rows)


def write_daily(counts: Mapping[tuple[date, str, str], tuple[int, int]]) -> None:
    """Add daily (views, people) to the database; the caller commits."""
    rows = [
        {"day": day, "dimension": dim, "value": value, "count": n, "people": p}
        for (day, dim, value), (n, p) in counts.items()
    ]
    _upsert(StatDaily, ["day", "dimension", "value"], rows)


def count_new_people(marks: Mapping[Mark, int]) -> Counter[Key]:
    """Store today's marks (each with its hour); count those not stored before, by hour.

    The caller commits. Two workers storing the same mark at once count it once: the
    database keeps one row and returns only the rows it inserted.
    """
    if not marks:
        return Counter()
    statement = (
        _insert(StatSeen)
        .on_conflict_do_nothing()
        .returning(StatSeen.day, StatSeen.dimension, StatSeen.value, StatSeen.visitor)
    )
    rows = [
        {"day": day, "dimension": dim, "value": value, "visitor": visitor}
        for day, dim, value, visitor in marks
    ]
    new: Counter[Key] = Counter()
    for day, dim, value, visitor in db.session.execute(statement, rows):
        new[(day, marks[(day, dim, value, visitor)], dim, value)] += 1
    return new


def forget_past_days(today: date) -> int:
    """Erase the marks and salts of days before `today`; the caller commits."""
    erased = db.session.execute(delete(StatSeen).where(StatSeen.day < today)).rowcount
    db.session.execute(delete(StatSalt).where(StatSalt.day < today))
    return erased


def shared_salt(day: date, fresh: bytes) -> bytes:
    """The day's salt every worker hashes with: `fresh` if none was set yet (commits).

    It runs on its own connection, so that the request's transaction is left alone.
    """
    with db.engine.begin() as conn:
        conn.execute(delete(StatSalt).where(StatSalt.day < day))
        conn.execute(_insert(StatSalt, conn).values(day=day, salt=fresh).on_conflict_do_nothing())
        return conn.scalar(select(StatSalt.salt).where(StatSalt.day == day))


def stored_salt(day: date) -> bytes | None:
    """The salt of `day` if the database still holds it."""
    with db.engine.connect() as conn:
        return conn.scalar(select(StatSalt.salt).where(StatSalt.day == day))


def _field(key: Key) -> str:
    day, hour, dimension, value = key
    return f"{day.isoformat()}\t{hour}\t{dimension}\t{value}"


def _midnight(day: date) -> int:
    return int(datetime.combine(day + timedelta(days=1), time(), UTC).timestamp())


def _new_in_redis(redis, prefix: str, marks: Mapping[Mark, int]) -> Counter[Key]:
    """Add marks to the day's Redis set (gone at midnight); count the new ones by hour."""
    pipe = redis.pipeline(transaction=False)
    order = list(marks)
    for day, dim, value, visitor in order:
        pipe.sadd(f"{prefix}:people:{day.isoformat()}", f"{dim}\t{value}\t{visitor}")
    for day in {mark[0] for mark in order}:
        pipe.expireat(f"{prefix}:people:{day.isoformat()}", _midnight(day))
    new: Counter[Key] = Counter()
    for mark, added in zip(order, pipe.execute()[: len(order)], strict=True):
        if added:
            day, dim, value, _ = mark
            new[(day, marks[mark], dim, value)] += 1
    return new


def add_to_redis(redis, prefix: str, counts: Counter[Key], pending: dict, marks: dict) -> None:
    """Add counts to the Redis hash, and count the hashes Redis had not seen today."""
    pipe = redis.pipeline(transaction=False)
    order = []
    for (day, hour), hashes in pending.items():
        seen_key = f"{prefix}:seen:{day.isoformat()}"
        pipe.sadd(seen_key, *hashes)
        pipe.expireat(seen_key, _midnight(day))
        order.append((day, hour))
    new = Counter(counts)
    for (day, hour), added in zip(order, pipe.execute()[::2], strict=True):
        if added:
            new[(day, hour, "visitors", "")] += added
    people = _new_in_redis(redis, prefix, marks)
    pipe = redis.pipeline(transaction=False)
    for key, n in new.items():
        pipe.hincrby(f"{prefix}:counts", _field(key), n)
    for key, n in people.items():
        pipe.hincrby(f"{prefix}:counts", _PEOPLE + _field(key), n)
    pipe.execute()


def move_from_redis(redis, prefix: str) -> int:
    """Move the counts gathered in Redis into the database (commits); return how many views."""
    moving = f"{prefix}:counts:moving"
    # A move that failed halfway left its batch under `moving`: finish that one first.
    if not redis.exists(moving):
        if not redis.exists(f"{prefix}:counts"):
            return 0
        redis.renamenx(f"{prefix}:counts", moving)
    counts: Counter[Key] = Counter()
    people: Counter[Key] = Counter()
    for raw, n in redis.hgetall(moving).items():
        field, into = raw.decode(), counts
        if field.startswith(_PEOPLE):
            field, into = field.removeprefix(_PEOPLE), people
        day, hour, dimension, value = field.split("\t", 3)
        into[(date.fromisoformat(day), int(hour), dimension, value)] += int(n)
    write_counts(counts, people)
    db.session.commit()
    redis.delete(moving)
    return sum(counts.values())


def roll_up_hourly(cutoff: datetime) -> int:
    """Move hourly counts from before `cutoff` into daily ones; the caller commits."""
    day, hour = cutoff.date(), cutoff.hour
    old = or_(StatHourly.day < day, (StatHourly.day == day) & (StatHourly.hour < hour))
    sums = db.session.execute(
        select(
            StatHourly.day,
            StatHourly.dimension,
            StatHourly.value,
            func.sum(StatHourly.count),
            func.sum(StatHourly.people),
        )
        .where(old)
        .group_by(StatHourly.day, StatHourly.dimension, StatHourly.value)
    ).all()
    write_daily({(d, dim, value): (int(n), int(p)) for d, dim, value, n, p in sums})
    return db.session.execute(delete(StatHourly).where(old)).rowcount
