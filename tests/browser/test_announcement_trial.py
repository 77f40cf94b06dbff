"""An admin previews an announcement as the mail members would get, then sends it to
themselves alone (real SMTP) before publishing: on a phone and a desktop, axe clean."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Announcement, utcnow
from forum.services.members import create_user
from tests.browser.helpers import WIDTHS, signed_in, wait_for_mail

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(app, mailbox, live_server):
    ada = create_user("ada", "ada@example.org", role="admin")
    ada.confirmed_at = utcnow()
    db.session.commit()
    return live_server


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_preview_the_mail_then_send_a_test_to_me(app, mailbox, live_server, open_visit, width):
    v = signed_in(app, open_visit, "ada")
    page = v.page
    v.goto("/staff/announcements")
    page.get_by_label("Title").fill("Pictures have arrived")
    page.get_by_label("Text (Markdown)").fill("You can now **upload pictures**.")
    page.get_by_role("button", name="Preview the mail").click()
    preview = page.locator(".preview")
    expect(preview.locator(".mail-html strong")).to_have_text("upload pictures")
    expect(preview.locator("pre")).to_contain_text("You can now **upload pictures**.")
    expect(preview).to_contain_text("Unsubscribe from announcements")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    # The form kept what was typed: a test goes to the admin alone.
    page.get_by_role("button", name="Send a test to me").click()
    expect(page.get_by_role("status")).to_contain_text("your own address only")
    message = wait_for_mail(mailbox, 1)
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "[Test] Pictures have arrived"
    assert db.session.scalar(db.select(db.func.count()).select_from(Announcement)) == 0
