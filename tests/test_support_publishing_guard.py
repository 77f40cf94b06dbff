"""The publishing guard (issue 19, item 10): before a support request is published, its
public text is checked for the sender's address and username, any address, phone numbers
and links with a query string; each hit is marked, and publishing needs the tick "I removed
what identifies the sender", refused by the server without it. The answer starts from the
reply staff already sent."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import SupportAnswer
from forum.services import ServiceError, support_desk, support_guard
from forum.services import support as support_service
from tests.helpers import csrf_token, sign_in

MESSAGE = (
    "Hi, juniper here. Call me on +44 20 7946 0958 or mail juniper@example.org or my "
    "other address jr@example.net. My profile: https://example.com/u?name=juniper&x=1 "
    "(https://example.com/plain is fine). Since 2026-12-01, version 3.12 fails."
)


def _kinds(text, email="juniper@example.org", name="juniper"):
    return [(h.kind, h.text) for h in support_guard.find(text, email, name)]


def test_the_guard_finds_each_kind_once_and_in_order():
    assert _kinds(MESSAGE) == [
        ("sender_name", "juniper"),
        ("phone", "+44 20 7946 0958"),
        ("sender_email", "juniper@example.org"),
        ("email", "jr@example.net"),
        ("link", "https://example.com/u?name=juniper&x=1"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ring (555) 123-4567 today", [("phone", "(555) 123-4567")]),
        ("mobile 0612345678.", [("phone", "0612345678")]),
        ("JUNIPER said", [("sender_name", "JUNIPER")]),
        ("junipers and juniperberry", []),
        ("on 2026-12-01 at 10:30", []),
        ("order 12345, room 42", []),
        ("see www.example.org/a?b=c now", [("link", "www.example.org/a?b=c")]),
        ("see https://example.org/a/b#frag", []),
        ("Write to JUNIPER@Example.ORG", [("sender_email", "JUNIPER@Example.ORG")]),
        ("", []),
    ],
)
def test_what_is_and_is_not_flagged(text, expected):
    assert _kinds(text) == expected


def test_marks_are_escaped_and_say_what_they_are():
    text = "<script>x</script> juniper <b>"
    hits = support_guard.find(text, None, "juniper")
    html = str(support_guard.marked(text, hits))
    assert html == (
        "&lt;script&gt;x&lt;/script&gt; "
        '<mark title="the sender&#39;s username">juniper</mark> &lt;b&gt;'
    )


def test_a_visitor_is_checked_for_the_address_they_gave(app):
    with app.test_request_context():
        req = support_service.submit_request(
            support_service.Submission(
                "support", "Help", "Mail me: Vis@Example.org", "vis@example.org", False, None, None
            )
        )
    db.session.commit()
    req = support_desk.get_request(req.id)
    hits = support_desk.identifying(req, support_desk.draft_from(req))
    assert [h.kind for h in hits["question"]] == ["sender_email"]
    assert hits["title"] == [] and hits["answer"] == []


@pytest.fixture
def complaint(app, client, member, admin):
    """juniper's request, with a reply an admin already sent her."""
    with app.test_request_context():
        req = support_service.submit_request(
            support_service.Submission(
                "support", "Links for juniper", MESSAGE, None, False, member, "192.0.2.7"
            )
        )
        db.session.flush()
        support_desk.reply(
            support_desk.get_request(req.id), admin, "Dear juniper, links last an hour."
        )
    db.session.commit()
    return req


def test_the_publish_page_marks_every_hit_and_starts_from_the_reply(client, admin, complaint):
    sign_in(client, admin)
    url = f"/staff/support/{complaint.id}/publish"
    page = client.get(url).get_data(as_text=True)
    assert "Dear juniper, links last an hour.</textarea>" in page
    assert "7 things in the public version may identify the sender" in page
    assert '<mark title="the sender&#39;s email address">juniper@example.org</mark>' in page
    assert '<mark title="a phone number?">+44 20 7946 0958</mark>' in page
    assert '<mark title="an email address">jr@example.net</mark>' in page
    assert "a link with a query string" in page
    assert 'name="cleared"' in page and "I removed what identifies the sender" in page

    token = csrf_token(client, url)
    clean = {
        "csrf_token": token,
        "title": "How long links last",
        "question": "How long does a sign-in link last?",
        "answer": "An hour.",
    }
    preview = client.post(url, data={**clean, "preview": "Preview"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nothing found" in text
    refused = client.post(url, data={**clean, "publish": "Publish"})
    assert refused.status_code == 422
    assert 'id="cleared-error"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(SupportAnswer)) is None
    # The tick is asked for even when the guard found nothing, and with hits left in.
    dirty = {**clean, "question": "juniper asks", "publish": "Publish"}
    assert client.post(url, data=dirty).status_code == 422
    published = client.post(url, data={**clean, "cleared": "y", "publish": "Publish"})
    assert published.status_code == 303
    answer = db.session.scalar(select(SupportAnswer))
    assert answer.question == "How long does a sign-in link last?" and answer.published


@pytest.mark.parametrize("cleared", [False, None, "yes", 1])
def test_the_service_refuses_without_the_tick(app, admin, complaint, cleared):
    draft = support_desk.AnswerDraft("T", "Q", "A")
    with pytest.raises(ServiceError) as refused:
        support_desk.publish(support_desk.get_request(complaint.id), admin, draft, cleared=cleared)
    assert refused.value.field == "cleared"
    db.session.rollback()
    assert db.session.scalar(select(SupportAnswer)) is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("question", "a" * 20_001),
        ("question", "+1 " * 5000),
        ("answer", "x@y.zz " * 2000),
        ("title", "<script>alert(1)</script>"),
        ("cleared", "\x00"),
    ],
)
def test_hostile_input_on_the_publish_form(client, admin, complaint, field, value):
    sign_in(client, admin)
    url = f"/staff/support/{complaint.id}/publish"
    data = {
        "csrf_token": csrf_token(client, url),
        "title": "T",
        "question": "Q",
        "answer": "A",
        "preview": "Preview",
        field: value,
    }
    response = client.post(url, data=data)
    assert response.status_code in (200, 422)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert db.session.scalar(select(SupportAnswer)) is None
