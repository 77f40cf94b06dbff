"""A visitor searches from the header box in a real browser: no cookie, no script, no
violation axe can find, on a phone and on a desktop."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import WIDTHS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_visitor_searches_from_the_header_and_opens_a_result(forum, visit):
    page = visit.page
    visit.goto(forum.category)
    header_search = page.get_by_role("search", name="Search the forum")
    header_search.get_by_role("searchbox", name="Search the forum").fill('"quieter you become"')
    header_search.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=*")
    assert page.get_by_role("heading", level=1).inner_text() == "Search"
    assert page.locator("mark").first.inner_text().lower().startswith("quieter")
    assert "1 result." in page.get_by_role("status").first.inner_text()

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    page.get_by_role("link", name=forum.topic_title).first.click()
    page.wait_for_url(f"**{forum.topic}*")
    assert page.get_by_text("The quieter you become").is_visible()
    assert visit.context.cookies() == []
    assert visit.refused_cookies == []
    assert visit.csp_errors() == [] and visit.page_errors == []


def test_filters_and_an_invalid_date_read_well(forum, visit):
    page = visit.page
    visit.goto("/search?q=topic&from=yesterday")
    error = page.get_by_text("Give a date as YYYY-MM-DD")
    assert error.is_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_label("From").fill("2000-01-01")
    page.get_by_role("search", name="Search with filters").get_by_role(
        "button", name="Search"
    ).click()
    page.wait_for_url("**/search?*")
    assert page.locator("ol.results li").count() >= 1
