"""The support desk end to end in a real browser: a visitor who refuses cookies asks, an
admin signed in by a mailed link finds the request, answers it by real SMTP and publishes
an edited version; the public page shows question and answer and nothing about the sender.
axe checks every support page, the staff's included."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from forum.extensions import db
from forum.services.members import create_user
from tests.browser.helpers import WIDTHS, sign_in_by_mail, wait_for_mail

pytestmark = pytest.mark.browser

SENDER = "worried.visitor@example.org"
ADMIN = "desk.admin@example.org"
SUBJECT = "My sign-in link expired"
MESSAGE = "Hi, this is Jane Roe from Springfield. My link expired before I could use it."


@pytest.fixture
def admin(app):
    create_user("ada_staff", ADMIN, role="admin")
    db.session.commit()


@pytest.fixture
def live_server(mailbox, admin, live_server):
    """The harness's live server, with an admin, sending its mail to `mailbox`."""
    return live_server


def sign_in_admin(v, mailbox, count: int) -> None:
    """Sign the admin in through the sign-in form and the mailed link."""
    sign_in_by_mail(v, mailbox, ADMIN, count)


def send_request(visit) -> str:
    """A visitor who refuses cookies sends a request; returns its reference."""
    page = visit.page
    visit.goto("/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Support").click()
    page.wait_for_url(visit.base_url + "/support")
    expect(page.get_by_text("Staff may publish your request to help others")).to_be_visible()
    page.get_by_label("Support question").check()
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message").fill(MESSAGE)
    page.get_by_label("Email address (optional)").fill(SENDER)
    expect(page.get_by_label("Do not publish my request")).not_to_be_checked()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r"/support/sent\?ref=S-\d+&mailed=1$"))
    reference = page.locator(".reference").inner_text()
    assert visit.context.cookies() == [] and visit.refused_cookies == []
    return reference


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_a_request_becomes_a_published_answer(mailbox, visit, open_visit):
    reference = send_request(visit)
    confirmation = wait_for_mail(mailbox, 1)
    assert confirmation["To"] == SENDER and reference in confirmation["Subject"]

    staff = open_visit(refuse_cookies=False)
    page = staff.page
    sign_in_admin(staff, mailbox, 2)
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Support inbox").click()
    page.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    # The sender's address is hidden until the admin accepts the agreement and reveals it.
    expect(page.locator(".stored")).not_to_contain_text(SENDER)
    request_url = page.url
    page.get_by_role("link", name="accept the confidentiality agreement").first.click()
    page.get_by_label("I have read this agreement and I accept it").check()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("You accepted version 1")
    page.goto(request_url)
    page.get_by_role("link", name="Reveal the email address").click()
    page.get_by_label("Why do you need to see it?").fill("To check the reply goes to the sender")
    page.get_by_role("button", name="Reveal").click()
    expect(page.locator(".revealed")).to_contain_text(SENDER)
    page.goto(request_url)
    expect(page.locator(".stored")).not_to_contain_text(SENDER)

    page.get_by_label("Message to the sender").fill("Ask for a new link: each lasts 15 minutes.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_have_text("Your reply is on its way.")
    reply = wait_for_mail(mailbox, 3)
    assert reply["To"] == SENDER and reference in reply["Subject"]
    assert "each lasts 15 minutes" in reply.get_body(("plain",)).get_content()
    expect(page.locator(".history")).to_contain_text("Reply sent")

    page.get_by_role("link", name="Write the public version").click()
    expect(page.get_by_label("Question, as it will appear")).to_have_value(MESSAGE)
    # The answer starts from the reply already sent.
    expect(page.get_by_label("Staff answer (Markdown)")).to_have_value(
        "Ask for a new link: each lasts 15 minutes."
    )
    page.get_by_label("Public title").fill("What to do when a sign-in link expires")
    page.get_by_label("Question, as it will appear").fill(f"Expired. Write to {SENDER}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("pre.guard mark")).to_have_text(SENDER)
    expect(page.locator(".guard-hits")).to_contain_text("the sender's email address")
    page.get_by_label("Question, as it will appear").fill("My link expired before I used it.")
    page.get_by_label("Staff answer (Markdown)").fill("Ask for a **new link**.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("new link")
    expect(page.locator("main")).to_contain_text("Nothing found")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#cleared-error")).to_contain_text("I removed what identifies the sender")
    page.get_by_label("I removed what identifies the sender").check()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/support/answers/\d+-what-to-do-when-a-sign-in-link-expires$"))
    answer_url = page.url

    visit.page.goto(answer_url)
    public = visit.page.locator("main")
    expect(public).to_contain_text("My link expired before I used it.")
    expect(public.locator("strong")).to_have_text("new link")
    for secret in (SENDER, "Jane Roe", "Springfield", "127.0.0.1", "ada_staff"):
        expect(public).not_to_contain_text(secret)
    visit.goto("/support/answers")
    expect(visit.page.get_by_role("link", name="What to do when")).to_be_visible()
    assert visit.context.cookies() == []


@pytest.mark.parametrize("width", [375, 1200])
def test_axe_finds_no_violations_on_support_pages(mailbox, open_visit, tmp_path, width):
    visitor = open_visit(viewport={"width": width, "height": 900})
    reference = send_request(visitor)
    reports = []

    def check(name: str, v) -> None:
        v.page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
        results = Axe().run(v.page)
        if results.violations_count:
            reports.append(f"--- {name} ({v.page.url}):\n{results.generate_report()}")

    check("sent", visitor)
    visitor.goto("/support")
    check("support", visitor)
    visitor.page.get_by_role("button", name="Send request").click()
    expect(visitor.page.get_by_label("Subject")).to_have_attribute("aria-invalid", "true")
    check("support-errors", visitor)

    staff = open_visit(refuse_cookies=False, viewport={"width": width, "height": 900})
    sign_in_admin(staff, mailbox, 2)
    staff.goto("/staff/support")
    check("inbox", staff)
    staff.page.get_by_role("link", name=SUBJECT).click()
    expect(staff.page.locator(".stored")).to_contain_text(reference)
    check("request", staff)
    staff.page.get_by_role("link", name="Write the public version").click()
    staff.page.get_by_label("Staff answer (Markdown)").fill(f"An *answer*, {SENDER}.")
    staff.page.get_by_role("button", name="Preview").click()
    expect(staff.page.locator("pre.guard mark")).to_have_text(SENDER)
    check("publish-preview", staff)
    staff.page.get_by_label("Staff answer (Markdown)").fill("An *answer*.")
    staff.page.get_by_label("I removed what identifies the sender").check()
    staff.page.get_by_role("button", name="Publish").click()
    staff.page.wait_for_url(re.compile(r"/support/answers/\d+-"))
    visitor.page.goto(staff.page.url)
    check("answer", visitor)
    visitor.goto("/support/answers")
    check("answers", visitor)
    assert not reports, "\n".join(reports)
