"""Visitor statistics: each page view reduced at once to aggregate counters, kept in memory.

A page view becomes a handful of increments of (day, hour, dimension, value) counters in a
per-process buffer; nothing about the visit itself is kept. Only the user agent waits in
memory, counted per distinct string, until the flush reduces it to browser, system and
device (parsing takes too long for the request). A background thread writes the
buffer every STATS_FLUSH_SECONDS, and once more when the worker exits: to the database, or
to Redis when REDIS_URL is set, from where `flask --app wsgi stats flush` moves the counts
into the database.

Unique visitors are counted without a cookie: a keyed hash of (daily random salt, address,
user agent) is looked up in the day's set of hashes. The salt and the set live only in
memory (or in Redis, expiring at midnight UTC); when the day changes both are thrown away,
so yesterday's hashes can never be recomputed, and no address is ever written anywhere.

Each counted value also remembers which hashes sent it today (the store's marks, see
stats_store), so that the report can fold rare values by people, not by page views. For
that every worker must hash with the same salt: Redis holds it, or else the database,
for the day only.
"""

import atexit
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from flask import Flask

from ..extensions import db
from ..models.stats import VALUE_LENGTH
from .stats_store import (
    Key,
    Mark,
    add_to_redis,
    count_new_people,
    forget_past_days,
    move_from_redis,
    shared_salt,
    stored_salt,
    write_counts,
)

log = logging.getLogger(__name__)

_BOT = re.compile(r"bot|crawl|spider|slurp|preview|fetch|monitor|headless", re.IGNORECASE)
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_HOST = re.compile(r"[a-z0-9.-]+")
AGENT_LENGTH = 512
AGENT_DIMENSIONS = ("browser", "os", "device")  # what _parse_agent returns, in order
LANGUAGE_LENGTH, REFERRER_LENGTH = 200, 500
_DESKTOP_OS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Fedora", "Chrome OS", "FreeBSD"}


@dataclass(frozen=True)
class PageView:
    """What the recording hook hands over; only its reduced form outlives the request."""

    endpoint: str
    topic_id: int | None
    user_agent: str
    accept_language: str
    referrer: str
    host: str
    address: str


def is_bot(user_agent: str) -> bool:
    """Whether the browser says it is a robot (a crawler, a link previewer, a monitor)."""
    return bool(_BOT.search(user_agent))


def _parse_agent(user_agent: str) -> tuple[str, str, str]:
    """(browser family and major version, OS family, device class) from a user agent."""
    if not user_agent:
        return "Other", "Other", "other"
    from ua_parser import parse  # loading the rules takes a moment: only when needed

    result = parse(user_agent)
    agent, system, device = result.user_agent, result.os, result.device
    browser = agent.family if agent else "Other"
    if agent and agent.major and browser != "Other":
        browser = f"{browser} {agent.major}"
    os_family = system.family if system else "Other"
    family = device.family if device else ""
    android_tablet = os_family == "Android" and "Mobi" not in user_agent
    if family == "iPad" or "Tablet" in user_agent or android_tablet:
        kind = "tablet"
    elif "Mobi" in user_agent or os_family in ("iOS", "Android"):
        kind = "mobile"
    elif os_family in _DESKTOP_OS:
        kind = "desktop"
    else:
        kind = "other"
    return browser[:VALUE_LENGTH], os_family[:VALUE_LENGTH], kind


def primary_language(accept_language: str) -> str:
    """The primary subtag of the language the browser prefers most, or "" if none makes sense."""
    best, best_q = "", -1.0
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-")[0].lower()
        if q > best_q and _LANGUAGE.fullmatch(primary):
            best, best_q = primary, q
    return best


def referrer_host(referrer: str, own_host: str) -> str:
    """The host of a referrer on another site; "" for our own pages, nonsense or nothing."""
    if not referrer:
        return ""
    try:
        parts = urlsplit(referrer)
        host = (parts.hostname or "").lower()
    except ValueError:
        return ""
    own = own_host.lower().rsplit(":", 1)[0] if own_host else ""
    if parts.scheme not in ("http", "https") or not host or host == own:
        return ""
    if len(host) > VALUE_LENGTH or not _HOST.fullmatch(host):
        return ""
    return host.removeprefix("www.")


def reduce(view: PageView) -> dict[str, str]:
    """The dimensions a page view is counted under, but the agent's (parsed at flush time)."""
    values = {"page": view.endpoint}
    if view.topic_id is not None:
        values["topic"] = str(view.topic_id)
    if language := primary_language(view.accept_language):
        values["language"] = language
    if host := referrer_host(view.referrer, view.host):
        values["referrer"] = host
    return values


class Batch(NamedTuple):
    """What a flush writes: counts, Redis's hashes to look up, and the day's value marks."""

    counts: Counter[Key]
    pending: dict[tuple[date, int], set[str]]
    marks: dict[Mark, int]


class Recorder:
    """The per-process buffer of counters, with the day's salt and set of visitor hashes."""

    def __init__(self, app: Flask):
        self.app = app
        self.flush_seconds = app.config["STATS_FLUSH_SECONDS"]
        self.prefix = app.config["STATS_KEY_PREFIX"]
        self.redis_url = app.config["REDIS_URL"]
        self._redis = None
        self._lock = threading.Lock()
        self._counts: Counter[Key] = Counter()
        self._marks: dict[Mark, int] = {}  # (day, dimension, value, visitor) -> first hour
        # Held until the next flush, each with the visitor hash that sent it:
        self._agents: Counter[tuple] = Counter()  # day, hour, user agent, visitor
        self._views: Counter[tuple] = Counter()  # page, language, referrer: reduced at flush
        self._pending: dict[tuple[date, int], set[str]] = {}  # Redis: hashes to look up
        self._day: date | None = None
        self._salt = b""
        self._seen: set[str] = set()  # memory: today's hashes
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None

    @property
    def redis(self):
        if self._redis is None and self.redis_url:
            import redis

            self._redis = redis.Redis.from_url(self.redis_url)
        return self._redis

    def record(self, view: PageView, now: datetime | None = None) -> None:
        """Count one page view: a few increments in memory (and one hash)."""
        now = now or datetime.now(UTC)
        day, hour = now.date(), now.hour
        # Reducing (language, referrer) and parsing the agent wait for the flush, once per
        # distinct value; until then the raw values are held in memory, never stored.
        raw = (
            day,
            hour,
            view.endpoint,
            view.topic_id,
            view.accept_language[:LANGUAGE_LENGTH],
            view.referrer[:REFERRER_LENGTH],
            view.host,
        )
        if self._pid != os.getpid():
            self._after_fork()
        with self._lock:
            visitor = self._visitor_hash(day, view.address, view.user_agent)
            self._views[(*raw, visitor)] += 1
            self._agents[(day, hour, view.user_agent[:AGENT_LENGTH], visitor)] += 1
            if self.redis_url:
                self._pending.setdefault((day, hour), set()).add(visitor)
            elif visitor not in self._seen:
                self._seen.add(visitor)
                self._counts[(day, hour, "visitors", "")] += 1
        if self._thread is None and self.flush_seconds > 0:
            self._start_flusher()

    def _visitor_hash(self, day: date, address: str, user_agent: str) -> str:
        if day != self._day:
            self._new_day(day)
        message = f"{address}\n{user_agent}".encode()
        return hmac.new(self._salt, message, hashlib.sha256).hexdigest()[:32]

    def _new_day(self, day: date) -> None:
        """Throw yesterday's salt and hashes away and take today's salt."""
        yesterday = self._day
        self._seen = set()
        self._salt = b""
        self._day = day
        if not self.redis_url:
            self._salt = self._database_salt(day)
            return
        # Every worker must hash with the same salt: the first to need it sets it in Redis.
        midnight = datetime.combine(day + timedelta(days=1), time(), UTC)
        key = f"{self.prefix}:salt:{day.isoformat()}"
        self.redis.set(key, secrets.token_bytes(32), nx=True, exat=int(midnight.timestamp()))
        # A view stamped just before midnight and counted just after finds its day over and
        # its salt expired: it is hashed with a salt of its own, kept nowhere.
        self._salt = self.redis.get(key) or secrets.token_bytes(32)
        if yesterday is not None and yesterday < day:
            self.redis.delete(f"{self.prefix}:salt:{yesterday.isoformat()}")

    def _database_salt(self, day: date) -> bytes:
        """The day's salt shared through the database, or this process's own if it is down."""
        fresh = secrets.token_bytes(32)
        try:
            with self.app.app_context():
                return shared_salt(day, fresh)
        except Exception:
            log.exception("statistics: no shared salt; this worker counts people on its own")
            return fresh

    def salt_for(self, day: date) -> bytes | None:
        """The salt of `day` if it still exists anywhere (for tests: yesterday's never does)."""
        if self.redis_url:
            return self.redis.get(f"{self.prefix}:salt:{day.isoformat()}")
        with self.app.app_context():
            return stored_salt(day)

    def take(self) -> Batch:
        """Empty the buffer and return its counts, the user agents reduced to their kind."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            marks, self._marks = self._marks, {}
            views, self._views = self._views, Counter()
            agents, self._agents = self._agents, Counter()
            pending, self._pending = self._pending, {}

        def add(day, hour, visitor, dimension, value, n):
            counts[(day, hour, dimension, value)] += n
            mark = (day, dimension, value[:VALUE_LENGTH], visitor)
            marks[mark] = min(marks.get(mark, hour), hour)

        reduced, parsed = {}, {}  # once per distinct value, not per visitor
        for (day, hour, *raw, visitor), n in views.items():
            if (key := tuple(raw)) not in reduced:
                endpoint, topic_id, language, referrer, host = raw
                view = PageView(endpoint, topic_id, "", language, referrer, host, "")
                reduced[key] = reduce(view)
            for dimension, value in reduced[key].items():
                add(day, hour, visitor, dimension, value, n)
        for (day, hour, user_agent, visitor), n in agents.items():
            if user_agent not in parsed:
                parsed[user_agent] = _parse_agent(user_agent)
            for dimension, value in zip(AGENT_DIMENSIONS, parsed[user_agent], strict=True):
                add(day, hour, visitor, dimension, value, n)
        return Batch(counts, pending, marks)

    def put_back(self, batch: Batch) -> None:
        """Return counts that could not be written, to be tried again at the next flush."""
        with self._lock:
            self._counts.update(batch.counts)
            for mark, hour in batch.marks.items():
                self._marks[mark] = min(self._marks.get(mark, hour), hour)

    def flush(self) -> int:
        """Write the buffer to the database (committing) or to Redis; return counts written."""
        batch = self.take()
        counts, pending, marks = batch
        if not counts and not pending:
            return 0
        try:
            if self.redis_url:
                add_to_redis(self.redis, self.prefix, counts, pending, marks)
            else:
                write_counts(counts, count_new_people(marks))
                forget_past_days(datetime.now(UTC).date())
                db.session.commit()
        except Exception:
            db.session.rollback()
            self.put_back(batch)
            raise
        return sum(counts.values())

    def flush_quietly(self) -> None:
        """Flush in an app context, logging failures (the background thread, atexit)."""
        try:
            with self.app.app_context():
                self.flush()
                db.session.remove()
        except Exception:
            log.exception("statistics: flush failed, counts kept for the next try")

    def _start_flusher(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=_flush_every, args=(weakref.ref(self), self.flush_seconds), daemon=True
            )
            self._thread.start()
        # A worker that exits normally writes what it still holds.
        atexit.register(self.flush_quietly)

    def _after_fork(self) -> None:
        """A forked child starts empty: its parent's buffer and thread are the parent's."""
        with self._lock:
            self._pid = os.getpid()
            self._counts, self._pending, self._seen, self._marks = Counter(), {}, set(), {}
            self._agents, self._views = Counter(), Counter()
            self._day, self._thread, self._redis = None, None, None


def _flush_every(ref: "weakref.ref[Recorder]", seconds: float) -> None:
    stop = threading.Event()
    while not stop.wait(seconds):
        recorder = ref()
        if recorder is None:
            return
        recorder.flush_quietly()
        del recorder


def init_app(app: Flask) -> None:
    app.extensions["stats"] = Recorder(app) if app.config["STATS_ENABLED"] else None


def flush_to_database(recorder: "Recorder") -> int:
    """Write this process's buffer, then anything waiting in Redis, into the database."""
    written = recorder.flush()
    if recorder.redis_url:
        return move_from_redis(recorder.redis, recorder.prefix)
    return written
