"""A member, signed in by a mailed link in a real browser, writes, downloads their data,
and deletes their account by a second mailed link; then the database knows them nowhere."""

import json
import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import User
from tests.browser.helpers import WIDTHS, wait_for_mail
from tests.browser.test_accounts_journey import (
    CATEGORY,
    CATEGORY_PATH,
    MEMBER_EMAIL,
    account_nav,
    assert_signed_in,
    assert_signed_out,
    link_in,
    press_sign_in,
)
from tests.helpers import dump_database

pytestmark = pytest.mark.browser

SIGNUP_IP = "198.51.100.77"
TITLE = "Orchids on a north window"
BODY = "They flower in **March**, if you let them rest in winter."


@pytest.fixture
def live_server(mailbox, live_server):
    return live_server


@pytest.fixture
def known_member(member):
    """The `member` fixture, registered from a distinctive network address."""
    db.session.execute(db.update(User).values(signup_ip=SIGNUP_IP))
    db.session.commit()
    return MEMBER_EMAIL


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_export_then_delete_the_account(category, known_member, mailbox, open_visit):
    v = open_visit(refuse_cookies=False)
    page = v.page

    # 1. Sign in by the mailed link.
    v.goto("/signin")
    page.get_by_label("Email address", exact=True).fill(known_member)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url(v.base_url + "/signin/sent")
    press_sign_in(v, link_in(wait_for_mail(mailbox, 1), v.base_url))
    assert_signed_in(v, "juniper")

    # 2. Write a topic.
    v.goto(CATEGORY_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(CATEGORY)
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Message").fill(BODY)
    page.get_by_role("button", name="Start topic").click()
    page.wait_for_url(re.compile(re.escape(v.base_url) + r"/t/\d+/orchids-on-a-north-window$"))
    topic_url = page.url

    # 3. Download the data from the account page: a JSON file holding the post.
    account_nav(page).get_by_role("link", name="Account").click()
    page.get_by_role("link", name="Download your data, or delete your account").click()
    page.wait_for_url(v.base_url + "/account/data")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download my data").click()
    with open(info.value.path(), encoding="utf-8") as file:
        data = json.load(file)
    assert data["profile"]["email"] == MEMBER_EMAIL
    assert [(p["topic_title"], p["body"]) for p in data["posts"]] == [(TITLE, BODY)]
    assert data["sign_in_history"][0]["ip"] == "127.0.0.1"

    # 4. Ask for deletion, erasing the posts: a link comes by mail; following it deletes.
    page.get_by_label("Erase my posts").check()
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(v.base_url + "/account/data")
    expect(page.get_by_role("status")).to_contain_text("We sent a link to your address")
    message = wait_for_mail(mailbox, 2)
    assert message["To"] == MEMBER_EMAIL and "deletion" in message["Subject"]
    page.goto(link_in(message, v.base_url))
    button = page.get_by_role("main").get_by_role("button")  # the header has "Sign out"
    expect(button).to_have_count(1)
    expect(button).to_have_accessible_name("Delete my account")
    button.click()
    page.wait_for_url(v.base_url + "/account/deleted")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is deleted")
    assert_signed_out(v)
    assert page.goto(topic_url).status == 404  # erased with its only post
    expect(page.get_by_role("heading", level=1)).not_to_have_text(TITLE)

    # 5. The database, dumped whole, knows nothing of them.
    dump = dump_database()
    assert "General" in dump  # the dump does see what is there
    for needle in (MEMBER_EMAIL, "juniper", SIGNUP_IP, "127.0.0.1", TITLE, BODY):
        assert needle not in dump, f"{needle!r} is still in the database"
    assert v.page_errors == []
    # The one error the console saw is the erased topic's 404, asked for on purpose above.
    assert [e for e in v.console_errors if "404" not in e] == [], v.console_errors
    assert len(v.console_errors) == 1
