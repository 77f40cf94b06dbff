"""The public trends report, built from the aggregate counters and the forum's own tables.

Every value sent by fewer than STATS_MIN_COUNT different visitors in the period is folded
into "other", so that no rare browser, language or referring site can single anyone out, and
no one can write a name onto the page by making many page views. Visitors are told apart by
their daily hash: the same person on two days counts twice.
"""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, union_all

from ..catalogs import N_
from ..extensions import db
from ..models import Category, Post, StatDaily, StatHourly, Topic, User
from .text import whole_number

PERIODS = (30, 90, 365)
# Report section -> the counter dimension it lists (None: not from the counters).
SECTIONS = {
    "views": None,
    "browsers": "browser",
    "systems": "os",
    "devices": "device",
    "languages": "language",
    "referrers": "referrer",
    "pages": "page",
    "topics": "topic",
    "categories": None,
    "posts": None,
    "members": None,
}
TOP = 10
# Translated where shown (templates/stats/report.html); the JSON API keeps them in English.
PAGE_NAMES = {
    "forum.index": N_("Forum index"),
    "forum.category": N_("Category pages"),
    "forum.topic": N_("Topic pages"),
    "members.profile": N_("Member profiles"),
    "privacy.policy": N_("Privacy policy"),
    "stats.report": N_("Statistics"),
}


def _counters(start: date, end: date):
    """Both counter tables as one (day, dimension, value, count) subquery for the period."""
    hourly = select(
        StatHourly.day, StatHourly.dimension, StatHourly.value, StatHourly.count, StatHourly.people
    )
    daily = select(
        StatDaily.day, StatDaily.dimension, StatDaily.value, StatDaily.count, StatDaily.people
    )
    return union_all(
        hourly.where(StatHourly.day.between(start, end)),
        daily.where(StatDaily.day.between(start, end)),
    ).subquery()


def _day(value) -> date:
    # SQLite's date() gives a string, PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def fold(
    counts: dict[str, int], people: dict[str, int], min_count: int, top: int = TOP
) -> list[dict]:
    """The top values sent by at least min_count visitors; the rest as one "other" row."""
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = [(v, n) for v, n in ranked if people.get(v, 0) >= min_count and v not in ("", "Other")][
        :top
    ]
    rows = [{"value": v, "count": n} for v, n in shown]
    rest = total - sum(n for _, n in shown)
    if rest:
        rows.append({"value": "other", "count": rest})
    for row in rows:
        row["share"] = round(row["count"] / total, 4) if total else 0
    return rows


def _per_day(days: list[date], counts: dict[date, int]) -> list[dict]:
    return [{"day": d.isoformat(), "count": counts.get(d, 0)} for d in days]


def _forum_activity(start: date, days: list[date]) -> dict:
    """Posts and new members per day, and the categories with the most posts."""
    since = datetime.combine(start, datetime.min.time())
    posted = func.date(Post.created_at)
    posts = db.session.execute(
        select(posted, func.count()).where(Post.created_at >= since, ~Post.hidden).group_by(posted)
    ).all()
    joined = func.date(User.created_at)
    members = db.session.execute(
        select(joined, func.count()).where(User.created_at >= since).group_by(joined)
    ).all()
    active = db.session.execute(
        select(Category.name, Category.slug, func.count(Post.id))
        .join(Topic, Topic.category_id == Category.id)
        .join(Post, Post.topic_id == Topic.id)
        .where(Post.created_at >= since, ~Post.hidden, ~Topic.hidden)
        .group_by(Category.id, Category.name, Category.slug)
        .order_by(func.count(Post.id).desc(), Category.name)
        .limit(TOP)
    ).all()
    return {
        "posts": _per_day(days, {_day(d): n for d, n in posts}),
        "members": _per_day(days, {_day(d): n for d, n in members}),
        "categories": [{"name": n, "slug": s, "posts": c} for n, s, c in active],
    }


def _topics(counts: dict[str, int], people: dict[str, int], min_count: int) -> list[dict]:
    """The most viewed visible topics, with their titles; the rest folded into "other"."""
    rows = fold(counts, people, min_count)
    ids = [n for r in rows if (n := whole_number(r["value"])) is not None]
    found = {
        t.id: t
        for t in db.session.execute(
            select(Topic.id, Topic.title, Topic.slug).where(Topic.id.in_(ids), ~Topic.hidden)
        )
    }
    topics, other = [], 0
    for row in rows:
        topic = found.get(whole_number(row["value"]))
        if topic is None:  # "other", or a topic since hidden or deleted
            other += row["count"]
            continue
        topics.append({"id": topic.id, "title": topic.title, "slug": topic.slug, **row})
        del topics[-1]["value"]
    if other:
        total = sum(counts.values())
        share = round(other / total, 4)
        topics.append({"id": None, "title": "other", "count": other, "share": share})
    return topics


def report(period: int, min_count: int, today: date | None = None) -> dict:
    """The whole trends report for the last `period` days (UTC), today included."""
    end = today or datetime.now(UTC).date()
    start = end - timedelta(days=period - 1)
    days = [start + timedelta(days=n) for n in range(period)]
    rows = _counters(start, end)
    by_day = db.session.execute(
        select(rows.c.day, rows.c.dimension, func.sum(rows.c.count))
        .where(rows.c.dimension.in_(("page", "visitors")))
        .group_by(rows.c.day, rows.c.dimension)
    ).all()
    views: dict[date, int] = {}
    visitors: dict[date, int] = {}
    for day, dimension, n in by_day:
        (views if dimension == "page" else visitors)[_day(day)] = int(n)
    totals: dict[str, Counter] = defaultdict(Counter)
    people: dict[str, Counter] = defaultdict(Counter)
    for dimension, value, n, p in db.session.execute(
        select(rows.c.dimension, rows.c.value, func.sum(rows.c.count), func.sum(rows.c.people))
        .where(rows.c.dimension != "visitors")
        .group_by(rows.c.dimension, rows.c.value)
    ):
        totals[dimension][value] += int(n)
        people[dimension][value] += int(p)
    result = {
        "period": period,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "min_count": min_count,
        "views": {
            "total": sum(views.values()),
            "visitors": sum(visitors.values()),
            "days": [
                {"day": d.isoformat(), "views": views.get(d, 0), "visitors": visitors.get(d, 0)}
                for d in days
            ],
        },
    }
    for section, dimension in SECTIONS.items():
        if dimension and dimension != "topic":
            result[section] = fold(totals[dimension], people[dimension], min_count)
    for row in result["pages"]:
        row["name"] = PAGE_NAMES.get(row["value"], row["value"])
    result["topics"] = _topics(totals["topic"], people["topic"], min_count)
    result.update(_forum_activity(start, days))
    return result
