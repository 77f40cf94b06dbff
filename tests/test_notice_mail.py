"""Notification mail (issue 17, item 5) through a real SMTP server, and the private feed
(item 8): off by default, per kind, no text unless asked, one mail per topic until the member
looks, a one-click unsubscribe per kind without a session, the daily digest, and the feed's
secret (valid, revoked, rotated by signing out everywhere)."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from forum.extensions import db
from forum.models import Category, User, utcnow
from forum.services import forum as forum_service
from forum.services import notice_mail
from tests.helpers import csrf_token, deliver, sign_in

ATOM = "{http://www.w3.org/2005/Atom}"


def _header(message, name: str) -> str:
    return " ".join(str(message[name]).split())


def _choose(client, **choices):
    data = {"csrf_token": csrf_token(client, "/notifications")}
    data.update({"replies": "never", "mentions": "never", "watched": "never", "auto_watch": "y"})
    data.update(choices)
    return client.post("/notifications/mail", data=data)


def test_no_mail_by_default(app, client, topic, other_member, mailbox):
    forum_service.reply(topic, other_member, "A reply nobody is mailed about")
    db.session.commit()
    assert deliver(mailbox) == []


def test_at_once_one_mail_per_topic_without_text_and_one_click_unsubscribe(
    app, client, topic, member, other_member, mailbox
):
    sign_in(client, member)
    assert _choose(client, replies="now").status_code == 303
    forum_service.reply(topic, other_member, "The secret words of the reply")
    forum_service.reply(topic, other_member, "A second reply, same topic")
    db.session.commit()
    (message,) = deliver(mailbox)
    assert message["To"] == "juniper@example.org"
    assert "tomasz replied to your topic “First topic”" in _header(message, "Subject")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "secret words" not in text and "secret words" not in html
    assert re.search(r"http://localhost/p/\d+", text)
    assert _header(message, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    url = _header(message, "List-Unsubscribe")[1:-1]
    assert url.startswith("http://localhost/unsubscribe/") and url.endswith("/replies")
    # Until the member follows it, the topic is not mailed again; then it is.
    post_id = int(re.search(r"/p/(\d+)", text).group(1))
    client.get(f"/p/{post_id}")
    forum_service.reply(topic, other_member, "Third, after looking")
    db.session.commit()
    assert len(deliver(mailbox)) == 2  # one more

    # The provider's one-click POST: no session, no form token, no Origin.
    provider = app.test_client()
    response = provider.post(urlsplit(url).path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert not provider.get_cookie("session")
    db.session.expire_all()
    assert db.session.get(User, member.id).mail_replies == "never"
    client.get(f"/p/{post_id}")
    forum_service.reply(topic, other_member, "Fourth")
    db.session.commit()
    assert len(deliver(mailbox)) == 2  # none more


def test_the_text_only_when_asked(app, client, topic, member, other_member, mailbox):
    sign_in(client, member)
    _choose(client, replies="now", mail_text="y")
    forum_service.reply(topic, other_member, "Words you asked to read")
    db.session.commit()
    (message,) = deliver(mailbox)
    assert "Words you asked to read" in message.get_body(("plain",)).get_content()


def test_mentions_and_watched_have_their_own_choice(
    app, client, category, topic, member, other_member, mailbox
):
    member.mail_mentions = "now"
    db.session.commit()
    forum_service.reply(topic, other_member, "Plain reply")  # replies: never
    db.session.commit()
    assert deliver(mailbox) == []
    other = forum_service.create_topic(category, other_member, "Elsewhere", "Hey @juniper")
    db.session.commit()
    (message,) = deliver(mailbox)
    assert "mentioned you in “Elsewhere”" in _header(message, "Subject")
    assert _header(message, "List-Unsubscribe").endswith("/mentions>")
    assert other.id


@pytest.mark.parametrize(
    "token,choice",
    [("not-a-token", "replies"), ("x" * 500, "mentions"), ("%00", "watched"), ("KEY", "bogus")],
)
def test_forged_or_odd_unsubscribe_links_are_refused(app, client, member, token, choice):
    token = member.mail_key if token == "KEY" else token
    for method in ("get", "post"):
        response = getattr(client, method)(f"/unsubscribe/{token}/{choice}")
        assert response.status_code in (400, 404)


@pytest.mark.parametrize("field", ["replies", "mentions", "watched"])
@pytest.mark.parametrize("value", ["always", "", "now\r\nBcc: x", "'; DROP TABLE users;--"])
def test_hostile_mail_choices_are_refused(app, client, member, field, value):
    sign_in(client, member)
    response = _choose(client, **{field: value})
    assert response.status_code == 422
    db.session.expire_all()
    assert getattr(db.session.get(User, member.id), f"mail_{field}") == "never"


def test_the_daily_digest(app, runner, category, topic, member, other_member, mailbox):
    member.mail_replies = "digest"
    db.session.commit()
    forum_service.reply(topic, other_member, "Digest me")
    forum_service.reply(
        forum_service.create_topic(category, member, "Another", "x"), other_member, "And me"
    )
    db.session.commit()
    assert deliver(mailbox) == []
    result = runner.invoke(args=["mail", "digest"])
    assert "Queued 1 digests" in result.output, result.output
    (message,) = [m for _, m in mailbox.messages]
    text = message.get_body(("plain",)).get_content()
    assert "First topic" in text and "Another" in text and "Digest me" not in text
    assert _header(message, "List-Unsubscribe").endswith("/replies>")
    # Run again the same day: nothing new is sent. A topic already in a digest is not
    # mailed again until the member opens it.
    forum_service.reply(topic, other_member, "Later the same day")
    third = forum_service.create_topic(
        db.session.get(Category, topic.category_id), member, "Third", "x"
    )
    forum_service.reply(third, other_member, "New topic, new digest line")
    db.session.commit()
    assert "Queued 0 digests" in runner.invoke(args=["mail", "digest"]).output
    db.session.expire_all()
    member = db.session.get(User, member.id)
    member.last_digest_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert "Queued 1 digests" in runner.invoke(args=["mail", "digest"]).output
    text = mailbox.messages[-1][1].get_body(("plain",)).get_content()
    assert "Third" in text and "First topic" not in text


def _feed_address(client) -> str:
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/feed", data={"csrf_token": token, "turn_on": "y"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    return re.search(r'<code class="feed-address">([^<]+)</code>', page).group(1)


def test_the_private_feed_valid_revoked_rotated(app, client, topic, member, other_member):
    forum_service.reply(topic, other_member, "Feed me")
    db.session.commit()
    sign_in(client, member)
    address = _feed_address(client)
    secret = address.rsplit("/", 1)[1]
    assert len(secret) >= 43  # 256 bits, URL-safe base64
    db.session.expire_all()
    stored = db.session.get(User, member.id).feed_key_hash
    assert stored and secret not in stored and len(stored) == 64
    assert secret not in client.get("/notifications").get_data(as_text=True)  # shown once

    reader = app.test_client()
    response = reader.get(urlsplit(address).path)
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    feed = ET.fromstring(response.data)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["tomasz replied to your topic “First topic”"]
    assert "Feed me" not in response.get_data(as_text=True)
    assert not reader.get_cookie("session")

    # A new address replaces the old one.
    newer = _feed_address(client)
    assert reader.get(urlsplit(address).path).status_code == 404
    assert reader.get(urlsplit(newer).path).status_code == 200
    # Turned off: gone.
    token = csrf_token(client, "/notifications")
    client.post("/notifications/feed", data={"csrf_token": token, "turn_off": "y"})
    assert reader.get(urlsplit(newer).path).status_code == 404
    # Signing out everywhere forgets it too.
    third = _feed_address(client)
    assert reader.get(urlsplit(third).path).status_code == 200
    token = csrf_token(client, "/notifications")
    client.post("/account/signout-everywhere", data={"csrf_token": token})
    assert reader.get(urlsplit(third).path).status_code == 404


@pytest.mark.parametrize("secret", ["x", "a" * 300, "%00", "..%2f..%2fetc"])
def test_odd_feed_secrets_are_not_found(client, member, secret):
    assert client.get(f"/notifications/feed/{secret}").status_code in (400, 404)


def test_digest_command_is_safe_with_nothing_to_do(app, runner, member):
    assert notice_mail.send_digests() == 0
    assert runner.invoke(args=["mail", "digest"]).exit_code == 0
