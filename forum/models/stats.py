"""Visitor statistics: aggregate counters only, one dimension at a time, never a visit.

No column of the counters is personal data: a row says "on this day (and hour), this many
page views, from this many different visitors, had this browser family", and nothing more.
Hourly rows are rolled into daily rows after 48 hours by the purge command.

Counting different visitors per value needs, for the current day only, which daily visitor
hash has already sent which value (StatSeen), and the day's salt every worker hashes with
(StatSalt). Both are erased as soon as the day is over; a hash cannot be recomputed without
the salt, and neither holds an address or a user agent.
"""

from datetime import date

from sqlalchemy import Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogs import N_
from ..extensions import db
from .base import personal

# page: the kind of page (endpoint); topic: a topic's id; browser: family and major version;
# os: family; device: desktop, mobile, tablet or other; language: primary subtag;
# referrer: another site's host name; visitors: new unique visitors (value "").
DIMENSIONS = ("page", "topic", "browser", "os", "device", "language", "referrer", "visitors")
VALUE_LENGTH = 100


class StatHourly(db.Model):
    """Counts of the last 48 hours, by hour of the day (UTC)."""

    __tablename__ = "stat_hourly"

    day: Mapped[date] = mapped_column(primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(VALUE_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Different visitors who sent this value that day, each counted in the first hour seen.
    people: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatDaily(db.Model):
    """Counts older than 48 hours, by day (UTC); kept."""

    __tablename__ = "stat_daily"

    day: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(VALUE_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    people: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatSeen(db.Model):
    """Today's (dimension, value, daily visitor hash) marks; erased when the day is over."""

    __tablename__ = "stat_seen"

    day: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(VALUE_LENGTH), primary_key=True)
    visitor: Mapped[str] = mapped_column(
        String(32),
        primary_key=True,
        info=personal(
            "network",
            N_(
                "counting how many different visitors sent a browser, language or referring site, "
                "so that a value only a few people sent is never shown; a keyed hash of address "
                "and browser with a salt made for the day, never the address itself"
            ),
            N_("erased with the day's salt as soon as the day (UTC) is over"),
            N_("no one"),
            purge="forget_past_visitor_marks",
        ),
    )


class StatSalt(db.Model):
    """Today's random salt of the visitor hash, shared by every worker; erased at midnight."""

    __tablename__ = "stat_salt"

    day: Mapped[date] = mapped_column(primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))
