"""The topic moderation page in a real browser: Enter in a reason field does what that
form says, never the destructive action of another form (issue 19, bug 2)."""

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Topic
from tests.browser.helpers import signed_in

pytestmark = pytest.mark.browser


@pytest.fixture
def topic_id(topic, moderator):
    return topic.id


def test_enter_in_the_lock_reason_locks_and_hides_nothing(app, topic_id, open_visit):
    mod = signed_in(app, open_visit, "moss")
    mod.goto(f"/staff/topics/{topic_id}")
    page = mod.page
    expect(page.get_by_label("Move to")).to_have_value("")
    reason = page.get_by_label("Why lock it (told to the author, kept in the log)")
    reason.fill("Going in circles")
    reason.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("You locked a topic.")
    db.session.expire_all()
    topic = db.session.get(Topic, topic_id)
    assert topic.locked and not topic.hidden and not topic.pinned
    # Enter in the move form with the list untouched moves nothing: no category is chosen.
    page.get_by_label("Why move it (told to the author, kept in the log)").fill("Wrong place")
    page.get_by_label("Why move it (told to the author, kept in the log)").press("Enter")
    assert page.get_by_label("Move to").evaluate("select => select.validity.valueMissing")
    db.session.expire_all()
    assert db.session.get(Topic, topic_id).category_id == topic.category_id
