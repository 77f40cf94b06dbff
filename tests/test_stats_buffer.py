"""The statistics buffer: cookieless unique visitors, flushing, Redis, and the hourly rollup."""

import hashlib
import hmac
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import StatDaily, StatHourly
from forum.services.retention import purge_all
from forum.services.stats import PageView, Recorder
from forum.services.stats_store import write_counts
from tests.helpers import ROOT, make_app

UA = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


def _view(address="192.0.2.7", agent=UA):
    return PageView("forum.index", None, agent, "en", "", "localhost", address)


def _visitors(counts):
    return sum(n for (_, _, dim, _), n in counts.items() if dim == "visitors")


def _memory_recorder(app):
    recorder = Recorder(app)
    recorder.redis_url = None  # the in-process path, whatever the environment says
    return recorder


def test_a_visitor_counts_once_a_day_by_salted_hash(app):
    recorder = _memory_recorder(app)
    for _ in range(3):
        recorder.record(_view(), now=NOON)
    recorder.record(_view(address="192.0.2.8"), now=NOON)
    recorder.record(_view(agent=UA + " Other"), now=NOON)
    counts = recorder.take().counts
    assert _visitors(counts) == 3
    assert counts[(NOON.date(), 12, "page", "forum.index")] == 5


def test_the_salt_is_thrown_away_at_midnight(app):
    recorder = _memory_recorder(app)
    recorder.record(_view(), now=NOON)
    salt = recorder.salt_for(NOON.date())
    assert salt and len(salt) == 32
    today_hash = recorder._visitor_hash(NOON.date(), "192.0.2.7", UA)
    expected = hmac.new(salt, f"192.0.2.7\n{UA}".encode(), hashlib.sha256).hexdigest()[:32]
    assert today_hash == expected

    tomorrow = NOON + timedelta(days=1)
    recorder.record(_view(), now=tomorrow)
    counts = recorder.take().counts
    assert _visitors(counts) == 2  # a new day, a new count
    assert recorder.salt_for(NOON.date()) is None  # nothing left to recompute yesterday's
    assert today_hash not in recorder._seen
    assert recorder._visitor_hash(tomorrow.date(), "192.0.2.7", UA) != today_hash
    assert recorder.salt_for(tomorrow.date()) != salt


def test_flush_writes_the_buffer_in_one_batch_and_adds_to_existing_rows(app):
    recorder = _memory_recorder(app)
    for _ in range(4):
        recorder.record(_view(), now=NOON)
    assert recorder.flush() == 4 * 5 + 1  # page, browser, os, device, language; 1 visitor
    recorder.record(_view(), now=NOON)
    recorder.flush()
    row = db.session.get(StatHourly, (NOON.date(), 12, "page", "forum.index"))
    assert row.count == 5
    assert recorder.flush() == 0


def test_a_failed_flush_keeps_the_counts_for_the_next_try(tmp_path, caplog):
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/no-tables.db")
    recorder = _memory_recorder(broken)
    recorder.record(_view(), now=NOON)
    recorder.flush_quietly()  # logs, never raises
    assert "flush failed" in caplog.text
    with broken.app_context():
        with pytest.raises(Exception, match="stat_"):
            recorder.flush()
        db.engine.dispose()
    counts = recorder.take().counts
    assert counts[(NOON.date(), 12, "page", "forum.index")] == 1


def test_the_background_thread_flushes_every_few_seconds(app):
    recorder = _memory_recorder(app)
    recorder.flush_seconds = 0.2
    recorder.record(_view())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with app.app_context():
            total = db.session.scalar(select(func.sum(StatHourly.count)))
            db.session.remove()
        if total:
            break
        time.sleep(0.1)
    assert total == 6
    assert recorder._thread is not None and recorder._thread.daemon


EXIT_SCRIPT = """
import sys
from flask_migrate import upgrade
from forum import create_app
from forum.extensions import enable_migrations

app = create_app({"FORUM_ENV": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "MAIL_URL": "console://", "REDIS_URL": None, "STATS_FLUSH_SECONDS": 3600})
enable_migrations(app)
with app.app_context():
    upgrade()
client = app.test_client()
for _ in range(7):
    assert client.get("/stats", headers={"User-Agent": sys.argv[2]}).status_code == 200
# No explicit flush: the worker exits normally and atexit writes what it holds.
"""


def test_a_worker_exiting_normally_writes_its_counts(tmp_path):
    path = tmp_path / "exit.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT, f"sqlite:///{path}", UA],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    with sqlite3.connect(path) as conn:
        rows = dict(
            conn.execute(
                "SELECT dimension || ':' || value, SUM(count) FROM stat_hourly GROUP BY 1"
            ).fetchall()
        )
    assert rows["page:stats.report"] == 7
    assert rows["browser:Firefox 121"] == 7 and rows["visitors:"] == 1


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the Redis path needs a Redis (CI sets one)")
    return url


def test_counts_go_through_redis_and_stats_flush_moves_them(app, redis_url):
    # Tomorrow's noon: the Redis salt expires at the end of its day, which must not come
    # while the test runs (noon is today's as the module was imported, maybe before midnight).
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    noon += timedelta(days=1)
    prefix = f"test-stats-{uuid.uuid4().hex}"
    worker_app = make_app(REDIS_URL=redis_url, STATS_KEY_PREFIX=prefix)
    one, two = Recorder(worker_app), Recorder(worker_app)  # two workers
    try:
        for recorder in (one, two):
            for _ in range(3):
                recorder.record(_view(), now=noon)
            recorder.flush()
        assert one.salt_for(noon.date()) == two.salt_for(noon.date())
        assert db.session.scalar(select(func.count()).select_from(StatHourly)) == 0
        assert one.redis.hlen(f"{prefix}:counts") > 0

        with worker_app.app_context():  # as `flask --app wsgi stats flush` runs it
            result = worker_app.test_cli_runner().invoke(args=["stats", "flush"])
        assert result.exit_code == 0, result.output
        assert "Moved 31 counts" in result.output, result.output
        assert not one.redis.exists(f"{prefix}:counts")
        db.session.expire_all()
        page = db.session.get(StatHourly, (noon.date(), 12, "page", "forum.index"))
        visitors = db.session.get(StatHourly, (noon.date(), 12, "visitors", ""))
        assert page.count == 6 and visitors.count == 1  # the same visitor on both workers

        tomorrow = noon + timedelta(days=1)
        one.record(_view(), now=tomorrow)
        assert one.salt_for(noon.date()) is None  # yesterday's salt is gone from Redis too
    finally:
        keys = one.redis.keys(f"{prefix}:*")
        if keys:
            one.redis.delete(*keys)


def test_a_view_counted_after_its_day_ended_is_counted_without_the_expired_salt(app, redis_url):
    prefix = f"test-stats-{uuid.uuid4().hex}"
    recorder = Recorder(make_app(REDIS_URL=redis_url, STATS_KEY_PREFIX=prefix))
    yesterday = datetime.now(UTC) - timedelta(days=1)
    try:
        recorder.record(_view(), now=yesterday)  # stamped at 23:59:59.999, counted at 00:00
        assert recorder.salt_for(yesterday.date()) is None  # Redis let it expire at once
        assert recorder.flush() > 0
        assert recorder.redis.hlen(f"{prefix}:counts") > 0
    finally:
        keys = recorder.redis.keys(f"{prefix}:*")
        if keys:
            recorder.redis.delete(*keys)


def test_hourly_rows_are_rolled_into_daily_after_48_hours(app, client):
    now = NOON
    old, older, recent = (
        now - timedelta(hours=49),
        now - timedelta(hours=60),
        now - timedelta(hours=3),
    )
    write_counts(
        {
            (old.date(), old.hour, "page", "forum.index"): 4,
            (older.date(), older.hour, "page", "forum.index"): 6,
            (older.date(), older.hour, "browser", "Firefox 121"): 6,
            (recent.date(), recent.hour, "page", "forum.index"): 5,
        }
    )
    db.session.commit()
    before = client.get("/api/stats").get_json()["views"]
    counts = purge_all(now)
    assert counts["hourly statistics rows"] == 3
    daily = {(r.day, r.dimension, r.value): r.count for r in db.session.scalars(select(StatDaily))}
    assert sum(n for (_, dim, _), n in daily.items() if dim == "page") == 10
    assert daily[(older.date(), "browser", "Firefox 121")] == 6
    left = db.session.scalars(select(StatHourly)).all()
    assert [(r.day, r.hour, r.count) for r in left] == [(recent.date(), recent.hour, 5)]
    assert client.get("/api/stats").get_json()["views"] == before
    assert purge_all(now)["hourly statistics rows"] == 0
