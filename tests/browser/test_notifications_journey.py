"""Notifications in a real browser, on a phone and a desktop (issue 17): ada starts a topic;
bert replies quoting ada and mentioning cleo; ada and cleo see the count in the header and
their notifications, follow them to the post, and the counts drop; bert watches a category,
ada starts a topic there, bert is told; ada turns on mail for replies, bert replies again,
and one mail arrives over real SMTP naming the topic, without the text, with a one-click
unsubscribe that works without a session. axe checks each page on the way."""

import re
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Category, User, utcnow
from forum.services.members import create_user
from tests.browser.helpers import WIDTHS, signed_in, wait_for_mail

pytestmark = pytest.mark.browser

SECRET = "The words only the forum shows"


@pytest.fixture
def seeded(app, mailbox):
    for name in ("ada", "bert", "cleo"):
        create_user(name, f"{name}@example.org").confirmed_at = utcnow()
    db.session.add_all(
        [
            Category(name="General", slug="general", position=1),
            Category(name="Ideas", slug="ideas", position=2),
        ]
    )
    db.session.commit()


@pytest.fixture
def live_server(seeded, live_server):
    return live_server


def _count(v):
    return v.page.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Notifications"
    )


def _start_topic(v, slug, title, body):
    v.goto(f"/c/{slug}/new")
    v.page.get_by_label("Title").fill(title)
    v.page.get_by_label("Message").fill(body)
    v.page.get_by_role("button", name="Start topic").click()
    expect(v.page.get_by_role("heading", level=1)).to_have_text(title)


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_notifications_journey(app, mailbox, seeded, open_visit, width):
    problems = []

    def axe(v, name):
        results = Axe().run(v.page)
        if results.violations_count:
            problems.append(f"--- {name} at {width} px:\n{results.generate_report()}")

    ada = signed_in(app, open_visit, "ada")
    _start_topic(ada, "general", "Tea or coffee", "Tea, surely.")
    topic_url = ada.page.url

    # bert quotes ada (the Quote link, no script needed) and mentions cleo.
    bert = signed_in(app, open_visit, "bert")
    bert.page.goto(topic_url)
    axe(bert, "topic with Quote and Watch")
    bert.page.get_by_role("link", name="Quote post #1").click()
    box = bert.page.get_by_label("Your reply")
    expect(box).to_have_value(re.compile(r"^> \*\*@ada\*\* \[wrote\]\(/p/\d+\):\n>\n> Tea"))
    axe(bert, "quote form")
    box.fill(box.input_value() + "Coffee! What do you say, @cleo?")
    bert.page.get_by_role("button", name="Post reply").click()
    expect(bert.page.locator("article").last).to_contain_text("Coffee! What do you say")
    expect(bert.page.locator("article").last.get_by_role("link", name="@cleo")).to_be_visible()

    for who, said in (
        ("ada", "bert quoted you in “Tea or coffee”"),
        ("cleo", "bert mentioned you"),
    ):
        v = signed_in(app, open_visit, who)
        v.goto("/")
        expect(_count(v)).to_contain_text("1")
        _count(v).click()
        expect(v.page.get_by_role("heading", level=1)).to_contain_text("Notifications")
        axe(v, f"{who}'s notifications")
        v.page.get_by_role("link", name=re.compile(said)).click()
        expect(v.page.locator("article").last).to_contain_text("Coffee!")
        assert re.search(r"#p\d+$", v.page.url)
        expect(_count(v)).to_have_text("Notifications")

    # bert watches Ideas; ada starts a topic there; bert is told.
    bert.goto("/c/ideas")
    bert.page.get_by_role("button", name="Watch Ideas").click()
    expect(bert.page.get_by_role("button", name="Stop watching Ideas")).to_be_visible()
    axe(bert, "a watched category")
    _start_topic(ada, "ideas", "A reading club", "Who is in?")
    bert.goto("/notifications")
    expect(_count(bert)).to_contain_text("1")
    expect(bert.page.locator(".notifications")).to_contain_text("ada posted in “A reading club”")
    bert.goto("/account/watching")
    expect(bert.page.locator("main")).to_contain_text("Ideas")
    axe(bert, "what bert watches")

    # ada wants replies by mail, at once; bert replies again; one mail comes.
    ada.goto("/notifications")
    ada.page.get_by_role("group", name="Replies to your topics").get_by_label("At once").check()
    ada.page.get_by_role("button", name="Save").click()
    expect(ada.page.get_by_role("status")).to_contain_text("Saved.")
    bert.page.goto(topic_url)
    bert.page.get_by_label("Your reply").fill(SECRET)
    bert.page.get_by_role("button", name="Post reply").click()
    expect(bert.page.locator("article").last).to_contain_text(SECRET)
    message = wait_for_mail(mailbox, 1)
    assert message["To"] == "ada@example.org"
    assert "“Tea or coffee”" in str(message["Subject"])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert SECRET not in text and SECRET not in html and "bert" in text
    assert " ".join(str(message["List-Unsubscribe-Post"]).split()) == "List-Unsubscribe=One-Click"
    url = " ".join(str(message["List-Unsubscribe"]).split())[1:-1]
    assert url.startswith(ada.base_url + "/unsubscribe/")

    # The mail provider's one-click POST: no cookie, no form token, no Origin.
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and "Set-Cookie" not in response.headers
    db.session.expire_all()
    assert db.session.scalar(db.select(User.mail_replies).where(User.username == "ada")) == "never"
    db.session.remove()
    # The page a person opens from the mail says what it does, and takes no session either.
    page = open_visit()
    page.page.goto(url)
    expect(page.page.get_by_role("heading", level=1)).to_have_text("Stop notification emails")
    axe(page, "unsubscribe page")
    for v in (ada, bert, page):
        assert not v.csp_errors() and not v.page_errors, (v.csp_errors(), v.page_errors)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_quoting_a_selection_with_the_script(app, seeded, open_visit, width):
    """With the script, selecting words of a post and pressing Quote puts just those words,
    attributed and linked, into the reply box on the page (under the strict CSP)."""
    ada = signed_in(app, open_visit, "ada")
    _start_topic(ada, "general", "Long thoughts", "First sentence here. Second sentence there.")
    bert = signed_in(app, open_visit, "bert")
    bert.page.goto(ada.page.url)
    prose = bert.page.locator("article .prose p").first
    prose.evaluate(
        """(p) => {
            const text = p.firstChild, start = text.data.indexOf("Second");
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, text.data.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )
    bert.page.get_by_role("link", name="Quote post #1").click()
    box = bert.page.get_by_label("Your reply")
    expect(box).to_have_value(
        re.compile(r"^> \*\*@ada\*\* \[wrote\]\(/p/\d+\):\n>\n> Second sentence there\.\n")
    )
    assert "/quote" not in bert.page.url
    assert not bert.csp_errors() and not bert.page_errors
