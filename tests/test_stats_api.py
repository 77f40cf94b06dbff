"""/api/stats: the trends report as JSON, with parameters, caching and a rate limit."""

import pytest

from forum.services.stats_report import SECTIONS


def test_the_whole_report_for_the_default_period(client):
    response = client.get("/api/stats")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert data["period"] == 30 and len(data["views"]["days"]) == 30
    assert set(SECTIONS) <= set(data)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("period", [30, 90, 365])
def test_each_period(client, period):
    data = client.get(f"/api/stats?period={period}").get_json()
    assert data["period"] == period
    assert len(data["views"]["days"]) == period == len(data["posts"])


@pytest.mark.parametrize("dimension", list(SECTIONS))
def test_one_dimension(client, dimension):
    data = client.get(f"/api/stats?dimension={dimension}&period=90").get_json()
    assert set(data) == {"period", "from", "to", "min_count", dimension}


@pytest.mark.parametrize(
    "query",
    [
        "period=7",
        "period=abc",
        "period=",
        "period=30.0",
        "period=-30",
        "dimension=nope",
        "dimension=",
        "dimension=views%00",
        "period=90&dimension=__class__",
    ],
)
def test_bad_parameters_get_a_clear_400(client, query):
    response = client.get(f"/api/stats?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert "period" in error or "dimension" in error or "NUL" in error


def test_cacheable_with_an_etag(client):
    first = client.get("/api/stats")
    assert first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"]
    assert "max-age=300" in first.headers["Cache-Control"]
    again = client.get("/api/stats", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/api/stats?period=90", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


def test_rate_limited_per_the_setting(app, client):
    app.config["LIMIT_STATS_API"] = "3 per minute"
    for _ in range(3):
        assert client.get("/api/stats").status_code == 200
    response = client.get("/api/stats")
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    assert "too many" in response.get_json()["error"]
    assert "Retry-After" in response.headers
    assert client.get("/stats").status_code == 200  # the page itself is not limited
