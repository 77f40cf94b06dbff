"""The public transparency report: per half-year, the requests for members' data from outside
the staff and what became of them, the members affected, and the staff reveals.

Counts only, from the disclosure records and the audit log; nothing names anyone. With
TRANSPARENCY_SMALL_COUNTS=folded every count below FOLD_BELOW is published as "fewer than
3", zero included (a zero shown exactly would make "fewer than 3" mean "at least one").
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import extract, func, select

from ..extensions import db
from ..models import DisclosureRecord, RevealLog, utcnow

FOLD_BELOW = 3
_HALF = re.compile(r"^(\d{4})-H([12])$")
FIRST_YEAR = 2000
COUNTS = ("requests", "full", "partial", "refused", "members", "reveals")


@dataclass(frozen=True, order=True)
class Half:
    """A half-year: January to June (part 1) or July to December (part 2)."""

    year: int
    part: int

    @property
    def key(self) -> str:
        return f"{self.year}-H{self.part}"

    @property
    def start(self) -> date:
        return date(self.year, 1 if self.part == 1 else 7, 1)

    @property
    def end(self) -> date:
        """The first day after it."""
        return date(self.year, 7, 1) if self.part == 1 else date(self.year + 1, 1, 1)

    def before(self) -> "Half":
        return Half(self.year, 2) if self.part == 1 else Half(self.year - 1, 1)


def half_of(day: date) -> Half:
    return Half(day.year, 1 if day.month <= 6 else 2)


def parse_half(raw: str | None) -> Half | None:
    """A half-year written as 2026-H1 or 2026-H2 (from 2000 on), or None."""
    match = _HALF.match(raw or "")
    if match is None or int(match.group(1)) < FIRST_YEAR:
        return None
    return Half(int(match.group(1)), int(match.group(2)))


@dataclass
class HalfCounts:
    """One half-year's counts; `updated` is the day of its latest change (for the feed)."""

    half: Half
    requests: int = 0
    full: int = 0
    partial: int = 0
    refused: int = 0
    members: int = 0
    reveals: int = 0
    updated: datetime | None = None
    current: bool = False

    def touch(self, when: datetime) -> None:
        day = datetime(when.year, when.month, when.day)
        self.updated = max(self.updated or day, day)


def folded() -> bool:
    """Whether the admins chose to publish small counts as "fewer than 3"."""
    return current_app.config["TRANSPARENCY_SMALL_COUNTS"] == "folded"


def shown(count: int) -> int | str:
    """A count as published: the number, or "fewer than 3" when small counts are folded."""
    if folded() and count < FOLD_BELOW:
        return f"fewer than {FOLD_BELOW}"
    return count


def report(now: datetime | None = None) -> list[HalfCounts]:
    """Every half-year from the first with anything to count to the current one, newest
    first (two queries)."""
    today = (now or utcnow()).date()
    current = half_of(today)
    halves: dict[Half, HalfCounts] = {}

    def row(half: Half) -> HalfCounts:
        if half not in halves:
            halves[half] = HalfCounts(half, current=half == current)
        return halves[half]

    _count_requests(row, current)
    _count_reveals(row, current)
    oldest = min(halves, default=current)
    half = current
    while half >= oldest:
        row(half)
        half = half.before()
    return [halves[h] for h in sorted(halves, reverse=True)]


def for_half(half: Half, now: datetime | None = None) -> HalfCounts | None:
    """One half-year's counts; None for a half-year that has not begun."""
    if half > half_of((now or utcnow()).date()):
        return None
    return next((r for r in report(now) if r.half == half), None) or HalfCounts(half)


def _count_requests(row, current: Half) -> None:
    """Requests by outcome and members affected (complied with in full or in part)."""
    records = db.session.execute(
        select(
            DisclosureRecord.received_on,
            DisclosureRecord.created_at,
            DisclosureRecord.outcome,
            DisclosureRecord.member_id,
            DisclosureRecord.counts_member,
        )
    )
    affected: dict[Half, set] = {}
    for received_on, created_at, outcome, member_id, counts_member in records:
        half = half_of(received_on)
        if half > current:
            continue
        counts = row(half)
        counts.requests += 1
        setattr(counts, outcome, getattr(counts, outcome) + 1)
        counts.touch(created_at)
        if outcome == "refused":
            continue
        # A deleted member's records keep counting them once per half-year (counts_member).
        if member_id is not None:
            affected.setdefault(half, set()).add(member_id)
        elif counts_member:
            counts.members += 1
    for half, members in affected.items():
        row(half).members += len(members)


def _count_reveals(row, current: Half) -> None:
    """Reveals in the audit log, by the half-year they happened in."""
    year = extract("year", RevealLog.created_at)
    month = extract("month", RevealLog.created_at)
    rows = db.session.execute(
        select(year, month, func.count(RevealLog.id), func.max(RevealLog.created_at)).group_by(
            year, month
        )
    )
    for y, m, count, latest in rows:
        half = Half(int(y), 1 if int(m) <= 6 else 2)
        if half > current:
            continue
        counts = row(half)
        counts.reveals += count
        counts.touch(latest)


def as_json(rows: list[HalfCounts]) -> dict:
    """The report for the API: each count a number, or "fewer than 3" when folded."""
    return {
        "small_counts": current_app.config["TRANSPARENCY_SMALL_COUNTS"],
        "half_years": [
            {
                "half_year": r.half.key,
                "from": r.half.start.isoformat(),
                "to": r.half.end.isoformat(),
                "in_progress": r.current,
                **{name: shown(getattr(r, name)) for name in COUNTS},
            }
            for r in rows
        ],
    }
