"""A member writes in a real browser: previews a topic, starts it, previews and posts a
reply, edits a post with a preview, and comes back to find what is new since their last
visit. On a phone with JavaScript off (nothing needs it), and on a desktop with it on, where
Ctrl+Enter sends a reply."""

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Topic, User
from forum.services import forum as forum_service
from tests.browser.helpers import WIDTHS, signed_in

pytestmark = pytest.mark.browser

TITLE = "Seedlings that stretch toward the window"
LONG_LINE = "temperature: 18 C; " + "a line far longer than any screen is wide, " * 3
BODY = f"""\
My seedlings grow **tall and thin**. What helps?

> Turn the pots every day.

```
light: 14h
{LONG_LINE}
```
"""


def _posts(page):
    return page.locator("article.post")


# A phone without JavaScript, a desktop with it.
CASES = list(zip(WIDTHS, [False, True], strict=True))


@pytest.mark.parametrize(("width", "script"), CASES, ids=["no-js", "js"], indirect=["width"])
def test_preview_post_edit_and_find_what_is_new(
    app, category, member, other_member, open_visit, width, script
):
    v = signed_in(app, open_visit, "juniper", java_script_enabled=script)
    page = v.page

    # 1. A new topic, previewed first: rendered above the form, nothing saved.
    v.goto("/c/general")
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Message").fill(BODY)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview")
    expect(preview.get_by_role("heading")).to_contain_text("Preview")
    expect(preview.locator("strong")).to_have_text("tall and thin")
    expect(preview.locator("blockquote")).to_contain_text("Turn the pots")
    # The long code line scrolls inside its block (the fixture checks the page does not).
    assert preview.locator("pre").evaluate("e => e.scrollWidth > e.clientWidth")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    expect(page.get_by_label("Message")).to_have_value(BODY)
    page.get_by_text("Formatting help").click()
    expect(page.locator(".formatting-table")).to_be_visible()
    assert db.session.scalar(db.select(db.func.count()).select_from(Topic)) == 0
    db.session.remove()

    page.get_by_role("button", name="Start topic").click()
    page.wait_for_url(re.compile(r"/t/\d+/seedlings-that-stretch-toward-the-window$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(_posts(page)).to_have_count(1)
    topic_url = page.url

    # 2. A reply, previewed, then posted.
    page.get_by_label("Your reply").fill("Update: *turning* them helped.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview em")).to_have_text("turning")
    expect(_posts(page)).to_have_count(1)
    if script:
        page.get_by_label("Your reply").press("Control+Enter")
    else:
        page.get_by_role("button", name="Post reply").click()
    page.wait_for_url(re.compile(r"#p\d+$"))
    expect(_posts(page)).to_have_count(2)

    # 3. Edit the first post, preview the change, save it.
    _posts(page).first.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your post")
    edited = "My seedlings grow **short and sturdy** now."
    page.get_by_label("Post", exact=True).fill(edited)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview strong")).to_have_text("short and sturdy")
    expect(page.get_by_label("Post", exact=True)).to_have_value(edited)
    page.get_by_role("button", name="Save changes").click()
    # The topic page has the picture field's status line too: the flash is the one with text.
    expect(page.get_by_role("status").filter(has_text="Your post was saved.")).to_have_text(
        "Your post was saved."
    )
    expect(_posts(page).first.locator("strong")).to_have_text("short and sturdy")
    expect(_posts(page).first.locator(".post-head")).to_contain_text("edited")

    # 4. Someone else replies while the member is away; the category and the topic say so.
    topic = db.session.scalar(db.select(Topic))
    other = db.session.scalar(db.select(User).where(User.username == "tomasz"))
    forum_service.reply(topic, other, "Try a fan, too.")
    db.session.commit()
    db.session.remove()
    v.goto("/c/general")
    new = page.get_by_role("link", name=f"New posts in {TITLE}")
    expect(new).to_be_visible()
    new.click()
    page.wait_for_url(topic_url + "#new")
    marker = page.locator("#new")
    expect(marker).to_have_text("New since your last visit")
    expect(marker).to_be_in_viewport()
    expect(_posts(page).last).to_contain_text("Try a fan, too.")
    page.reload()
    expect(page.locator("#new")).to_have_count(0)
    assert v.page_errors == [] and v.csp_errors() == []
