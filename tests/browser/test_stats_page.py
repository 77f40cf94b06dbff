"""The statistics page in a real browser: readable on a phone and wide, accessible, under
the strict CSP (no inline style), without a cookie, and its chart drawn with no script."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from forum.extensions import db
from forum.services.stats_store import write_counts

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("STATS_SCREENSHOTS")  # a folder to keep screenshots in, if set


@pytest.fixture
def counted(app, topic):
    now = datetime.now(UTC)
    counts = {}
    for n in range(30):
        day = (now - timedelta(days=n)).date()
        counts[(day, 10, "page", "forum.topic")] = 20 + (n * 7) % 40
        counts[(day, 10, "topic", str(topic.id))] = 20
        counts[(day, 10, "browser", "Firefox 121")] = 12
        counts[(day, 10, "browser", "Chrome 120")] = 8 + n % 5
        counts[(day, 10, "language", "en")] = 15
        counts[(day, 10, "referrer", "search.example.com")] = 3
        counts[(day, 10, "visitors", "")] = 9
    write_counts(counts, people=counts)  # as many visitors as views: nothing folded
    db.session.commit()


@pytest.mark.parametrize("width", [375, 1200])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_stats_page_reads_well_and_passes_axe(counted, open_visit, width, scheme):
    v = open_visit(viewport={"width": width, "height": 900}, color_scheme=scheme)
    response = v.goto("/stats")
    assert response.status == 200
    page = v.page
    assert page.get_by_role("heading", level=1).inner_text() == "Statistics"
    assert page.locator("svg.chart-svg rect.chart-bar").count() >= 30
    assert page.get_by_role("img", name="Page views").count() == 1
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    fill = page.evaluate("() => getComputedStyle(document.querySelector('rect.chart-bar')).fill")
    assert fill not in ("", "rgb(0, 0, 0)"), "the stylesheet did not colour the bars"
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert v.csp_errors() == [] and v.page_errors == []
    assert v.refused_cookies == [] and v.context.cookies() == []
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/stats-{width}-{scheme}.png", full_page=True)
