"""Announcements: published at once on the page and the Atom feed, emailed to opted-in
members through a real SMTP server with one-click unsubscribe, at most once a week."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask_babel import format_datetime
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Announcement, OutboxMessage, User, utcnow
from forum.services import ServiceError
from forum.services import announcements as service
from forum.services import mail as mail_service
from forum.services.members import create_user
from tests.helpers import csrf_token, sign_in

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
PREFIX = "http://localhost/unsubscribe/"


@pytest.fixture
def readers(app):
    """Two opted-in confirmed members, one opted-in unconfirmed, one confirmed not opted in."""
    people = {}
    for name, confirmed, wanted in [
        ("reader_one", True, True),
        ("reader_two", True, True),
        ("unconfirmed", False, True),
        ("quiet_one", True, False),
    ]:
        user = create_user(name, f"{name}@example.org")
        user.confirmed_at = utcnow() if confirmed else None
        user.announcements = wanted
        people[name] = user
    db.session.commit()
    return people


def publish(client, title="Hello", body="Some *news*.", send_mail=False):
    data = {"csrf_token": csrf_token(client, "/staff/announcements"), "title": title, "body": body}
    if send_mail:
        data["send_mail"] = "y"
    return client.post("/staff/announcements", data=data)


def test_an_admin_publishes_and_it_shows_at_once_on_the_page_and_feed(admin_client, app):
    response = publish(admin_client, "Maintenance <tonight>", "Down at **9**. <script>x</script>")
    assert response.status_code == 303
    announcement = db.session.scalars(select(Announcement)).one()
    assert response.location == f"/announcements/{announcement.id}"
    assert announcement.mailed_at is None

    page = admin_client.get("/announcements").get_data(as_text=True)
    assert "Maintenance &lt;tonight&gt;" in page and "<strong>9</strong>" in page
    assert "<script>" not in page
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/announcements.atom"' in page
    one = admin_client.get(f"/announcements/{announcement.id}")
    assert one.status_code == 200 and "Maintenance &lt;tonight&gt;" in one.get_data(as_text=True)

    feed = admin_client.get("/announcements.atom")
    assert feed.status_code == 200
    assert feed.mimetype == "application/atom+xml"
    raw = feed.get_data(as_text=True)
    # HTML in the content is escaped text, not markup inside the XML.
    assert "&lt;strong&gt;9&lt;/strong&gt;" in raw and "<strong>" not in raw
    root = ET.fromstring(feed.data)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == "http://localhost/announcements"
    assert root.findtext(f"{ATOM}title")
    assert RFC3339.fullmatch(root.findtext(f"{ATOM}updated"))
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "self": "http://localhost/announcements.atom",
        "alternate": "http://localhost/announcements",
    }
    (entry,) = root.findall(f"{ATOM}entry")
    permalink = f"http://localhost/announcements/{announcement.id}"
    assert entry.findtext(f"{ATOM}id") == permalink
    assert entry.findtext(f"{ATOM}title") == "Maintenance <tonight>"
    assert RFC3339.fullmatch(entry.findtext(f"{ATOM}updated"))
    assert RFC3339.fullmatch(entry.findtext(f"{ATOM}published"))
    assert root.findtext(f"{ATOM}updated") == entry.findtext(f"{ATOM}updated")
    assert entry.find(f"{ATOM}link").get("href") == permalink
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "<strong>9</strong>" in content.text and "<script>" not in content.text


def test_pages_and_feed_set_no_cookie_and_take_few_queries(client, admin, count_queries):
    for n in range(25):
        service.publish(admin, f"News {n}", "Text.", False)
    db.session.commit()
    newest = db.session.scalar(select(func.max(Announcement.id)))
    for url in ["/announcements", "/announcements.atom", f"/announcements/{newest}"]:
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url
        assert queries.count <= 5, (url, queries.statements)
    page = client.get("/announcements").get_data(as_text=True)
    assert "News 24" in page and "News 5<" in page and "News 4<" not in page
    assert len(ET.fromstring(client.get("/announcements.atom").data).findall(f"{ATOM}entry")) == 20
    assert client.get("/announcements/999999").status_code == 404
    assert 'href="/announcements"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("who", ["visitor", "member", "moderator"])
def test_only_admins_reach_the_staff_page(app, client, member, moderator, who):
    if who != "visitor":
        sign_in(client, member if who == "member" else moderator)
    assert client.get("/staff/announcements").status_code == 403
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/staff/announcements", data={"title": "x", "body": "y"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Announcement.id))) == 0


def _received(mailbox):
    return {envelope.rcpt_tos[0]: msg for envelope, msg in mailbox.messages}


def _header(msg, name) -> str:
    # Long headers arrive folded; unfold them before comparing.
    return " ".join(str(msg[name]).split())


def test_mailing_reaches_opted_in_confirmed_members_with_unsubscribe(
    admin_client, readers, mailbox
):
    response = publish(admin_client, "A new category", "Come and see.", send_mail=True)
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert mail_service.send_queued() == (2, 0)

    received = _received(mailbox)
    assert set(received) == {"reader_one@example.org", "reader_two@example.org"}
    urls = set()
    for msg in received.values():
        assert _header(msg, "Subject") == "A new category"
        assert _header(msg, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
        match = re.fullmatch(
            r"<(http://localhost/unsubscribe/[A-Za-z0-9_.-]+)>", _header(msg, "List-Unsubscribe")
        )
        assert match, _header(msg, "List-Unsubscribe")
        url = match.group(1)
        urls.add(url)
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert "Come and see." in text and url in text
        assert f'<a href="{url}">Unsubscribe' in html
    assert len(urls) == 2  # one link per member

    # One click, as a mail provider makes it: a POST with no session, token or Origin.
    reader = readers["reader_one"]
    url = _header(received["reader_one@example.org"], "List-Unsubscribe")[1:-1]
    provider = admin_client.application.test_client()
    path = urlsplit(url).path
    response = provider.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "no more announcements" in response.get_data(as_text=True)
    assert db.session.get(User, reader.id, populate_existing=True).announcements is False
    assert db.session.get(User, readers["reader_two"].id).announcements is True
    # Again: still fine.
    assert provider.post(path).status_code == 200

    # The GET only shows a button; mail scanners fetching the link change nothing.
    two = readers["reader_two"]
    page = provider.get(PREFIX.removeprefix("http://localhost") + service.unsubscribe_token(two))
    assert page.status_code == 200 and "<button" in page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers
    assert db.session.get(User, two.id, populate_existing=True).announcements is True


def test_a_forged_unsubscribe_token_is_refused(app, client, readers):
    user = readers["reader_one"]
    genuine = service.unsubscribe_token(user)
    # The old form of token: the member's id, signed with our own key.
    signed_id = URLSafeSerializer(app.config["SECRET_KEY"], salt="unsubscribe").dumps(user.id)
    tampered = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    for token in [signed_id, tampered, "not-a-real-token", "1"]:
        for method in ("GET", "POST"):
            response = client.open(f"/unsubscribe/{token}", method=method)
            assert response.status_code == 400, (token, method)
            assert "Set-Cookie" not in response.headers
    assert db.session.get(User, user.id, populate_existing=True).announcements is True


def test_the_frequency_cap_refuses_a_second_mailing_and_says_when(
    app, admin_client, admin, readers
):
    assert publish(admin_client, "First", "One.", send_mail=True).status_code == 303
    first = db.session.scalars(select(Announcement)).one()

    response = publish(admin_client, "Second", "Two.", send_mail=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    next_at = first.mailed_at + timedelta(days=7)
    with app.test_request_context():
        when = f"{format_datetime(next_at, 'medium')} UTC"
    assert f"the next email may go on {when}" in page
    assert db.session.scalar(select(func.count(Announcement.id))) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert "the next email may go on" in admin_client.get("/staff/announcements").get_data(
        as_text=True
    )
    with pytest.raises(ServiceError), app.test_request_context():
        service.publish(admin, "Third", "Three.", True)
    db.session.rollback()

    # Posting on the page without mail is always allowed.
    assert publish(admin_client, "Second", "Two.").status_code == 303
    assert db.session.scalar(select(func.count(Announcement.id))) == 2
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2

    # Once ANNOUNCE_MIN_DAYS have passed, the next mailing may go.
    db.session.execute(update(Announcement).values(mailed_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    assert "may go now" in admin_client.get("/staff/announcements").get_data(as_text=True)
    assert publish(admin_client, "Third", "Three.", send_mail=True).status_code == 303
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4


def test_the_cap_follows_the_setting(app, admin, readers):
    app.config["ANNOUNCE_MIN_DAYS"] = 0
    with app.test_request_context():
        service.publish(admin, "One", "One.", True)
        _, queued = service.publish(admin, "Two", "Two.", True)
    db.session.commit()
    assert queued == 2


def test_recipients_are_queued_in_chunks(app, admin, monkeypatch):
    monkeypatch.setattr(service, "MAIL_CHUNK", 3)
    for n in range(7):
        user = create_user(f"member_{n}", f"member{n}@example.org")
        user.confirmed_at = utcnow()
        user.announcements = True
    db.session.commit()
    with app.test_request_context():
        _, queued = service.publish(admin, "Chunked", "Text.", True)
    db.session.commit()
    assert queued == 7
    addresses = db.session.scalars(select(OutboxMessage.to_address)).all()
    assert sorted(addresses) == sorted(f"member{n}@example.org" for n in range(7))
