"""Moderation end to end in a real browser, on a phone and a desktop: a member reports a
post, a moderator signed in by a mailed link hides it from the queue, locks the topic and
suspends the poster, then (with the agreement) reveals the address it was written from;
a visitor no longer sees the post. axe checks every staff page on the way."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Category, ModerationLog, RevealLog, utcnow
from forum.services import forum as forum_service
from forum.services.members import create_user
from tests.browser.helpers import WIDTHS, sign_in_by_mail

pytestmark = pytest.mark.browser

SPAM = "Cheap watches at spam.example, today only!"


@pytest.fixture
def forum_with_spam(app, mailbox):
    now = utcnow()
    reader = create_user("rhea", "rhea@example.org")
    spammer = create_user("spamalot", "spamalot@example.org")
    create_user("mod_mona", "mona@example.org", role="moderator")
    for user in (reader, spammer):
        user.confirmed_at = now
    category = Category(name="General", slug="general", position=1)
    db.session.add(category)
    db.session.flush()
    topic = forum_service.create_topic(category, reader, "Favourite teas", "Mine is sencha.")
    forum_service.reply(topic, spammer, SPAM, ip="198.51.100.66")
    db.session.commit()
    return topic.id


@pytest.fixture
def live_server(forum_with_spam, live_server):
    return live_server


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_report_hide_lock_suspend_and_reveal(mailbox, forum_with_spam, visit, open_visit, width):
    topic_path = f"/t/{forum_with_spam}/favourite-teas"
    problems = []

    def axe(v, name, url=None):
        # A click's navigation may not have begun when click() returns: axe run then would
        # check the page before, or fail on a document being replaced. Wait for the page.
        if url:
            expect(v.page).to_have_url(re.compile(url))
        v.page.wait_for_load_state()
        results = Axe().run(v.page)
        if results.violations_count:
            problems.append(f"--- {name} at {width} px:\n{results.generate_report()}")

    member = open_visit(refuse_cookies=False)
    sign_in_by_mail(member, mailbox, "rhea@example.org", 1)
    member.goto(topic_path)
    member.page.get_by_role("link", name="Report post #2").click()
    axe(member, "report form", r"/p/\d+/report$")
    member.page.get_by_label("What is wrong with this post?").fill("Advertising, not tea.")
    member.page.get_by_role("button", name="Send the report").click()
    # The topic page has the picture field's status line too: the flash is the one with text.
    flash = member.page.get_by_role("status").filter(has_text="the moderators will look")
    expect(flash).to_be_visible()

    mod = open_visit(refuse_cookies=False)
    page = mod.page
    sign_in_by_mail(mod, mailbox, "mona@example.org", 2)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Staff").click()
    axe(mod, "staff desk", r"/staff$")
    page.get_by_role("link", name="Moderation queue").click()
    expect(page.locator(".report")).to_contain_text("Advertising, not tea.")
    axe(mod, "queue", r"/staff/reports")
    page.get_by_label("Hide the post").check()
    page.get_by_label("Reason (for the log; a hidden post's author is told it)").fill("Spam")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_role("status")).to_contain_text("moderation log")
    expect(page.get_by_text("Nothing waits")).to_be_visible()

    mod.goto(topic_path)
    page.get_by_role("link", name="Moderate topic").click()
    axe(mod, "topic moderation", r"/staff/topics/\d+")
    page.get_by_label("Why lock it (told to the author, kept in the log)").fill("Off the rails")
    page.get_by_role("button", name="Lock", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("locked a topic")

    mod.goto(topic_path)
    page.get_by_role("link", name="Moderate post #2").click()
    expect(page.locator(".stored")).not_to_contain_text("198.51.100.66")
    axe(mod, "post moderation", r"/staff/posts/\d+")
    page.get_by_role("link", name="spamalot").first.click()
    axe(mod, "member", r"/staff/members/spamalot")
    page.get_by_label("For how many days").fill("7")
    page.get_by_label("Reason (the member is shown it)").fill("Advertising")
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_role("status")).to_contain_text("spamalot is suspended")

    # The address behind the post: only after the agreement, with a reason, logged.
    mod.goto("/staff/agreement")
    axe(mod, "agreement")
    page.get_by_label("I have read this agreement and I accept it").check()
    page.get_by_role("button", name="Accept").click()
    mod.goto(topic_path)
    page.get_by_role("link", name="Moderate post #2").click()
    page.get_by_role("link", name="Reveal the IP address").click()
    axe(mod, "reveal form", r"/staff/reveal")
    page.get_by_label("Why do you need to see it?").fill("Is this the same spammer as last week?")
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator(".revealed")).to_contain_text("198.51.100.66")
    axe(mod, "revealed")
    mod.goto("/staff/log")
    expect(page.locator(".log")).to_contain_text("hid a post")
    expect(page.locator(".log")).to_contain_text("suspended a member")
    axe(mod, "log")

    visit.goto(topic_path)
    expect(visit.page.locator("main")).not_to_contain_text(SPAM)
    expect(visit.page.locator("main")).to_contain_text("locked")
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(ModerationLog.id))) == 3
    assert db.session.scalar(db.select(db.func.count(RevealLog.id))) == 1
    assert not problems, "\n".join(problems)
