"""The support form: visitors and members send requests, without cookies, with real mail."""

import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import SupportRequest, utcnow
from forum.services.retention import purge_all
from tests.helpers import SAME_SITE, deliver, form_token


def send(client, headers=SAME_SITE, **fields):
    data = {"kind": "support", "subject": "How do I sign in?", "message": "I lost the link."}
    data.update(fields)
    return client.post("/support", data=data, headers=headers)


def requests_stored() -> list[SupportRequest]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(SupportRequest).order_by(SupportRequest.id)))


def test_the_form_says_it_may_publish_and_offers_to_refuse(client):
    response = client.get("/support")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "Staff may publish your request to help others" in page
    assert "without your\n    name, email address" in page
    box = re.search(r'<input[^>]*name="no_publish"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert 'href="/support/answers"' in page and "may already be answered" in page
    for kind in ("Support question", "Feedback", "Privacy request"):
        assert kind in page
    assert 'name="email"' in page and 'name="form_token"' in page


def test_a_visitor_without_cookies_sends_a_request_and_gets_mail(client, mailbox):
    response = send(client, email="Visitor@Example.org", no_publish="y")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    (stored,) = requests_stored()
    assert response.location == f"/support/sent?ref={stored.reference}&mailed=1"
    assert stored.email == "visitor@example.org" and stored.no_publish is True
    assert stored.ip == "127.0.0.1" and stored.state == "new" and stored.user_id is None
    page = client.get(response.location).get_data(as_text=True)
    assert stored.reference in page and "confirmation" in page
    (message,) = deliver(mailbox)
    assert message["To"] == "visitor@example.org"
    assert stored.reference in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert stored.reference in text and "asked us not to publish" in text
    assert client.get_cookie("session") is None


def test_the_confirmation_never_echoes_what_the_sender_wrote(client, mailbox):
    # Anyone can give any address: the receipt must not carry the sender's words to it.
    spam = "Cheap pills at https://spam.example"
    send(client, email="victim@example.org", subject=spam, message=f"Buy now: {spam}")
    (message,) = deliver(mailbox)
    assert message["To"] == "victim@example.org"
    raw = message.as_string()
    assert "spam.example" not in raw and "Cheap pills" not in raw and "Buy now" not in raw
    text = message.get_body(("plain",)).get_content()
    assert "If you did not write to us" in text


def test_a_request_without_an_address_sends_no_mail(client, mailbox):
    response = send(client, kind="feedback")
    (stored,) = requests_stored()
    assert response.location.endswith("mailed=0") and stored.email is None
    assert "cannot reply to you" in client.get(response.location).get_data(as_text=True)
    assert deliver(mailbox) == []


def test_a_member_is_answered_at_their_own_address(member_client, member, mailbox):
    page = member_client.get("/support").get_data(as_text=True)
    assert member.email in page and 'name="email"' not in page
    send(member_client, email="someone-else@example.org")
    (stored,) = requests_stored()
    assert stored.user_id == member.id and stored.email is None
    (message,) = deliver(mailbox)
    assert message["To"] == member.email


def test_the_honeypot_keeps_nothing(client, mailbox):
    response = send(client, email="bot@example.org", website="http://spam.example")
    assert response.status_code == 303 and response.location == "/support/sent"
    assert requests_stored() == [] and deliver(mailbox) == []


# A browser naming another site is refused as cross-site (403); a request naming no site
# at all carries no form token either, and the CSRF check refuses it (400).
@pytest.mark.parametrize(
    ("headers", "status"),
    [({"Sec-Fetch-Site": "cross-site"}, 403), ({"Sec-Fetch-Site": "same-site"}, 403),
     ({"Origin": "https://evil.example"}, 403), ({"Origin": "null"}, 403), ({}, 400)],
)  # fmt: skip
def test_the_support_form_refuses_cross_site_posts(client, headers, status):
    response = send(client, headers=headers)
    assert response.status_code == status
    assert requests_stored() == []


def test_the_support_form_works_with_only_its_signed_token(client):
    token = form_token(client, "/support")
    response = send(client, headers={}, form_token=token)
    assert response.status_code == 303 and len(requests_stored()) == 1


def test_the_support_form_is_rate_limited(client):
    for _ in range(5):
        assert send(client).status_code == 303
    response = send(client)
    assert response.status_code == 429 and "try again" in response.get_data(as_text=True)
    assert len(requests_stored()) == 5


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"subject": "x" * 201}, "The subject is at most 200 characters."),
        ({"message": "y" * 20_001}, "The message is at most 20,000 characters."),
        ({"subject": "\x00\x00"}, "Give your request a subject."),
        ({"subject": "   "}, "Give your request a subject."),
        ({"message": "\x00\u200b\x07"}, "The message cannot be empty."),
        ({"kind": "gossip"}, "Not a valid choice"),
        ({"email": "not an address"}, "That email address is not valid"),
    ],
)
def test_hostile_input_gets_clear_errors(client, fields, error):
    response = send(client, **fields)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert requests_stored() == []


def test_nul_and_unicode_are_cleaned_not_refused(client):
    subject = "Ünïcödé \x00subject 🙂 \u202eRTL"
    response = send(client, subject=subject, message="Line one\x00\r\nLine two 中文")
    assert response.status_code == 303
    (stored,) = requests_stored()
    assert stored.subject == "Ünïcödé subject 🙂 RTL"
    assert stored.message == "Line one\nLine two 中文"


def test_a_huge_body_is_refused_before_the_view(client):
    response = send(client, message="z" * 300_000)
    assert response.status_code == 413 and requests_stored() == []


def test_the_sender_address_is_erased_after_the_retention_period(app, client):
    send(client)
    send(client, subject="A second one")
    old, recent = requests_stored()
    old.created_at = utcnow() - timedelta(days=app.config["IP_RETENTION_DAYS"] + 1)
    db.session.commit()
    counts = purge_all()
    assert counts["support request addresses"] == 1
    old, recent = requests_stored()
    assert old.ip is None and recent.ip == "127.0.0.1"


def test_personal_columns_are_declared():
    table = SupportRequest.__table__
    for name in ("subject", "message", "email", "ip"):
        assert "personal" in table.c[name].info, name
    assert "IP_RETENTION_DAYS" in table.c.ip.info["personal"]["retention"]
