"""Every page kind in a real browser, as a visitor, a member and staff, in light and dark:
axe-core finds nothing (any impact), nothing scrolls sideways at 375 or 1280 px, and the
strict CSP is never violated."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.helpers import signed_in
from tests.helpers import (
    NOT_FOUND_PAGES,
    forum_pages,
    member_only_pages,
    staff_only_pages,
    staff_routes_without_arguments,
    visitor_pages,
)

pytestmark = pytest.mark.browser


def sideways_scroll(page) -> list[int] | None:
    """[scrollWidth, clientWidth] of the document when it scrolls sideways, else None."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return widths if widths[0] > widths[1] else None


def check(v, paths: list[str], label: str) -> list[str]:
    """Visit each path; return what axe, the width and the console say is wrong."""
    found = []
    for path in paths:
        response = v.goto(path)
        expected = 404 if path in NOT_FOUND_PAGES else 200
        assert response.status == expected, (path, response.status)
        results = Axe().run(v.page)
        if results.violations_count:
            found.append(f"--- {path} ({label}):\n{results.generate_report()}")
        if (widths := sideways_scroll(v.page)) is not None:
            found.append(f"--- {path} ({label}) scrolls sideways: {widths}")
    found += [f"CSP ({label}): {m}" for m in v.csp_errors()]
    found += [f"script error ({label}): {m}" for m in v.page_errors]
    return found


# Light on a desktop, dark on a phone: each page kind meets both themes and both widths.
SCHEMES = [("light", 1280), ("dark", 375)]


@pytest.mark.parametrize(("scheme", "width"), SCHEMES, ids=["light", "dark"], indirect=["width"])
def test_visitor_pages(site, open_visit, scheme, width):
    v = open_visit(color_scheme=scheme)
    found = check(v, visitor_pages(site), f"visitor, {scheme}, {width} px")
    assert v.context.cookies() == []
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("scheme", "width"), SCHEMES, ids=["light", "dark"], indirect=["width"])
def test_member_pages(app, site, member, open_visit, scheme, width):
    v = signed_in(app, open_visit, "juniper", color_scheme=scheme)
    v.goto("/account")
    assert v.page.get_by_role("heading", level=1).count() == 1
    assert v.page.get_by_role("button", name="Sign out", exact=True).is_visible(), "not signed in"
    # The other public pages differ from a visitor's only by the header, checked here too.
    paths = forum_pages(site) + member_only_pages(site)
    found = check(v, paths, f"member, {scheme}, {width} px")
    # A form sent back with its errors, and a preview.
    v.goto(site.topic)
    v.page.get_by_role("button", name="Post reply").click()
    v.page.wait_for_load_state()
    found += check_current(v, "reply with an error")
    v.page.get_by_label("Your reply").fill(
        "> quoted\n\n**bold** and `code`\n\n| a | b |\n|--|--|\n|1|2|"
    )
    v.page.get_by_role("button", name="Preview").click()
    v.page.wait_for_load_state()
    assert v.page.locator(".preview strong").inner_text() == "bold"
    found += check_current(v, "reply preview")
    v.page.get_by_text("Formatting help").click()
    found += check_current(v, "formatting help open")
    assert not found, "\n".join(found)


def check_current(v, label: str) -> list[str]:
    results = Axe().run(v.page)
    found = [f"--- {label}:\n{results.generate_report()}"] if results.violations_count else []
    if (widths := sideways_scroll(v.page)) is not None:
        found.append(f"--- {label} scrolls sideways: {widths}")
    return found


@pytest.mark.parametrize(("scheme", "width"), SCHEMES, ids=["light", "dark"], indirect=["width"])
def test_staff_pages(app, site, admin, open_visit, scheme, width):

    v = signed_in(app, open_visit, "ada_admin", color_scheme=scheme)
    paths = forum_pages(site) + staff_only_pages(site) + staff_routes_without_arguments(app)
    paths = list(dict.fromkeys(paths))
    found = check(v, paths, f"staff, {scheme}, {width} px")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("width", [375], indirect=True)
def test_the_checks_can_fail(app, site, open_visit, width):
    """A page that scrolls sideways, and one axe objects to, are both reported."""
    v = open_visit()
    v.goto(site.topic)
    assert check_current(v, "as served") == []
    v.page.evaluate(
        "() => { const d = document.createElement('div'); d.style.width = '900px';"
        " d.innerHTML = '<img src=\"/static/favicon.svg\">';"
        " document.querySelector('main').append(d); }"
    )
    assert sideways_scroll(v.page) is not None
    found = check_current(v, "broken on purpose")
    assert any("image-alt" in f for f in found), found
    assert any("scrolls sideways" in f for f in found), found


@pytest.mark.parametrize("width", [375], indirect=True)
def test_a_page_wider_than_the_window_is_reported(live_server, open_visit, width):
    """The harness notices, on its own, a page that loads wider than the window."""
    v = open_visit()
    probe = live_server + "/__wide_probe"
    v.context.unroute("**/*")
    v.page.route(
        probe,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body='<!doctype html><title>wide</title><div style="width:900px">wide</div>',
        ),
    )
    v.page.goto(probe)
    v.page.wait_for_load_state("load")
    assert len(v.sideways) == 1 and "__wide_probe is 908 px wide in 375" in v.sideways[0]
    v.sideways.clear()  # reported as it should be: the fixture's own check would fail now
