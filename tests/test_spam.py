"""Spam (issue 19, item 7): a moderator deletes a post for good (text erased, placeholder
kept, logged, the author told), and removes a spammer in one action after a confirmation
page that lists exactly what will go; each step logged, idempotent, hostile input refused."""

import io
import re
import threading

import pytest
from PIL import Image as Pillow
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    Category,
    Image,
    ModerationLog,
    Notice,
    Post,
    PostRevision,
    Report,
    Topic,
    User,
    utcnow,
)
from forum.services import Forbidden, ServiceError, images, spam
from forum.services import forum as forum_service
from forum.services import moderation as moderation_service
from forum.services import reports as reports_service
from forum.services.members import create_user
from tests.helpers import csrf_token, sign_in


def _png() -> bytes:
    buf = io.BytesIO()
    Pillow.new("RGB", (40, 30), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def _reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def _log(action=None) -> list[ModerationLog]:
    query = select(ModerationLog).order_by(ModerationLog.id)
    if action:
        query = query.where(ModerationLog.action == action)
    return list(db.session.scalars(query))


def _confirmed(user):
    user.confirmed_at = utcnow()
    db.session.commit()
    return user


# A moderator deletes one post


def _delete_post(client, post_id, reason="Spam: a link farm"):
    token = csrf_token(client, f"/staff/posts/{post_id}")
    return client.post(
        f"/staff/posts/{post_id}/delete", data={"csrf_token": token, "delete-reason": reason}
    )


def test_a_moderator_deletes_a_post_placeholder_log_notice_and_counters(
    client, topic, member, other_member, moderator
):
    _confirmed(other_member)
    picture, markdown_image = images.upload(other_member, _png(), "a banner")
    spam_post = forum_service.reply(topic, other_member, f"Cheap pills {markdown_image}")
    db.session.commit()
    forum_service.edit_own_post(spam_post, other_member, f"Cheaper pills {markdown_image}")
    reports_service.report_post(spam_post, member, "This is spam")
    db.session.commit()
    spam_id, picture_id = spam_post.id, picture.id
    assert "Cheaper" in client.get("/search?q=cheaper").get_data(as_text=True)
    sign_in(client, moderator)

    response = _delete_post(client, spam_id)
    assert response.status_code == 303 and response.location.endswith(f"/staff/topics/{topic.id}")
    post = _reload(Post, spam_id)
    assert (post.body, post.html, post.ip, post.deleted_by) == ("", "", None, "moderator")
    assert db.session.scalar(select(func.count()).where(PostRevision.post_id == spam_id)) == 0
    assert db.session.get(Image, picture_id) is None
    assert _reload(Topic, topic.id).post_count == 1
    assert db.session.get(Category, topic.category_id).post_count == 1
    assert db.session.get(User, other_member.id).post_count == 0
    (entry,) = _log("delete_post")
    assert (entry.actor_id, entry.post_id, entry.member_id) == (
        moderator.id,
        spam_id,
        other_member.id,
    )
    assert entry.reason == "Spam: a link farm"
    told = db.session.scalar(select(Notice).where(Notice.member_id == other_member.id))
    assert told.kind == "post_deleted" and "Spam: a link farm" in told.text
    reporter = db.session.scalar(select(Notice).where(Notice.member_id == member.id))
    assert reporter.kind == "report_handled" and "deleted" in reporter.text
    assert db.session.scalar(select(Report.resolution)) == "deleted"

    page = client.get(f"/t/{topic.id}/first-topic").get_data(as_text=True)
    assert "Deleted by a moderator" in page and "pills" not in page
    assert "pills" not in client.get("/search?q=cheaper").get_data(as_text=True)
    assert "pills" not in client.get(f"/t/{topic.id}/posts.atom").get_data(as_text=True)
    log_page = client.get("/staff/log").get_data(as_text=True)
    assert "deleted a post" in log_page
    # The moderator's page of the post says so and offers no more actions on it.
    staff_page = client.get(f"/staff/posts/{spam_id}").get_data(as_text=True)
    assert "Deleted by a moderator" in staff_page and "Delete the post" not in staff_page


def test_deleting_the_only_post_takes_the_topic_and_logs_it_by_number(
    client, category, other_member, moderator
):
    lone = forum_service.create_topic(category, other_member, "Buy now", "Spam spam spam.")
    db.session.commit()
    topic_id = lone.id
    first_id = db.session.scalar(select(Post.id).where(Post.topic_id == topic_id))
    sign_in(client, moderator)
    response = _delete_post(client, first_id)
    assert response.status_code == 303 and response.location.endswith("/c/general")
    assert _reload(Topic, topic_id) is None and client.get(f"/t/{topic_id}").status_code == 404
    (entry,) = _log("delete_post")
    assert entry.post_id is None and entry.topic_id is None
    assert f"post {first_id} and its topic {topic_id}" in entry.detail
    assert entry.category_id == category.id and entry.member_id == other_member.id
    assert db.session.get(Category, category.id).topic_count == 0


@pytest.mark.parametrize(
    "reason", ["", "   ", "x" * 501, "\x00\x01", "<script>alert(1)</script>" * 30]
)
def test_deleting_a_post_refuses_a_missing_or_hostile_reason(client, post, moderator, reason):
    sign_in(client, moderator)
    response = _delete_post(client, post.id, reason)
    assert response.status_code == 422
    assert _reload(Post, post.id).deleted_at is None and _log() == []
    assert "<script>alert" not in response.get_data(as_text=True)


def test_deleting_a_post_twice_is_refused_cleanly_and_members_cannot(
    client, topic, post, member, moderator
):
    sign_in(client, member)
    token = csrf_token(client, f"/t/{topic.id}/first-topic")
    refused = client.post(
        f"/staff/posts/{post.id}/delete", data={"csrf_token": token, "delete-reason": "no"}
    )
    assert refused.status_code == 403
    with pytest.raises(Forbidden):
        moderation_service.delete_post(post, member, "mine now")
    sign_in(client, moderator)
    token = csrf_token(client, f"/staff/posts/{post.id}")
    data = {"csrf_token": token, "delete-reason": "spam"}
    assert client.post(f"/staff/posts/{post.id}/delete", data=data).status_code == 303
    again = client.post(f"/staff/posts/{post.id}/delete", data=data)
    assert again.status_code == 422 and "already deleted" in again.get_data(as_text=True)
    assert len(_log("delete_post")) == 1
    assert client.post("/staff/posts/999999/delete", data=data).status_code == 404


# Removing a spammer


@pytest.fixture
def spammer(app, category, member):
    """spamalot: two topics (one with a reply by juniper), a reply in juniper's topic, a
    picture; juniper's topic exists too (the `member`'s)."""
    user = _confirmed(create_user("spamalot", "spamalot@example.org"))
    own = forum_service.create_topic(category, member, "Gardening", "Tomatoes.")
    db.session.commit()
    first = forum_service.create_topic(category, user, "Cheap watches", "Buy watches.")
    forum_service.create_topic(category, user, "Cheap pills", "Buy pills.")
    db.session.commit()
    forum_service.reply(first, member, "Reported, go away.")
    _, source = images.upload(user, _png(), "an advert")
    forum_service.reply(own, user, f"Also watches {source}")
    db.session.commit()
    user.own_topic_id = own.id
    return user


def _remove_page(client, name="spamalot"):
    return client.get(f"/staff/members/{name}/remove")


def _digest(page: str) -> str:
    match = re.search(r'name="remove-digest"[^>]*value="([0-9a-f]+)"', page)
    if match is None:
        match = re.search(r'value="([0-9a-f]+)"[^>]*name="remove-digest"', page)
    assert match, "no digest in the confirmation page"
    return match.group(1)


def _remove(client, account="suspend", reason="Spam account", name="spamalot", digest=None):
    page = _remove_page(client, name).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, f"/staff/members/{name}/remove"),
        "remove-account": account,
        "remove-reason": reason,
        "remove-digest": digest if digest is not None else _digest(page),
    }
    return client.post(f"/staff/members/{name}/remove", data=data), data


def test_the_confirmation_page_lists_everything_and_changes_nothing(client, spammer, admin):
    sign_in(client, admin)
    member_page = client.get("/staff/members/spamalot").get_data(as_text=True)
    assert "/staff/members/spamalot/remove" in member_page
    response = _remove_page(client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The account spamalot" in page
    assert "The topic “Cheap watches”, 2 posts (including 1 reply by another member)" in page
    assert "The topic “Cheap pills”, 1 post" in page
    assert "1 post in topics others started" in page and "1 picture" in page
    assert "2 topics" in page and "4 posts in all" in page
    assert 'value="delete"' in page  # admins may delete the account
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 3 and _log() == []


def test_an_admin_removes_a_spammer_and_deletes_the_account_each_step_logged(
    client, spammer, member, admin
):
    own_topic_id, spammer_id = spammer.own_topic_id, spammer.id
    sign_in(client, admin)
    response, data = _remove(client, account="delete")
    assert response.status_code == 303 and response.location.endswith("/staff/members")
    flashed = client.get(response.location).get_data(as_text=True)
    assert "2 topics, 1 post in other topics and 1 picture; the account is deleted" in flashed
    assert _reload(User, spammer_id) is None
    titles = set(db.session.scalars(select(Topic.title)))
    assert titles == {"Gardening"}
    reply = db.session.scalar(select(Post).where(Post.topic_id == own_topic_id, Post.position == 2))
    assert (reply.body, reply.deleted_by, reply.author_id) == ("", "moderator", None)
    assert db.session.scalar(select(func.count()).select_from(Image)) == 0
    # juniper's reply in the spam topic went with it: her count follows.
    assert db.session.get(User, member.id).post_count == 1
    category = db.session.scalar(select(Category))
    assert (category.topic_count, category.post_count) == (1, 1)
    actions = [e.action for e in _log()]
    assert actions == [
        "delete_topic",
        "delete_topic",
        "delete_post",
        "delete_pictures",
        "delete_account",
        "remove_spammer",
    ]
    assert all(e.reason == "Spam account" and e.actor_id == admin.id for e in _log())
    summary = _log("remove_spammer")[0].detail
    assert summary == "2 topics, 1 other post, 1 picture; the account deleted"
    assert [e.detail.split(", ")[1] for e in _log("delete_topic")] == ["2 posts", "1 post"]
    assert "Cheap" not in client.get("/search?q=cheap").get_data(as_text=True)
    assert "Cheap" not in client.get("/feeds/topics.atom").get_data(as_text=True)
    # The same form sent again: nothing left, nothing logged, no error.
    again = client.post("/staff/members/spamalot/remove", data=data)
    assert again.status_code == 303 and len(_log()) == 6
    assert "nothing was left to remove" in client.get(again.location).get_data(as_text=True)


def test_a_moderator_removes_a_spammer_by_suspending_and_a_second_submit_does_nothing(
    client, spammer, moderator
):
    sign_in(client, moderator)
    page = _remove_page(client).get_data(as_text=True)
    assert 'value="delete"' not in page
    response, data = _remove(client)
    assert response.status_code == 303 and response.location.endswith("/staff/members/spamalot")
    user = _reload(User, spammer.id)
    assert user.suspended() and user.suspension_reason == "Spam account"
    assert db.session.scalar(select(func.count()).where(Post.author_id == user.id)) == 1
    assert db.session.scalar(select(Post.body).where(Post.author_id == user.id)) == ""
    logged = len(_log())
    assert [e.action for e in _log()][-2:] == ["suspend", "remove_spammer"]
    again = client.post("/staff/members/spamalot/remove", data=data)
    assert again.status_code == 303 and len(_log()) == logged
    # Asking to delete is refused to a moderator, by the form and by the service.
    refused, _ = _remove(client, account="delete")
    assert refused.status_code == 422
    with pytest.raises(Forbidden):
        spam.remove(_reload(User, spammer.id), moderator, "delete", "x", "")


def test_the_removal_refuses_when_the_list_changed_since_it_was_shown(client, spammer, admin):
    sign_in(client, admin)
    stale = _digest(_remove_page(client).get_data(as_text=True))
    forum_service.reply(db.session.get(Topic, spammer.own_topic_id), spammer, "More spam")
    db.session.commit()
    response, _ = _remove(client, digest=stale)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "changed since the list was shown" in page and "2 posts in topics others started" in page
    assert _log() == [] and db.session.scalar(select(func.count()).select_from(Topic)) == 3


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_nobody_removes_staff_or_themselves(client, app, category, moderator, admin, role):
    other = _confirmed(create_user("modtwo", "modtwo@example.org", role="moderator"))
    boss = _confirmed(create_user("bossy", "bossy@example.org", role="admin"))
    actor = moderator if role == "moderator" else admin
    sign_in(client, actor)
    token = csrf_token(client, "/staff/members")
    for target in ("modtwo", "bossy", actor.username):
        assert _remove_page(client, target).status_code == 403
        data = {"csrf_token": token, "remove-account": "suspend", "remove-reason": "x"}
        response = client.post(f"/staff/members/{target}/remove", data=data)
        assert response.status_code == 403
    for target in (other, boss, actor):
        with pytest.raises(Forbidden):
            spam.plan(target, actor)
    assert "Remove this spammer" not in client.get("/staff/members/bossy").get_data(as_text=True)
    assert _log() == []


def test_members_and_visitors_cannot_remove_anyone(client, spammer, member):
    assert _remove_page(client).status_code == 403
    sign_in(client, member)
    assert _remove_page(client).status_code == 403
    with pytest.raises(Forbidden):
        spam.plan(spammer, member)


@pytest.mark.parametrize(
    "field, value",
    [
        ("remove-account", "purge"),
        ("remove-account", "'; DROP TABLE users; --"),
        ("remove-account", ""),
        ("remove-reason", ""),
        ("remove-reason", "y" * 5000),
        ("remove-digest", "not-a-digest"),
        ("remove-digest", "\x00" * 40),
        ("remove-digest", "f" * 10_000),
    ],
)
def test_hostile_input_is_refused_cleanly(client, spammer, admin, field, value):
    sign_in(client, admin)
    page = _remove_page(client).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, "/staff/members/spamalot/remove"),
        "remove-account": "suspend",
        "remove-reason": "Spam",
        "remove-digest": _digest(page),
        field: value,
    }
    response = client.post("/staff/members/spamalot/remove", data=data)
    assert response.status_code == 422
    assert _log() == [] and db.session.scalar(select(func.count()).select_from(Topic)) == 3


@pytest.mark.parametrize("name", ["nobody", "..%2F..%2Fetc", "%00", "a" * 300, "spam%25"])
def test_unknown_or_hostile_names_are_refused(client, admin, name):
    sign_in(client, admin)
    # 404, or 400 for what no URL may hold (a NUL byte).
    assert client.get(f"/staff/members/{name}/remove").status_code in (400, 404)


def test_the_service_refuses_unknown_account_choices(app, spammer, admin):
    planned = spam.plan(spammer, admin)
    with pytest.raises(ServiceError):
        spam.remove(spammer, admin, "erase", "Spam", planned.digest)
    with pytest.raises(ServiceError):
        spam.remove(spammer, admin, "suspend", "Spam", None)
    db.session.rollback()
    assert _log() == []


@pytest.mark.parametrize("account", ["suspend", "delete"])
def test_two_submits_at_once_remove_once(app, spammer, admin, account):
    """Two admins' browsers (or a double click) send the removal at the same moment: one
    removes, the other waits and finds nothing left (or, on SQLite, is told to try again);
    never an error page, never a step logged twice."""
    clients, forms = [app.test_client(), app.test_client()], []
    for c in clients:
        sign_in(c, admin)
        page = _remove_page(c).get_data(as_text=True)
        forms.append(
            {
                "csrf_token": csrf_token(c, "/staff/members/spamalot/remove"),
                "remove-account": account,
                "remove-reason": "Spam account",
                "remove-digest": _digest(page),
            }
        )
    db.session.remove()
    start, statuses = threading.Barrier(2), []

    def submit(c, data):
        start.wait()
        statuses.append(c.post("/staff/members/spamalot/remove", data=data).status_code)

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) in ([303, 303], [303, 503]), statuses
    actions = [e.action for e in _log()]
    assert actions.count("remove_spammer") == 1 and actions.count("delete_topic") == 2
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 1


def test_two_moderators_deleting_one_post_at_once_delete_it_once(app, post, moderator, admin):
    clients = [app.test_client(), app.test_client()]
    forms = []
    for c, who in zip(clients, (moderator, admin), strict=True):
        sign_in(c, who)
        token = csrf_token(c, f"/staff/posts/{post.id}")
        forms.append({"csrf_token": token, "delete-reason": "Spam"})
    post_id = post.id
    db.session.remove()
    start, statuses = threading.Barrier(2), []

    def submit(c, data):
        start.wait()
        statuses.append(c.post(f"/staff/posts/{post_id}/delete", data=data).status_code)

    threads = [
        threading.Thread(target=submit, args=pair) for pair in zip(clients, forms, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) in ([303, 422], [303, 503]), statuses
    assert len(_log("delete_post")) == 1
    # The author is told once.
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 1
