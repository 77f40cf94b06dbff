"""Rare values are folded by how many different visitors sent them, not by page views,
on both ways the counters travel (the database directly, or Redis then the database)."""

import os

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import StatHourly
from forum.services.stats import flush_to_database
from tests.helpers import make_app, sign_in

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
RARE = "https://rare.example.net/some/page"


@pytest.fixture(params=["database", "redis"])
def worker(request, app):
    """An app counting through the database buffer, or through Redis (when there is one)."""
    if request.param == "redis":
        url = os.environ.get("REDIS_URL")
        if not url:
            pytest.skip("REDIS_URL is not set: the Redis path needs a Redis (CI sets one)")
        worker = make_app(REDIS_URL=url)
    else:
        worker = make_app(REDIS_URL=None)
    yield worker
    recorder = worker.extensions["stats"]
    if recorder.redis_url:
        keys = recorder.redis.keys(f"{recorder.prefix}:*")
        if keys:
            recorder.redis.delete(*keys)


def _views(worker, visitors: int, views_each: int, language="sv", agent=FIREFOX):
    client = worker.test_client()
    for n in range(visitors):
        for _ in range(views_each):
            response = client.get(
                "/",
                headers={"User-Agent": agent, "Referer": RARE, "Accept-Language": language},
                environ_base={"REMOTE_ADDR": f"10.7.0.{n + 1}"},
            )
            assert response.status_code == 200
    flush_to_database(worker.extensions["stats"])


def _table(report, section):
    return {row["value"]: row["count"] for row in report[section]}


def test_one_visitor_making_ten_views_leaves_a_rare_referrer_folded(worker):
    _views(worker, visitors=1, views_each=10)
    report = worker.test_client().get("/api/stats").get_json()
    assert report["views"]["total"] == 10
    assert _table(report, "referrers") == {"other": 10}
    assert _table(report, "languages") == {"other": 10}
    assert _table(report, "browsers") == {"other": 10}
    assert "rare.example.net" not in worker.test_client().get("/stats").get_data(as_text=True)


def test_min_count_different_visitors_make_a_value_appear(worker):
    _views(worker, visitors=9, views_each=2)
    report = worker.test_client().get("/api/stats").get_json()
    assert _table(report, "referrers") == {"other": 18}  # nine people are not enough
    _views(worker, visitors=10, views_each=1)  # the same nine again, and one more
    report = worker.test_client().get("/api/stats").get_json()
    assert _table(report, "referrers") == {"rare.example.net": 28}
    assert _table(report, "languages") == {"sv": 28}
    assert "rare.example.net" in worker.test_client().get("/stats").get_data(as_text=True)


def test_the_marks_that_count_people_are_kept_for_the_day_only(worker):
    from datetime import UTC, datetime, timedelta

    from forum.models import StatSeen

    _views(worker, visitors=2, views_each=1)
    if worker.extensions["stats"].redis_url:
        return  # Redis keeps them in a set expiring at midnight (see test_stats_buffer)
    days = set(db.session.scalars(select(StatSeen.day)))
    assert days == {datetime.now(UTC).date()}
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    db.session.execute(
        StatSeen.__table__.update().values(day=yesterday)  # as if the day had ended
    )
    db.session.commit()
    _views(worker, visitors=1, views_each=1)
    assert set(db.session.scalars(select(StatSeen.day))) == {datetime.now(UTC).date()}


def test_staff_pages_of_every_blueprint_are_not_counted(worker, moderator, post):
    client = worker.test_client()
    sign_in(client, moderator)
    for url in ("/staff", "/staff/reports", f"/staff/posts/{post.id}", "/staff/members"):
        response = client.get(url, headers={"User-Agent": FIREFOX})
        assert response.status_code == 200, url
    assert client.get("/", headers={"User-Agent": FIREFOX}).status_code == 200
    flush_to_database(worker.extensions["stats"])
    pages = {r.value for r in db.session.scalars(select(StatHourly)) if r.dimension == "page"}
    assert pages == {"forum.index"}
