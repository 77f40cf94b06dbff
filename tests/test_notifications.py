"""Notifications (issue 17, item 1 and 3): every kind, once per post and member, grouped
replies, mentions at write time (not in code or quotes, at most MENTION_LIMIT), no second
notice on edit, hidden posts, purge, export and deletion, the header count and reading."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, Notice, User, Watch, utcnow
from forum.services import erasure, moderation, notices, watching
from forum.services import forum as forum_service
from forum.services.deletion import delete_account
from forum.services.retention import purge_all
from tests.helpers import csrf_token, sign_in


def _kinds(user) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(Notice.kind, Notice.count).where(Notice.member_id == user.id).order_by(Notice.id)
    )
    return [tuple(r) for r in rows]


def _unread(user) -> int:
    db.session.expire_all()
    return db.session.get(User, user.id).unread_notices


@pytest.fixture
def cy(app):
    from forum.services.members import create_user

    user = create_user("cyrus", "cyrus@example.org")
    user.confirmed_at = utcnow()
    db.session.commit()
    return user


def test_each_kind_once_per_post_and_member(app, category, member, other_member, cy, moderator):
    """A reply to A's topic quoting A and mentioning C: A is told once (the quote), C once
    (the mention), a category watcher once (watched); the writer never."""
    topic = forum_service.create_topic(category, member, "Plans", "What shall we do?")
    watching.watch(moderator, category=db.session.get(Category, category.id))
    db.session.commit()
    first = topic_first(topic)
    body = f"> **@juniper** [wrote](/p/{first}):\n> What?\n\nAgreed, @cyrus and @juniper."
    forum_service.reply(topic, other_member, body)
    db.session.commit()
    assert _kinds(member) == [("quote", 1)]
    assert _kinds(cy) == [("mention", 1)]
    assert _kinds(moderator) == [("watched", 1)]
    assert _kinds(other_member) == []
    assert _unread(member) == 1 and _unread(cy) == 1
    # A plain reply: "reply to your topic" for A, grouped with nothing (a quote is not one).
    forum_service.reply(topic, other_member, "One more thing.")
    db.session.commit()
    assert _kinds(member) == [("quote", 1), ("reply", 1)]
    assert _kinds(moderator) == [("watched", 2)]  # grouped: "2 new posts"


def topic_first(topic) -> int:
    from forum.models import Post

    return db.session.scalar(select(Post.id).where(Post.topic_id == topic.id, Post.position == 1))


def test_replies_group_until_the_member_looks(app, client, category, member, other_member):
    topic = forum_service.create_topic(category, member, "Grouping", "Hello")
    db.session.commit()
    for n in range(3):
        forum_service.reply(topic, other_member, f"Reply {n}")
    db.session.commit()
    assert _kinds(member) == [("reply", 3)] and _unread(member) == 1
    sign_in(client, member)
    page = client.get("/notifications").get_data(as_text=True)
    assert "3 new posts in “Grouping”" in page
    assert '<span class="badge count">1<span class="visually-hidden"> new notice' in page
    # Following it (a link to /p/<id>) reads it; the next reply is a new notice.
    (notice,) = db.session.scalars(select(Notice).where(Notice.member_id == member.id))
    assert f'href="/p/{notice.post_id}"' in page
    assert client.get(f"/p/{notice.post_id}").status_code == 302
    assert _unread(member) == 0
    assert "badge count" not in client.get("/").get_data(as_text=True)
    forum_service.reply(topic, other_member, "Reply after looking")
    db.session.commit()
    assert _kinds(member) == [("reply", 3), ("reply", 1)] and _unread(member) == 1


def test_mark_all_read(app, client, category, member, other_member):
    for title in ("One topic", "Two topic"):
        topic = forum_service.create_topic(category, member, title, "Hello")
        forum_service.reply(topic, other_member, "Hi")
    db.session.commit()
    assert _unread(member) == 2
    sign_in(client, member)
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"csrf_token": token})
    assert response.status_code == 303 and _unread(member) == 0
    assert db.session.scalar(select(func.count()).where(Notice.read_at.is_(None))) == 0
    # Without the form token nothing changes.
    forum_service.reply(topic, other_member, "Again")
    db.session.commit()
    assert client.post("/notifications/read", data={}).status_code in (303, 400)
    assert _unread(member) == 1


def test_mentions_link_and_notify_but_not_in_code_or_quotes(app, category, member, cy, moderator):
    body = (
        "Hello @cyrus, and `@moss` in code, and @nobody.\n\n"
        "```\n@moss in a block\n```\n\n    @moss indented\n\n> @moss in a quote\n"
    )
    topic = forum_service.create_topic(category, member, "Mentions", body)
    db.session.commit()
    post = db.session.get(__import__("forum.models", fromlist=["Post"]).Post, topic_first(topic))
    assert '<a href="/u/cyrus" class="mention"' in post.html
    assert "@nobody" in post.html and 'href="/u/nobody"' not in post.html
    assert "<code>@moss</code>" in post.html
    assert _kinds(cy) == [("mention", 1)]
    assert _kinds(moderator) == []  # code spans, code blocks and quotes tell no one


def test_at_most_mention_limit_members(app, category, member):
    from forum.services.members import create_user

    app.config["MENTION_LIMIT"] = 3
    names = [f"person{n}" for n in range(6)]
    for name in names:
        create_user(name, f"{name}@example.org")
    db.session.commit()
    forum_service.create_topic(category, member, "Crowd", " ".join(f"@{n}" for n in names))
    db.session.commit()
    told = db.session.scalar(select(func.count()).where(Notice.kind == "mention"))
    assert told == 3


def test_editing_never_notifies_twice(app, category, member, other_member, cy, moderator):
    topic = forum_service.create_topic(category, member, "Edits", "Hi @cyrus")
    db.session.commit()
    post = forum_service.get_post_for_edit(topic_first(topic), member)
    forum_service.edit_own_post(post, member, "Hi @cyrus, again")
    db.session.commit()
    assert _kinds(cy) == [("mention", 1)]
    # A name added by the edit is told once; removing and re-adding tells no one again.
    forum_service.edit_own_post(post, member, "Hi @cyrus and @moss")
    db.session.commit()
    forum_service.edit_own_post(post, member, "Hi")
    db.session.commit()
    forum_service.edit_own_post(post, member, "Hi @cyrus and @moss")
    db.session.commit()
    assert _kinds(cy) == [("mention", 1)] and _kinds(moderator) == [("mention", 1)]


def test_hidden_posts_notify_no_one_and_notices_of_hidden_posts_go(
    app, category, member, other_member, moderator
):
    topic = forum_service.create_topic(category, member, "Hiding", "Hello")
    db.session.commit()
    first = forum_service.reply(topic, other_member, "Spam one")
    second = forum_service.reply(topic, other_member, "Fine two")
    db.session.commit()
    assert _kinds(member) == [("reply", 2)] and _unread(member) == 1
    moderation.set_post_hidden(moderation.post_for_moderation(first.id), moderator, True, "Spam")
    db.session.commit()
    (notice,) = db.session.scalars(
        select(Notice).where(Notice.member_id == member.id, Notice.kind == "reply")
    )
    assert notice.count == 1 and notice.post_id == second.id
    moderation.set_post_hidden(moderation.post_for_moderation(second.id), moderator, True, "x")
    db.session.commit()
    assert [k for k, _ in _kinds(member)] == [] and _unread(member) == 0
    # A held post (new member review) tells no one until a moderator approves it.
    app.config["NEW_MEMBER_REVIEW"] = True
    newcomer = __import__("forum.services.members", fromlist=["x"]).create_user(
        "newbie", "newbie@example.org"
    )
    db.session.commit()
    held = forum_service.reply(topic, newcomer, "Hello @juniper")
    db.session.commit()
    assert held.hidden and _kinds(member) == []
    moderation.approve_post(moderation.post_for_moderation(held.id), moderator, "")
    db.session.commit()
    assert _kinds(member) == [("mention", 1)]


def test_a_hidden_topic_takes_its_notices_and_deleting_a_post_too(
    app, category, member, other_member, moderator
):
    topic = forum_service.create_topic(category, member, "Going", "Hello")
    db.session.commit()
    reply = forum_service.reply(topic, other_member, "Reply")
    db.session.commit()
    assert _unread(member) == 1
    erasure.delete_post(reply, other_member, "author")
    db.session.commit()
    assert _kinds(member) == [] and _unread(member) == 0
    forum_service.reply(topic, other_member, "Reply again")
    db.session.commit()
    assert _unread(member) == 1
    moderation.set_topic_flag(topic, moderator, "hide", "Off topic")
    db.session.commit()
    assert [k for k, _ in _kinds(member)] == ["topic_hidden"] and _unread(member) == 1


def test_purge_after_notification_days_export_and_deletion(
    app, client, category, member, other_member
):
    topic = forum_service.create_topic(category, member, "Old news", "Hello")
    db.session.commit()
    forum_service.reply(topic, other_member, "Old reply")
    db.session.commit()
    notice = db.session.scalar(select(Notice))
    notice.created_at = utcnow() - timedelta(days=app.config["NOTIFICATION_DAYS"] + 1)
    db.session.commit()
    forum_service.reply(
        forum_service.create_topic(category, member, "New news", "Hi"), other_member, "Fresh"
    )
    db.session.commit()
    assert _unread(member) == 2
    assert purge_all()["old moderation notices"] == 1
    db.session.commit()
    assert _kinds(member) == [("reply", 1)] and _unread(member) == 1

    sign_in(client, member)
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    (exported,) = data["notices"]
    assert exported["kind"] == "reply" and exported["topic"] == "New news"
    assert exported["read"] is None and "tomasz" not in json.dumps(exported)
    assert [w["topic"] for w in data["watching"]] == ["New news", "Old news"]
    assert data["notification_settings"]["mail_replies"] == "never"

    delete_account(db.session.get(User, member.id), erase_posts=False)
    db.session.commit()
    assert db.session.scalar(select(func.count(Notice.id))) == 0
    # Only tomasz's own watches are left (he replied in both topics).
    assert set(db.session.scalars(select(Watch.member_id))) == {other_member.id}


def test_deleting_the_writer_takes_the_notices_their_posts_caused(
    app, category, member, other_member
):
    topic = forum_service.create_topic(category, member, "Told", "Hello")
    db.session.commit()
    forum_service.reply(topic, other_member, "Reply")
    db.session.commit()
    assert _unread(member) == 1
    delete_account(db.session.get(User, other_member.id), erase_posts=True)
    db.session.commit()
    assert _kinds(member) == [] and _unread(member) == 0


def test_notifications_page_is_for_members(client, member):
    response = client.get("/notifications")
    assert response.status_code in (302, 401)
    sign_in(client, member)
    page = client.get("/notifications").get_data(as_text=True)
    assert "None." in page and "By email" in page and "A private feed" in page


def test_the_header_count_costs_no_query(
    app, client, category, member, other_member, count_queries
):
    topic = forum_service.create_topic(category, member, "Counted", "Hello")
    db.session.commit()
    sign_in(client, member)
    client.get("/")
    with count_queries() as before:
        client.get("/")
    forum_service.reply(topic, other_member, "Hi")
    db.session.commit()
    client.get("/")  # the index changed: its cached page is rendered again once
    with count_queries() as after:
        page = client.get("/").get_data(as_text=True)
    assert '<span class="badge count">1' in page
    assert len(after.statements) == len(before.statements)


def test_unread_notices_of_other_members_stay(app, client, category, member, other_member, cy):
    """Following a post reads only the follower's notices, of that topic only."""
    a = forum_service.create_topic(category, member, "Topic A", "@cyrus look")
    b = forum_service.create_topic(category, member, "Topic B", "@cyrus here too")
    db.session.commit()
    forum_service.reply(a, other_member, "reply")
    db.session.commit()
    sign_in(client, cy)
    client.get(f"/p/{topic_first(a)}")
    assert _unread(cy) == 1 and _unread(member) == 1
    assert notices.notices_for(db.session.get(User, cy.id))[0].topic_id == b.id
