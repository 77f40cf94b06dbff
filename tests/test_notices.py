"""Moderation that tells people (issue 19, items 5, 6 and 8): members' notices, staff
writing to a member without seeing the address, and who may start topics per category."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, ModerationLog, Notice, Report, User, utcnow
from forum.services import Forbidden, moderation, sanctions
from forum.services import forum as forum_service
from forum.services.deletion import delete_account
from forum.services.retention import purge_all
from tests.helpers import csrf_token, deliver, sign_in


def _notices(user) -> list[Notice]:
    return list(db.session.scalars(select(Notice).where(Notice.member_id == user.id)))


def _unread(user) -> int:
    return db.session.scalar(select(User.unread_notices).where(User.id == user.id))


@pytest.fixture
def reply(topic, other_member):
    other_member.confirmed_at = utcnow()
    p = forum_service.reply(topic, other_member, "Cheap watches!")
    db.session.commit()
    return p


def test_members_are_told_what_moderators_did_with_reasons(
    app, client, member, other_member, moderator, topic, reply, category
):
    db.session.add(Report(post_id=reply.id, reporter_id=member.id, reason="Spam", kind="report"))
    second = Category(name="Elsewhere", slug="elsewhere", position=2)
    db.session.add(second)
    db.session.commit()
    moderation.set_post_hidden(
        moderation.post_for_moderation(reply.id), moderator, True, "Advertising is not allowed"
    )
    moderation.set_topic_flag(topic, moderator, "lock", "Going in circles")
    moderation.move_topic(topic, moderator, second.id, "Belongs elsewhere")
    sanctions.suspend(other_member, moderator, 7, "Spamming")
    sanctions.unsuspend(other_member, moderator, "Promised to stop")
    db.session.commit()

    author = sorted((n.kind, n.text) for n in _notices(other_member))
    assert [k for k, _ in author] == ["post_hidden", "suspended", "unsuspended"]
    assert "Advertising is not allowed" in author[0][1]
    until = db.session.scalar(select(ModerationLog.detail).where(ModerationLog.action == "suspend"))
    assert until.removeprefix("until ") in author[1][1] and "Spamming" in author[1][1]
    starter = {n.kind: n.text for n in _notices(member)}
    assert "Going in circles" in starter["topic_locked"]
    assert "moved to Elsewhere" in starter["topic_moved"]
    assert "the post was hidden" in starter["report_handled"]
    assert "Advertising" not in starter["report_handled"]  # the reason is the author's
    assert _unread(member) == 3 and _unread(other_member) == 3
    assert _notices(moderator) == []

    sign_in(client, member)
    page = client.get("/account").get_data(as_text=True)
    assert "Going in circles" in page and "moved to Elsewhere" in page
    assert '<span class="badge count">3<span class="visually-hidden"> new notices' in page
    response = client.post(
        "/account/notices/read", data={"csrf_token": csrf_token(client, "/account")}
    )
    assert response.status_code == 303
    assert _unread(member) == 0
    assert "badge count" not in client.get("/").get_data(as_text=True)


def test_the_header_count_costs_no_query(app, client, member, moderator, topic, count_queries):
    sign_in(client, member)
    client.get("/")
    with count_queries() as before:
        client.get("/")
    moderation.set_topic_flag(topic, moderator, "lock", "Heated")
    db.session.commit()
    client.get("/")  # locking changed the index: its cached page is rendered again once
    with count_queries() as after:
        page = client.get("/").get_data(as_text=True)
    assert "badge count" in page and len(after.statements) == len(before.statements)


def test_notices_go_by_mail_only_to_members_who_chose_it(
    app, client, member, moderator, topic, mailbox
):
    moderation.set_topic_flag(topic, moderator, "lock", "Heated")
    db.session.commit()
    assert deliver(mailbox) == []
    sign_in(client, member)
    token = csrf_token(client, "/account")
    client.post("/account/notices/mail", data={"csrf_token": token, "notice_mail": "y"})
    db.session.expire_all()
    assert db.session.get(User, member.id).notice_mail
    sign_in(client, moderator)
    url = f"/staff/topics/{topic.id}"
    response = client.post(
        url + "/unlock", data={"unlock-csrf_token": csrf_token(client, url), "unlock-reason": "x"}
    )
    assert response.status_code == 303
    response = client.post(
        url + "/lock", data={"lock-csrf_token": csrf_token(client, url), "lock-reason": "Again"}
    )
    response.close()
    (message,) = deliver(mailbox)
    assert message["To"] == "juniper@example.org" and "locked" in message["Subject"]
    assert "Again" in message.get_body(("plain",)).get_content()
    # No staff page showed the address it went to.
    for path in (url, f"/staff/members/{member.username}", "/staff/log"):
        assert "juniper@example.org" not in client.get(path).get_data(as_text=True)


def test_notices_are_purged_exported_and_deleted(app, client, member, moderator, topic):
    moderation.set_topic_flag(topic, moderator, "lock", "Heated")
    moderation.set_topic_flag(topic, moderator, "unlock", "Calmer")
    moderation.set_topic_flag(topic, moderator, "lock", "Heated again")
    db.session.commit()
    old = db.session.scalars(select(Notice).order_by(Notice.id)).first()
    old.created_at = utcnow() - timedelta(days=app.config["NOTICE_RETENTION_DAYS"] + 1)
    db.session.execute(User.__table__.update().where(User.id == member.id).values(unread_notices=5))
    db.session.commit()
    assert purge_all()["old moderation notices"] == 1
    assert len(_notices(member)) == 1 and _unread(member) == 1

    sign_in(client, member)
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert [n["kind"] for n in data["notices"]] == ["topic_locked"]
    assert "Heated again" in data["notices"][0]["text"] and data["notices_by_mail"] is False

    delete_account(db.session.get(User, member.id), erase_posts=False)
    db.session.commit()
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def _message(client, member, body):
    url = f"/staff/members/{member.username}"
    return client.post(
        url + "/message", data={"message-csrf_token": csrf_token(client, url), "message-body": body}
    )


def test_staff_write_to_a_member_without_seeing_the_address(
    app, client, member, moderator, mailbox
):
    sign_in(client, moderator)
    page = client.get(f"/staff/members/{member.username}").get_data(as_text=True)
    assert "Write to juniper" in page and "juniper@example.org" not in page
    response = _message(client, member, "Please keep replies on topic.\nThanks.")
    assert response.status_code == 303
    response.close()
    (mail,) = deliver(mailbox)
    assert mail["To"] == "juniper@example.org"
    assert "Please keep replies on topic." in mail.get_body(("plain",)).get_content()
    entry = db.session.scalar(select(ModerationLog).where(ModerationLog.action == "message"))
    assert entry.message == "Please keep replies on topic.\nThanks."
    assert entry.member_id == member.id and entry.actor_id == moderator.id
    log = client.get("/staff/log").get_data(as_text=True)
    assert "wrote to a member" in log and "juniper@example.org" not in log
    assert "juniper@example.org" not in client.get(response.location).get_data(as_text=True)

    sign_in(client, member)
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    messages = [m["message"] for m in data["moderation"] if m["action"] == "message"]
    assert messages == ["Please keep replies on topic.\nThanks."]
    assert "Please keep replies on topic." in client.get("/account").get_data(as_text=True)

    delete_account(db.session.get(User, member.id), erase_posts=False)
    db.session.commit()
    assert db.session.scalar(select(ModerationLog.message)) is None


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_a_bad_message_is_a_clear_error(app, client, member, moderator, mailbox, body):
    sign_in(client, moderator)
    response = _message(client, member, body)
    assert response.status_code == 422
    assert deliver(mailbox) == []


def test_no_message_to_an_address_never_confirmed(app, client, other_member, moderator):
    with pytest.raises(Exception, match="never confirmed"):
        sanctions.message_member(other_member, moderator, "Hello")
    sign_in(client, moderator)
    page = client.get(f"/staff/members/{other_member.username}").get_data(as_text=True)
    assert "Write to tomasz" not in page
    assert _message(client, other_member, "Hello").status_code == 422


def test_members_cannot_message(member_client, other_member):
    url = f"/staff/members/{other_member.username}/message"
    assert member_client.post(url, data={"message-body": "Hi"}).status_code in (403, 400)


def test_only_staff_start_topics_where_admins_say_so(
    app, client, admin, member, moderator, category
):
    sign_in(client, admin)
    url = "/staff/categories"
    prefix = f"c{category.id}"
    data = {
        f"{prefix}-csrf_token": csrf_token(client, url),
        f"{prefix}-name": category.name,
        f"{prefix}-description": category.description,
        f"{prefix}-position": "1",
        f"{prefix}-topic_starters": "staff",
    }
    assert client.post(f"{url}/{category.id}", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Category, category.id).topic_starters == "staff"
    bad = dict(data, **{f"{prefix}-topic_starters": "robots"})
    assert client.post(f"{url}/{category.id}", data=bad).status_code == 422

    cat = db.session.get(Category, category.id)
    with pytest.raises(Forbidden):
        forum_service.create_topic(cat, member, "Mine", "Hello")
    db.session.rollback()
    sign_in(client, member)
    assert client.get("/c/general/new").status_code == 403
    page = client.get("/c/general").get_data(as_text=True)
    assert "Only staff start topics here" in page and "/c/general/new" not in page
    response = client.post(
        "/c/general/new", data={"csrf_token": csrf_token(client, "/"), "title": "Hi", "body": "x"}
    )
    assert response.status_code == 403
    topic = forum_service.create_topic(
        db.session.get(Category, category.id), moderator, "News", "x"
    )
    forum_service.reply(topic, member, "Members may reply.")
    db.session.commit()
