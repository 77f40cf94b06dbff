"""A visitor reads the forum in a real browser: without cookies, without third parties,
accessibly in light and dark, on a narrow phone, and under the strict CSP."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import make_response

from forum.security import CSP
from tests.browser.helpers import LONG_WORD, WIDTHS

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
BACKGROUND = {"light": "rgb(251, 250, 247)", "dark": "rgb(21, 25, 23)"}  # --bg in style.css


def _pages(forum) -> dict[str, str]:
    return {
        "index": "/",
        "category": forum.category,
        "topic": forum.topic,
        "long topic": forum.long_topic,
        "profile": forum.profile,
    }


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_visitor_without_cookies_reads_index_category_topic(forum, visit):
    page = visit.page
    response = visit.goto("/")
    assert response.status == 200

    page.get_by_role("link", name=forum.category_name, exact=True).click()
    page.wait_for_url(visit.base_url + forum.category)
    assert page.get_by_role("heading", level=1).inner_text() == forum.category_name

    page.get_by_role("link", name=forum.topic_title, exact=True).click()
    page.wait_for_url(visit.base_url + forum.topic)
    assert page.get_by_role("heading", level=1).inner_text() == forum.topic_title
    assert page.get_by_text(forum.first_post_text).is_visible()
    assert page.get_by_text("The quieter you become").is_visible()
    assert page.locator(".prose table").first.is_visible()

    assert visit.context.cookies() == []
    assert visit.refused_cookies == [], "the forum tried to set a cookie on a visitor"
    others = [url for url in visit.requests if not url.startswith(visit.base_url + "/")]
    assert others == [], "requests left the site's origin"
    assert len(visit.requests) >= 3
    assert visit.page_errors == []
    assert visit.console_errors == []


def _axe_reports(visit, paths: dict[str, str], label: str) -> list[str]:
    reports = []
    for name, path in paths.items():
        response = visit.goto(path)
        assert response.status == (404 if name == "not found" else 200), name
        results = Axe().run(visit.page)
        if results.violations_count:
            reports.append(f"--- {name} ({path}), {label}:\n{results.generate_report()}")
    return reports


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations(forum, open_visit, scheme):
    v = open_visit(color_scheme=scheme)
    v.goto("/")
    background = v.page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == BACKGROUND[scheme], "the color scheme did not take effect"
    pages = _pages(forum)
    reports = _axe_reports(v, {**pages, "not found": "/no/such/page"}, scheme)
    assert not reports, "\n".join(reports)


def test_axe_privacy_pages(app, forum, admin, open_visit):
    """The policy, an earlier version, the changes between them, the cookies and the ledger."""
    from forum.extensions import db
    from forum.models import User
    from forum.services import privacy

    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.role == "admin"))
        body = privacy.current_version().body.replace("no fonts", "no fonts, no <b>tricks</b>")
        privacy.publish_version(
            admin,
            "We say more about fonts.",
            body + "\nA new last line.\n",
        )
        db.session.commit()
        db.session.remove()
    paths = {
        "privacy": "/privacy",
        "privacy v1": "/privacy/v/1",
        "privacy changes": "/privacy/v/2/changes",
        "cookies": "/privacy/cookies",
        "data": "/privacy/data",
    }
    reports = []
    for scheme in ("light", "dark"):
        reports += _axe_reports(open_visit(color_scheme=scheme), paths, scheme)
    assert not reports, "\n".join(reports)


def test_axe_wide_table_is_keyboard_scrollable(forum, visit):
    reports = _axe_reports(visit, {"long topic": forum.long_topic}, "light")
    assert not reports, "\n".join(reports)


def test_topic_with_code_table_and_quote_is_checked_by_axe(forum, visit):
    """The axe run above covers these elements: make sure the topic really has them."""
    visit.goto(forum.topic)
    prose = visit.page.locator(".prose")
    assert prose.locator("pre code").count() == 1
    assert prose.locator("table th").count() == 3
    assert prose.locator("blockquote").count() == 1


@pytest.mark.parametrize("page_name", ["index", "category", "topic", "long topic", "profile"])
def test_no_horizontal_scrolling_at_320px(forum, open_visit, page_name):
    v = open_visit(viewport=NARROW)
    v.goto(_pages(forum)[page_name])
    if page_name == "long topic":
        # The hard cases really are on the page, and really are wider than the screen.
        assert v.page.get_by_text(LONG_WORD[:40]).first.is_visible()
        table_width = v.page.locator(".prose table").first.evaluate("t => t.scrollWidth")
        assert table_width > NARROW["width"]
    widths = v.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page_name} scrolls sideways at 320 px: {widths}"
    assert v.csp_errors() == []


def test_pages_raise_no_csp_errors(forum, visit):
    for name, path in {**_pages(forum), "not found": "/no/such/page"}.items():
        response = visit.goto(path)
        assert response.headers.get("content-security-policy") == CSP, name
        visit.page.wait_for_load_state("load")
    assert visit.csp_errors() == []
    assert visit.page_errors == []
    # Only the 404 page itself may be reported, as a failed load; nothing else fails.
    assert all("404" in m for m in visit.console_errors), visit.console_errors


def test_cookies_would_be_refused(app, visit):
    """The visitor's context does refuse a cookie a page sets (so the journey can fail)."""

    def set_a_cookie():
        response = make_response("a page that sets a cookie")
        response.set_cookie("probe", "1")
        return response

    app.add_url_rule("/__cookie_probe", view_func=set_a_cookie)
    visit.goto("/__cookie_probe")
    assert len(visit.refused_cookies) == 1
    assert visit.context.cookies() == []


def test_csp_errors_would_be_seen(live_server, visit):
    """The console collector does catch a CSP violation (so the test above can fail)."""
    probe = live_server + "/__csp_probe"
    visit.context.unroute("**/*")
    visit.page.route(
        probe,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": CSP},
            body="<!doctype html><title>probe</title><script>document.title='ran'</script>",
        ),
    )
    visit.page.goto(probe)
    assert visit.page.title() == "probe"
    assert len(visit.csp_errors()) == 1, visit.console_errors
