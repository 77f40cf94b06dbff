"""Visitor statistics: aggregate counters only, one dimension at a time, never a visit.

No column here is personal data: a row says "on this day (and hour), this many page views
had this browser family", and nothing more. Hourly rows are rolled into daily rows after
48 hours by the purge command.
"""

from datetime import date

from sqlalchemy import Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

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


class StatDaily(db.Model):
    """Counts older than 48 hours, by day (UTC); kept."""

    __tablename__ = "stat_daily"

    day: Mapped[date] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(VALUE_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
