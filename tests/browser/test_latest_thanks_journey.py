"""Latest, Unread and thanks in a real browser, without JavaScript-only controls: a member
thanks a post and takes it back, its author sees who, the header's Unread finds a reply
the author has not seen; axe-clean at 375 and 1280 px, with screenshots to look at."""

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from forum.extensions import db
from forum.models import Category, utcnow
from forum.services import forum as forum_service
from tests.browser.helpers import WIDTHS, signed_in
from tests.helpers import ROOT

pytestmark = pytest.mark.browser
SHOTS = ROOT / "build" / "screenshots" / "latest-thanks"


def _clean(v, label: str) -> list[str]:
    results = Axe().run(v.page)
    found = [f"--- {label}:\n{results.generate_report()}"] if results.violations_count else []
    widths = v.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if widths[0] > widths[1]:
        found.append(f"--- {label} scrolls sideways: {widths}")
    return found


def _shot(v, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(Path(SHOTS, f"{name}-{width}.png")), full_page=True)


@pytest.fixture
def topic_path(app, member, other_member):
    """juniper's topic in "General"; tomasz (confirmed) has read it."""
    other_member.confirmed_at = utcnow()
    category = Category(name="General", slug="general", position=1)
    db.session.add(category)
    db.session.flush()
    topic = forum_service.create_topic(
        category, member, "Thanks and unread", "A first post worth thanking."
    )
    db.session.commit()
    return f"/t/{topic.id}/{topic.slug}"


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_thanks_withdraw_who_thanked_and_unread(app, open_visit, topic_path, width):
    found = []
    tomasz = signed_in(app, open_visit, "tomasz")
    tomasz.goto(topic_path)
    page = tomasz.page
    page.get_by_role("button", name="Thanks for post #1").click()
    page.wait_for_load_state()
    assert page.get_by_text("Thanked by 1 member").is_visible()
    assert page.get_by_role("button", name="Withdraw your thanks for post #1").is_visible()
    found += _clean(tomasz, "thanked, as the thanker")
    _shot(tomasz, "topic-thanked", width)
    # No list of names for anyone but the author.
    assert page.get_by_role("link", name="See who thanked post #1").count() == 0

    juniper = signed_in(app, open_visit, "juniper")
    juniper.goto(topic_path)
    assert juniper.page.get_by_text("Thanked by 1 member").is_visible()
    juniper.page.get_by_role("link", name="See who thanked post #1").click()
    juniper.page.wait_for_load_state()
    assert juniper.page.get_by_role("main").get_by_role("link", name="tomasz").is_visible()
    found += _clean(juniper, "who thanked, as the author")
    _shot(juniper, "who-thanked", width)

    # tomasz replies; juniper's header leads her to it through Unread.
    page.get_by_label("Your reply").fill("Thank you, and a reply.")
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Withdraw your thanks for post #1").click()
    page.wait_for_load_state()
    assert page.get_by_text("Thanked by 1 member").count() == 0
    assert page.get_by_role("button", name="Thanks for post #1").is_visible()

    juniper.goto("/")
    assert juniper.page.get_by_role("link", name="New posts in General").is_visible()
    found += _clean(juniper, "index with a marker")
    _shot(juniper, "index-marked", width)
    juniper.page.get_by_role("navigation", name="Topics").get_by_role("link", name="Unread").click()
    juniper.page.wait_for_load_state()
    found += _clean(juniper, "unread")
    _shot(juniper, "unread", width)
    juniper.page.get_by_role("link", name="Thanks and unread", exact=True).click()
    juniper.page.wait_for_load_state()
    assert juniper.page.get_by_text("Thank you, and a reply.").is_visible()
    juniper.goto("/unread")
    assert juniper.page.get_by_text("Nothing new").is_visible()

    visitor = open_visit()
    visitor.goto("/")
    visitor.page.get_by_role("navigation", name="Topics").get_by_role("link", name="Latest").click()
    visitor.page.wait_for_load_state()
    assert visitor.page.get_by_role("link", name="Thanks and unread", exact=True).is_visible()
    assert visitor.page.get_by_role("link", name="Unread", exact=True).count() == 0
    found += _clean(visitor, "latest, visitor")
    _shot(visitor, "latest", width)
    assert visitor.context.cookies() == []
    assert not found, "\n".join(found)
