"""Your data: the export holds what the member wrote and nothing of others; deleting the
account needs the mailed link, and leaves the email, username and IPs in no table."""

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from forum.extensions import db
from forum.models import Category, LoginToken, Post, SupportRequest, Topic, User
from forum.services import forum as forum_service
from forum.services import support as support_service
from forum.services import support_desk
from tests.helpers import (
    DATABASE_URL,
    SAME_SITE,
    csrf_token,
    deliver,
    dump_database,
    link_in,
    make_app,
    sign_in,
)

SIGNUP_IP, SIGNIN_IP, SUPPORT_IP = "198.51.100.77", "198.51.100.78", "198.51.100.79"
OWN_REPLY = "My own reply, about orchids."
SUPPORT_SUBJECT = "Where did my draft go?"


@pytest.fixture
def writer(client, member, moderator, post):
    """The member, signed in, with a signup IP, a sign-in link asked for, a reply and a
    support request answered by staff; `post` is another member's reply in their topic."""
    member.signup_ip = SIGNUP_IP
    topic = db.session.get(Topic, post.topic_id)
    forum_service.reply(topic, member, OWN_REPLY)
    request = support_service.submit_request(
        support_service.Submission(
            kind="support",
            subject=SUPPORT_SUBJECT,
            message="I lost a draft.",
            email=None,
            no_publish=False,
            user=member,
            ip=SUPPORT_IP,
        )
    )
    db.session.commit()
    support_desk.reply(support_desk.get_request(request.id), moderator, "Look in drafts.")
    db.session.commit()
    with client.post(
        "/signin",
        data={"email": member.email},
        headers=SAME_SITE,
        environ_base={"REMOTE_ADDR": SIGNIN_IP},
    ) as response:
        assert response.status_code == 303
    sign_in(client, member)
    return member


def test_the_export_holds_what_the_member_wrote(client, writer, other_member):
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    profile = data["profile"]
    assert (profile["username"], profile["email"]) == ("juniper", "juniper@example.org")
    assert profile["role"] == "member" and profile["confirmed"] and profile["joined"]
    assert "policy_version_seen" in profile and profile["announcements_by_email"] is False
    bodies = [p["body"] for p in data["posts"]]
    assert bodies == ["Hello **world**.", OWN_REPLY]
    assert {p["topic_title"] for p in data["posts"]} == {"First topic"}
    assert [t["title"] for t in data["topics_started"]] == ["First topic"]
    (request,) = data["support_requests"]
    assert request["subject"] == SUPPORT_SUBJECT and request["kind"] == "support"
    assert request["state"] and request["created_at"] and request["message"]
    assert [e["body"] for e in request["history"]] == ["Look in drafts."]
    assert SIGNIN_IP in [s["ip"] for s in data["sign_in_history"]]
    assert {s["purpose"] for s in data["sign_in_history"]} == {"signin"}
    assert data["staff_reveals"] == [] and data["reports"] == []
    # Another member's reply in the same topic, and their name, are not in the file.
    assert "A reply with `code`." not in text
    assert other_member.username not in text and other_member.email not in text


def test_the_data_page_explains_and_links_the_download(client, writer):
    page = client.get("/account/data").get_data(as_text=True)
    assert 'href="/account/data.json"' in page and "Download my data" in page
    assert "Erase my posts" in page and "Delete my account" in page
    assert 'href="/account/data"' in client.get("/account").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/account/data", "/account/data.json"])
def test_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/signin" in response.location


def test_a_visitor_cannot_ask_for_deletion(client):
    response = client.post("/account/delete", data={"posts": "erase"}, headers=SAME_SITE)
    # Refused by the CSRF check (a visitor has no session token) before the member check.
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginToken)) == 0


@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}]
)
def test_a_cross_site_deletion_request_is_refused(member_client, member, mailbox, headers):
    response = member_client.post("/account/delete", data={"posts": "erase"}, headers=headers)
    assert response.status_code == 400
    purposes = db.session.scalars(db.select(LoginToken.purpose)).all()
    assert purposes == [] and deliver(mailbox) == []


def ask_deletion(client, mailbox, choice: str) -> str:
    """Ask for deletion on the data page; return the token of the link that was mailed."""
    token = csrf_token(client, "/account/data")
    response = client.post(
        "/account/delete", data={"posts": choice, "csrf_token": token}, headers=SAME_SITE
    )
    assert response.status_code == 303 and response.location == "/account/data"
    messages = [m for m in deliver(mailbox) if "deletion" in m["Subject"]]
    (message,) = messages
    assert message["To"] == "juniper@example.org"
    return link_in(message)


def assert_gone_everywhere(dump: str) -> None:
    assert "tomasz@example.org" in dump  # the dump does see what is there
    for needle in ("juniper@example.org", "juniper", "Juniper", SIGNUP_IP, SIGNIN_IP, SUPPORT_IP):
        assert needle not in dump, f"{needle!r} is still in the database"


def test_deleting_and_erasing_the_posts(client, writer, mailbox, category):
    solo = forum_service.create_topic(category, writer, "Only mine", "Nobody answered.")
    db.session.commit()
    solo_id, user_id, category_id = solo.id, writer.id, category.id
    link = ask_deletion(client, mailbox, "erase")
    # Nothing happens before the link is followed, and opening it (a mail scanner) is not enough.
    page = client.get(f"/signin/{link}")
    assert page.status_code == 200 and "Delete my account" in page.get_data(as_text=True)
    assert "Your posts are erased" in page.get_data(as_text=True)
    assert db.session.get(User, user_id) is not None
    response = client.post(f"/signin/{link}", headers=SAME_SITE)
    assert response.status_code == 303 and response.location == "/account/deleted"
    assert "Your account is deleted" in client.get("/account/deleted").get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert_gone_everywhere(dump_database())

    assert db.session.get(Topic, solo_id) is None
    topic = db.session.scalar(db.select(Topic))
    assert topic.author_id is None and topic.post_count == 1 and topic.last_position == 3
    assert topic.last_poster_id is not None
    bodies = db.session.scalars(db.select(Post.body)).all()
    assert bodies == ["A reply with `code`."]
    cat = db.session.get(Category, category_id)
    assert (cat.topic_count, cat.post_count, cat.last_topic_id) == (1, 1, topic.id)
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert "A reply with" in page and OWN_REPLY not in page and "juniper" not in page


def test_deleting_and_keeping_the_posts(client, writer, mailbox):
    link = ask_deletion(client, mailbox, "keep")
    page = client.get(f"/signin/{link}").get_data(as_text=True)
    assert "a former member" in page
    assert client.post(f"/signin/{link}", headers=SAME_SITE).location == "/account/deleted"
    assert_gone_everywhere(dump_database())

    topic = db.session.scalar(db.select(Topic))
    assert topic.author_id is None and topic.post_count == 3
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert OWN_REPLY in page and "a former member" in page and "juniper" not in page


def test_a_deletion_link_works_once_and_only_the_latest(client, writer, mailbox):
    first = ask_deletion(client, mailbox, "erase")
    mailbox.messages.clear()
    second = ask_deletion(client, mailbox, "keep")
    assert client.post(f"/signin/{first}", headers=SAME_SITE).status_code == 400
    assert db.session.scalar(db.select(User.id)) is not None
    assert client.post(f"/signin/{second}", headers=SAME_SITE).status_code == 303
    assert client.post(f"/signin/{second}", headers=SAME_SITE).status_code == 400
    # The posts were kept, as the link that was followed said.
    assert OWN_REPLY in db.session.scalars(db.select(Post.body)).all()


def test_the_deletion_form_needs_a_choice(client, writer):
    token = csrf_token(client, "/account/data")
    response = client.post("/account/delete", data={"csrf_token": token}, headers=SAME_SITE)
    assert response.status_code == 422
    assert "Choose what becomes of your posts." in response.get_data(as_text=True)


def test_the_export_leaves_out_internal_staff_notes(client, writer, moderator):
    (request,) = db.session.scalars(db.select(SupportRequest)).all()
    support_desk.add_note(
        support_desk.get_request(request.id), moderator, "Staff only: sounds like a troll."
    )
    db.session.commit()
    text = client.get("/account/data.json").get_data(as_text=True)
    assert "Staff only" not in text
    (exported,) = json.loads(text)["support_requests"]
    assert [e["action"] for e in exported["history"]] == ["reply"]
    page = " ".join(client.get("/account/data").get_data(as_text=True).split())
    assert "notes staff keep for each other" in page and "are not part of the file" in page


def test_the_export_holds_earlier_versions_and_a_pending_address(client, writer):
    first = db.session.scalar(db.select(db.func.min(Post.id)).where(Post.author_id == writer.id))
    token = csrf_token(client, f"/p/{first}/edit")
    for body in ("Second text.", "Third text."):
        response = client.post(f"/p/{first}/edit", data={"csrf_token": token, "body": body})
        assert response.status_code == 302
    token = csrf_token(client, "/account")
    data = {"csrf_token": token, "email": "Pending@Example.org"}
    client.post("/account/email", data=data).close()  # the change is made once the answer is out
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    post = next(p for p in data["posts"] if p["id"] == first)
    assert post["body"] == "Third text."
    assert [v["body"] for v in post["earlier_versions"]] == ["Hello **world**.", "Second text."]
    assert all(v["edited_by_you"] and v["replaced_at"] for v in post["earlier_versions"])
    assert data["profile"]["email_change_pending"] == "pending@example.org"
    assert "pending@example.org" in [s["new_email"] for s in data["sign_in_history"]]


def _sqlite_file() -> Path:
    url = make_url(DATABASE_URL)
    if url.get_backend_name() != "sqlite" or not url.database:
        pytest.skip("SQLite's own files: PostgreSQL keeps its data elsewhere")
    return Path(url.database)


def test_sqlite_zeroes_deleted_data_and_keeps_its_file_private(app, tmp_path):
    _sqlite_file()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    fresh = tmp_path / "new" / "forum.db"
    new_app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{fresh}")
    assert fresh.exists() and stat.S_IMODE(fresh.stat().st_mode) == 0o600
    with new_app.app_context():
        with db.engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x)")
            conn.commit()
        db.engine.dispose()
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_a_deleted_members_address_is_in_no_database_file(client, writer, mailbox):
    path = _sqlite_file()
    link = ask_deletion(client, mailbox, "erase")
    db.session.remove()
    assert client.post(f"/signin/{link}", headers=SAME_SITE).status_code == 303
    db.session.remove()
    files = [path, path.with_name(path.name + "-wal")]
    stored = b"".join(f.read_bytes() for f in files if f.exists())
    # The files do hold what is still there (addresses are sealed, so a username).
    assert b"tomasz" in stored and b"tomasz@example.org" not in stored
    assert b"juniper@example.org" not in stored
