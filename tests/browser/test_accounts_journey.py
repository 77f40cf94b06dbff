"""A person registers, writes, signs out and signs in again, in a real browser, with the
sign-in links coming through a real SMTP server; a browser that refuses cookies is told
why it cannot sign in; and axe checks every accounts page, errors included."""

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import request
from playwright.sync_api import expect

from tests.browser.helpers import WIDTHS, wait_for_mail

pytestmark = pytest.mark.browser

TOPIC_TITLE = "Notes from a new member"
TOPIC_BODY = """\
Hello from **ada**, with a list:

- first point
- second point

> A quote with `inline code`.
"""
REPLY_BODY = "And a reply, with *emphasis*."
# What the `category` and `member` fixtures make (their objects are detached by the time
# the test body runs, after the live server's start closed the session).
CATEGORY, CATEGORY_PATH = "General", "/c/general"
MEMBER_EMAIL = "juniper@example.org"


@pytest.fixture
def live_server(mailbox, live_server):
    """The harness's live server, sending its mail to `mailbox`."""
    return live_server


@pytest.fixture
def posts_received(app):
    """(path, Sec-Fetch-Site, status) of every POST the live server answers."""
    received = []

    @app.after_request
    def record(response):
        if request.method == "POST":
            site = request.headers.get("Sec-Fetch-Site")
            received.append((request.path, site, response.status_code))
        return response

    return received


def link_in(message, base_url: str) -> str:
    """The one sign-in link in the text part; it points at the live server."""
    text = message.get_body(("plain",)).get_content()
    links = re.findall(re.escape(base_url) + r"/signin/[A-Za-z0-9_-]{43,}", text)
    assert len(links) == 1, text
    return links[0]


def account_nav(page):
    return page.get_by_role("navigation", name="Account")


def press_sign_in(v, link: str) -> None:
    """Follow a mailed link: a page with one button, which signs in."""
    v.page.goto(link)
    buttons = v.page.get_by_role("main").get_by_role("button")
    expect(buttons).to_have_count(1)
    expect(buttons).to_have_accessible_name("Sign in")
    buttons.click()


def assert_signed_in(v, username: str) -> None:
    page = v.page
    page.wait_for_url(v.base_url + "/")
    expect(account_nav(page).get_by_role("link", name=username, exact=True)).to_be_visible()
    expect(account_nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Signed in as {username}.")
    cookies = v.context.cookies()
    assert [c["name"] for c in cookies] == ["session"], cookies
    (cookie,) = cookies
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax", cookie
    assert cookie["domain"] == "127.0.0.1" and cookie["path"] == "/", cookie
    assert cookie["expires"] > time.time() + 86400, "the session cookie should outlive a day"


def assert_signed_out(v) -> None:
    nav = account_nav(v.page)
    expect(nav.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)
    assert v.context.cookies() == []


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_register_write_sign_out_and_sign_in_again(category, mailbox, posts_received, open_visit):
    v = open_visit(refuse_cookies=False)
    page = v.page

    # 1. Register from the header link: two fields, the announcements box left unticked.
    v.goto("/")
    account_nav(page).get_by_role("link", name="Register").click()
    page.wait_for_url(v.base_url + "/register")
    page.get_by_label("Username", exact=True).fill("ada")
    page.get_by_label("Email address", exact=True).fill("ada@example.org")
    expect(page.get_by_label("Email me announcements")).not_to_be_checked()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(v.base_url + "/signin/sent?welcome=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert v.context.cookies() == []

    # 2. The welcome mail arrives at the SMTP server, with a link to this server.
    welcome = wait_for_mail(mailbox, 1)
    assert welcome["To"] == "ada@example.org" and "confirm" in welcome["Subject"]
    first_link = link_in(welcome, v.base_url)

    # 3. The link shows one button; pressing it signs in, with one cookie.
    press_sign_in(v, first_link)
    assert_signed_in(v, "ada")
    account_nav(page).get_by_role("link", name="Account").click()
    expect(page.locator("dt", has_text="Announcements by email").locator("+ dd")).to_have_text("No")

    # 4. Start a topic in a category, see the Markdown rendered, and reply to it.
    page.locator("a.brand").click()
    page.get_by_role("link", name=CATEGORY, exact=True).click()
    page.wait_for_url(v.base_url + CATEGORY_PATH)
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Title").fill(TOPIC_TITLE)
    page.get_by_label("Message").fill(TOPIC_BODY)
    page.get_by_role("button", name="Start topic").click()
    page.wait_for_url(re.compile(re.escape(v.base_url) + r"/t/\d+/notes-from-a-new-member$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPIC_TITLE)
    first = page.locator("article.post").first.locator(".prose")
    expect(first.locator("strong")).to_have_text("ada")
    expect(first.locator("ul > li")).to_have_text(["first point", "second point"])
    expect(first.locator("blockquote code")).to_have_text("inline code")
    expect(first).not_to_contain_text("**")

    page.get_by_label("Your reply").fill(REPLY_BODY)
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_url(re.compile(r"/t/\d+/notes-from-a-new-member#p\d+$"))
    posts = page.locator("article.post")
    expect(posts).to_have_count(2)
    expect(posts.nth(1).locator(".prose em")).to_have_text("emphasis")
    expect(posts.nth(1).locator(".post-author")).to_have_text("ada")
    expect(page.locator(".topic-meta")).to_contain_text("2 posts")

    # 5. Sign out with the header's button: the cookie is gone.
    account_nav(page).get_by_role("button", name="Sign out").click()
    page.wait_for_url(v.base_url + "/")
    assert_signed_out(v)

    # 6. Sign in again by email.
    account_nav(page).get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url(v.base_url + "/signin")
    page.get_by_label("Email address", exact=True).fill("ada@example.org")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url(v.base_url + "/signin/sent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert v.context.cookies() == []
    second = wait_for_mail(mailbox, 2)
    assert second["To"] == "ada@example.org" and "sign-in link" in second["Subject"]
    second_link = link_in(second, v.base_url)
    assert second_link != first_link
    press_sign_in(v, second_link)
    assert_signed_in(v, "ada")

    # Every form went through as Chromium sends it: same-origin, no error on the way.
    paths = [path for path, _, _ in posts_received]
    assert paths == [
        "/register",
        first_link.removeprefix(v.base_url),
        CATEGORY_PATH + "/new",
        paths[3],
        "/signout",
        "/signin",
        second_link.removeprefix(v.base_url),
    ]
    assert re.fullmatch(r"/t/\d+/reply", paths[3])
    assert {site for _, site, _ in posts_received} == {"same-origin"}
    assert all(status in (302, 303) for _, _, status in posts_received), posts_received
    assert v.page_errors == [] and v.console_errors == []
    assert len(mailbox.messages) == 2


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_a_browser_that_refuses_cookies_is_told_why(
    member, category, mailbox, posts_received, visit
):
    page = visit.page
    # The sign-in form itself works without cookies.
    visit.goto("/signin")
    page.get_by_label("Email address", exact=True).fill(MEMBER_EMAIL)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url(visit.base_url + "/signin/sent")
    link = link_in(wait_for_mail(mailbox, 1), visit.base_url)

    press_sign_in(visit, link)
    page.wait_for_url(visit.base_url + "/signin/done")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing in needs one cookie")
    assert visit.context.cookies() == []
    assert len(visit.refused_cookies) == 1, visit.refused_cookies
    assert "session=" in visit.refused_cookies[0]
    assert_signed_out(visit)

    page.get_by_role("link", name="Go on reading").click()
    page.wait_for_url(visit.base_url + "/")
    page.get_by_role("link", name=CATEGORY, exact=True).click()
    page.wait_for_url(visit.base_url + CATEGORY_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(CATEGORY)
    assert len(visit.refused_cookies) == 1
    assert visit.page_errors == []
    # This context's requests are replayed without Sec-Fetch-* headers, as by a browser that
    # sends none: both forms passed on their Origin (or signed token) instead.
    assert [(path.split("/")[1], site, status) for path, site, status in posts_received] == [
        ("signin", None, 303),
        ("signin", None, 303),
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_accounts_pages(category, mailbox, open_visit, scheme):
    v = open_visit(refuse_cookies=False, color_scheme=scheme)
    page = v.page
    reports = []

    def check(name: str, visit=v) -> None:
        results = Axe().run(visit.page)
        if results.violations_count:
            reports.append(f"--- {name} ({visit.page.url}), {scheme}:\n{results.generate_report()}")

    v.goto("/register")
    check("register")
    page.get_by_label("Username", exact=True).fill("no good!")
    page.get_by_label("Email address", exact=True).fill("ada@example.org")
    page.get_by_role("button", name="Create account").click()
    username = page.get_by_label("Username", exact=True)
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#username-error")).to_contain_text("A username is 3 to 32 characters")
    check("register with errors")

    username.fill("ada")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(v.base_url + "/signin/sent?welcome=1")
    check("check your email (welcome)")

    page.goto(link_in(wait_for_mail(mailbox, 1), v.base_url))
    check("link page")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(v.base_url + "/")
    check("index, signed in, with the flash")
    v.goto("/account")
    check("account")

    account_nav(page).get_by_role("button", name="Sign out").click()
    page.wait_for_url(v.base_url + "/")
    v.goto("/signin")
    check("signin")
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_label("Email address", exact=True)).to_have_attribute("aria-invalid", "true")
    check("signin with errors")
    page.get_by_label("Email address", exact=True).fill("ada@example.org")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.wait_for_url(v.base_url + "/signin/sent")
    check("check your email")

    refusing = open_visit(color_scheme=scheme)
    refusing.page.goto(link_in(wait_for_mail(mailbox, 2), v.base_url))
    refusing.page.get_by_role("button", name="Sign in").click()
    refusing.page.wait_for_url(v.base_url + "/signin/done")
    expect(refusing.page.get_by_role("heading", level=1)).to_have_text(
        "Signing in needs one cookie"
    )
    check("needs a cookie", refusing)

    assert not reports, "\n".join(reports)
