"""Moderation that tells people, in a real browser on a phone and a desktop: a moderator
hides a post and suspends its author, who finds both notices with their reasons and dates;
the moderator writes to a member, who receives the mail over real SMTP while no staff page
ever showed the address; an admin removes the spammer after a confirmation page that listed
everything that went; a member cannot start a topic where only staff may. axe checks each
page on the way."""

import io

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image as Pillow
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Category, User, utcnow
from forum.services import forum as forum_service
from forum.services import images
from forum.services.members import create_user
from tests.browser.helpers import WIDTHS, signed_in, wait_for_mail

pytestmark = pytest.mark.browser

SPAM = "Cheap watches at spam.example, today only!"


@pytest.fixture
def seeded(app, mailbox):
    now = utcnow()
    reader = create_user("rhea", "rhea@example.org")
    spammer = create_user("spamalot", "spamalot@example.org")
    create_user("mod_mona", "mona@example.org", role="moderator")
    create_user("ada", "ada@example.org", role="admin")
    for user in (reader, spammer):
        user.confirmed_at = now
    general = Category(name="General", slug="general", position=1)
    news = Category(name="News", slug="news", position=2, topic_starters="staff")
    db.session.add_all([general, news])
    db.session.flush()
    topic = forum_service.create_topic(general, reader, "Favourite teas", "Mine is sencha.")
    spam = forum_service.reply(topic, spammer, SPAM)
    db.session.commit()
    buf = io.BytesIO()
    Pillow.new("RGB", (60, 40), (250, 0, 0)).save(buf, "PNG")
    _, picture = images.upload(spammer, buf.getvalue(), "a watch advert")
    forum_service.create_topic(general, spammer, "Watches for sale", f"Look {picture}")
    db.session.commit()
    return spam.id


@pytest.fixture
def live_server(seeded, live_server):
    return live_server


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_moderation_tells_the_member(app, mailbox, seeded, open_visit, width):
    problems, seen_by_staff = [], []

    def axe(v, name):
        results = Axe().run(v.page)
        if results.violations_count:
            problems.append(f"--- {name} at {width} px:\n{results.generate_report()}")

    def staff_saw(v):
        seen_by_staff.append(v.page.content())

    mod = signed_in(app, open_visit, "mod_mona")
    page = mod.page
    mod.goto(f"/staff/posts/{seeded}")
    axe(mod, "post moderation")
    page.get_by_label("Why hide it (told to the author, kept in the log)").fill("Advertising")
    page.get_by_role("button", name="Hide the post").click()
    expect(page.get_by_role("status")).to_contain_text("The post is hidden.")
    staff_saw(mod)
    mod.goto("/staff/members/spamalot")
    page.get_by_label("For how many days").fill("7")
    page.get_by_label("Reason (the member is shown it)").fill("Selling watches")
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_role("status")).to_contain_text("spamalot is suspended")
    expect(page.locator(".stored")).to_contain_text("in 6 days")
    staff_saw(mod)
    db.session.expire_all()
    until = db.session.scalar(db.select(User.suspended_until).where(User.username == "spamalot"))

    author = signed_in(app, open_visit, "spamalot")
    author.goto("/")
    header = author.page.get_by_role("navigation", name="Account")
    expect(header.get_by_role("link", name="Notifications")).to_contain_text("2")
    header.get_by_role("link", name="Account").click()
    notices = author.page.locator(".notices")
    expect(notices).to_contain_text("hidden by the moderators. Reason: Advertising")
    expect(notices).to_contain_text(f"until {until:%Y-%m-%d %H:%M} UTC")
    expect(notices).to_contain_text("Reason: Selling watches")
    expect(author.page.locator(".flagged")).to_contain_text("in 6 days")
    axe(author, "account with notices")
    author.page.get_by_role("button", name="Mark as read").click()
    expect(header.get_by_role("link", name="Notifications")).to_have_text("Notifications")

    mod.goto("/staff/members/rhea")
    axe(mod, "member page")
    page.get_by_label("Message").fill("Thank you for reporting spam so quickly.")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("status")).to_contain_text("Your message to rhea is on its way")
    staff_saw(mod)
    mod.goto("/staff/log")
    expect(page.locator(".log")).to_contain_text("wrote to a member")
    staff_saw(mod)
    message = wait_for_mail(mailbox, 1)
    assert message["To"] == "rhea@example.org"
    assert "Thank you for reporting spam" in message.get_body(("plain",)).get_content()
    assert not any("rhea@example.org" in html for html in seen_by_staff)

    admin = signed_in(app, open_visit, "ada")
    admin.goto("/staff/members/spamalot")
    admin.page.get_by_role("link", name="Remove this spammer…").click()
    listed = admin.page.locator(".will-go")
    expect(listed).to_contain_text("The account spamalot")
    expect(listed).to_contain_text("The topic “Watches for sale”, 1 post")
    expect(listed).to_contain_text("1 post in topics others started")
    expect(listed).to_contain_text("1 picture")
    axe(admin, "remove a spammer: confirmation")
    admin.page.get_by_label("Delete it (admins only; it cannot be undone)").check()
    admin.page.get_by_label("Reason (kept in the log with each step)").fill("Spam account")
    admin.page.get_by_role("button", name="Remove everything listed").click()
    expect(admin.page.get_by_role("status")).to_contain_text(
        "Removed: 1 topic, 1 post in other topics and 1 picture; the account is deleted."
    )
    admin.goto("/staff/log")
    for step in ("deleted a topic", "deleted a post", "deleted pictures", "deleted an account"):
        expect(admin.page.locator(".log")).to_contain_text(step)
    axe(admin, "moderation log after a removal")
    admin.goto("/t/1/favourite-teas")
    expect(admin.page.locator("main")).to_contain_text("Deleted by a moderator")
    expect(admin.page.locator("main")).not_to_contain_text("Cheap watches")
    assert admin.goto("/u/spamalot").status == 404

    reader = signed_in(app, open_visit, "rhea")
    reader.goto("/c/news")
    expect(reader.page.locator("main")).to_contain_text("Only staff start topics here")
    response = reader.goto("/c/news/new")
    assert response.status == 403
    axe(reader, "403 for a staff-only category")
    assert not problems, "\n".join(problems)
