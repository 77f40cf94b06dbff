"""Page views become aggregate counters that identify no one, and a public report of them."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import StatDaily, StatHourly
from forum.services.stats import flush_to_database

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SEARCH = "https://www.search.example.com/results?q=very+secret+words"
RARE = "https://rare.example.net/private/page?id=5"


def _view(client, url, agent, address, language="", referrer="", **headers):
    headers = {"User-Agent": agent, "Accept-Language": language, "Referer": referrer, **headers}
    response = client.get(url, headers=headers, environ_base={"REMOTE_ADDR": address})
    assert response.status_code == (404 if url == "/no/such/page" else 200), url
    return response


def _drive(client, topic):
    """25 counted page views, 16 visitors, and requests that must not count."""
    topic_url = f"/t/{topic.id}/{topic.slug}"
    for n in range(12):
        _view(client, topic_url, CHROME, f"10.0.0.{n + 1}", "en-US,en;q=0.9", SEARCH)
    for n in range(3):
        _view(client, "/", FIREFOX, f"10.0.1.{n + 1}", "de-DE,de;q=0.8,en;q=0.5", RARE)
    for _ in range(10):  # one phone, ten pages, our own site as referrer
        _view(client, "/c/general", IPHONE, "10.0.2.1", "fr", "http://localhost/c/general")
    # None of these is a page view a person asked to be counted.
    _view(client, topic_url, GOOGLEBOT, "10.0.3.1", "en")
    _view(client, "/static/style.css", CHROME, "10.0.3.2", "en")
    _view(client, "/no/such/page", CHROME, "10.0.3.3", "en")
    _view(client, "/api/stats", CHROME, "10.0.3.4", "en")


def _gpc_and_dnt(client, topic):
    for n in range(5):
        _view(client, "/", CHROME, f"10.9.0.{n}", "ja", RARE, **{"Sec-GPC": "1"})
        _view(client, f"/t/{topic.id}/{topic.slug}", FIREFOX, f"10.9.1.{n}", "es", DNT="1")


def _flush(app):
    flush_to_database(app.extensions["stats"])


def _rows():
    return sorted((r.dimension, r.value, r.count) for r in db.session.scalars(select(StatHourly)))


@pytest.fixture
def counted(app, client, topic):
    _drive(client, topic)
    _flush(app)
    return topic


def test_the_report_counts_page_views_exactly_and_folds_rare_values(client, counted):
    report = client.get("/api/stats").get_json()
    assert report["min_count"] == 10
    assert report["views"]["total"] == 25
    assert report["views"]["visitors"] == 16
    assert report["views"]["days"][-1]["views"] == 25
    assert sum(day["views"] for day in report["views"]["days"]) == 25

    def table(section):
        return {row["value"]: row["count"] for row in report[section]}

    # The phone's ten views are one visitor: its browser, system and language stay folded.
    assert table("browsers") == {"Chrome 120": 12, "other": 13}
    assert table("systems") == {"Windows": 12, "other": 13}
    assert table("devices") == {"desktop": 15, "other": 10}
    assert table("languages") == {"en": 12, "other": 13}
    assert table("referrers") == {"search.example.com": 12, "other": 3}
    assert table("pages") == {"forum.topic": 12, "other": 13}
    assert [(t["title"], t["count"]) for t in report["topics"]] == [("First topic", 12)]
    assert report["categories"] == [{"name": "General", "slug": "general", "posts": 1}]
    assert report["posts"][-1]["count"] == 1 and report["members"][-1]["count"] == 1


def test_the_stats_page_shows_the_same_numbers(client, counted):
    page = client.get("/stats").get_data(as_text=True)
    assert "Chrome 120" in page and "search.example.com" in page
    assert "Firefox" not in page and "rare.example.net" not in page
    assert "First topic" in page and "<svg" in page and "<script" not in page
    assert 'style="' not in page and "<style" not in page  # the CSP allows no inline style
    assert "Global Privacy Control" in page and "at midnight" in page


def test_gpc_and_dnt_requests_change_nothing(app, client, counted):
    before_rows = _rows()
    before = client.get("/api/stats").get_json()
    _gpc_and_dnt(client, counted)
    _flush(app)
    assert _rows() == before_rows
    assert client.get("/api/stats").get_json() == before


def test_no_address_agent_or_full_referrer_in_any_statistics_table(app, client, counted):
    _gpc_and_dnt(client, counted)
    _flush(app)
    dump = []
    for model in (StatHourly, StatDaily):
        for row in db.session.execute(select(model.__table__)).all():
            dump.append(" ".join(str(value) for value in row))
    text = "\n".join(dump)
    assert "search.example.com" in text  # the dump really holds the counters
    for secret in ("10.0.", "10.9.", "127.0.0.1", "Mozilla", "AppleWebKit", "Gecko/", "://"):
        assert secret not in text, secret
    for secret in ("results", "q=", "secret", "private", "?", "id=5", CHROME, FIREFOX, IPHONE):
        assert secret not in text, secret


def test_the_buffer_holds_no_address_or_agent(app, client, topic):
    _drive(client, topic)
    held = repr(app.extensions["stats"].take())
    assert "10.0." not in held and "Mozilla" not in held and "q=" not in held
    assert "Chrome 120" in held


def test_counting_can_be_turned_off(client, topic):
    from tests.helpers import make_app

    off = make_app(STATS_ENABLED=False)
    assert off.extensions["stats"] is None
    assert off.test_client().get("/stats").status_code == 200


def test_members_pages_are_counted_without_their_identity(app, member_client, topic):
    _view(member_client, "/", CHROME, "10.0.5.1", "en")
    _flush(app)
    rows = _rows()
    assert ("page", "forum.index", 1) in rows
    assert not any("juniper" in value for _, value, _ in rows)


def test_the_stats_page_refuses_an_unknown_period(client):
    assert client.get("/stats?period=90").status_code == 200
    assert client.get("/stats?period=7").status_code == 400


def test_the_footer_links_to_the_stats_page(client):
    assert 'href="/stats"' in client.get("/").get_data(as_text=True)
