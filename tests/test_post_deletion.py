"""A member deletes their own post: a confirmation page, then a POST; the words, earlier
versions and network data go at once, a placeholder keeps the place, counters, search and
feeds follow, and the deletion is in the member's own export, not the moderation log."""

import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import (
    Category,
    ModerationLog,
    Post,
    PostDeletion,
    PostRevision,
    Report,
    Topic,
    User,
)
from forum.services import Forbidden, ServiceError, erasure
from forum.services import forum as forum_service
from forum.services import reports as reports_service
from tests.helpers import csrf_token, sign_in


def _delete(client, post_id):
    token = csrf_token(client, f"/p/{post_id}/delete")
    return client.post(f"/p/{post_id}/delete", data={"csrf_token": token})


def _reload(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def test_deleting_a_reply_leaves_a_placeholder_and_fixes_the_counters(
    client, topic, member, other_member
):
    reply = forum_service.reply(topic, other_member, "Lighthouse keepers wave at **ships**.")
    db.session.commit()
    forum_service.edit_own_post(reply, other_member, "Lighthouse keepers wave at boats.")
    reports_service.report_post(reply, member, "Off topic")
    db.session.commit()
    assert _reload(Topic, topic.id).post_count == 2
    sign_in(client, other_member)

    page = client.get(f"/p/{reply.id}/delete")
    assert page.status_code == 200 and "Delete your post?" in page.get_data(as_text=True)
    assert _reload(Post, reply.id).body  # a GET deletes nothing
    response = _delete(client, reply.id)
    assert response.status_code == 303 and response.location.endswith(f"/p/{reply.id}")

    post = _reload(Post, reply.id)
    assert (post.body, post.html, post.ip, post.network_tag) == ("", "", None, None)
    assert post.deleted_at is not None and post.deleted_by == "author"
    assert db.session.scalar(select(func.count()).where(PostRevision.post_id == reply.id)) == 0
    assert db.session.scalar(select(Report.resolution).where(Report.post_id == reply.id)) == (
        "deleted"
    )
    t = _reload(Topic, topic.id)
    assert t.post_count == 1 and t.last_poster_id == member.id and t.last_position == 2
    assert db.session.get(Category, topic.category_id).post_count == 1
    assert db.session.get(User, other_member.id).post_count == 0

    text = client.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "Your post was deleted." in text and "Deleted by its author" in text
    assert f'id="p{reply.id}"' in text and "Lighthouse keepers" not in text
    # Permalinks stay: the placeholder is found where the post was.
    assert client.get(f"/p/{reply.id}").status_code == 302


def test_search_feeds_and_profile_forget_the_deleted_post(client, topic, member, other_member):
    reply = forum_service.reply(topic, other_member, "Zeppelins drift over Friedrichshafen.")
    db.session.commit()
    assert "Zeppelins" in client.get("/search?q=zeppelins").get_data(as_text=True)
    assert "Zeppelins" in client.get(f"/t/{topic.id}/posts.atom").get_data(as_text=True)
    erasure.delete_post(reply, other_member)
    db.session.commit()
    assert "Zeppelins" not in client.get("/search?q=zeppelins").get_data(as_text=True)
    assert "Zeppelins" not in client.get(f"/t/{topic.id}/posts.atom").get_data(as_text=True)
    profile = client.get(f"/u/{other_member.username}").get_data(as_text=True)
    assert "Zeppelins" not in profile


def test_the_first_post_of_a_topic_with_replies_leaves_the_topic(client, topic, member, post):
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.position == 1))
    sign_in(client, member)
    response = _delete(client, first.id)
    assert response.status_code == 303
    t = _reload(Topic, topic.id)
    assert t is not None and t.post_count == 1 and t.title == "First topic"
    page = client.get(f"/t/{t.id}/{t.slug}").get_data(as_text=True)
    assert "Deleted by its author" in page and "Hello" not in page
    assert "A reply with" in page
    feed = client.get("/feeds/topics.atom").get_data(as_text=True)
    assert "First topic" in feed and "Hello" not in feed


def test_a_topic_without_replies_is_deleted_whole(client, topic, member):
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    forum_service.edit_own_post(first, member, "Hello again")
    db.session.commit()
    assert db.session.get(Category, topic.category_id).topic_count == 1
    sign_in(client, member)
    first_id, topic_id = first.id, topic.id
    response = _delete(client, first_id)
    assert response.status_code == 303 and response.location.endswith("/c/general")
    assert "Your topic was deleted." in client.get("/c/general").get_data(as_text=True)
    assert _reload(Topic, topic_id) is None and db.session.get(Post, first_id) is None
    assert db.session.scalar(select(func.count()).select_from(PostRevision)) == 0
    category = db.session.scalar(select(Category))
    assert (category.topic_count, category.post_count, category.last_topic_id) == (0, 0, None)
    assert client.get(f"/t/{topic_id}").status_code == 404
    assert "First topic" not in client.get("/feeds/topics.atom").get_data(as_text=True)
    assert "First topic" not in client.get("/search?q=first").get_data(as_text=True)


def test_the_deletion_is_in_the_members_export_not_the_moderation_log(client, topic, member, post):
    first = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.position == 1))
    sign_in(client, member)
    _delete(client, first.id)
    exported = json.loads(client.get("/account/data.json").get_data(as_text=True))
    (record,) = exported["deleted_posts"]
    assert record["post_id"] == first.id and record["whole_topic"] is False
    assert all(p["id"] != first.id for p in exported["posts"])
    assert db.session.scalar(select(func.count()).select_from(ModerationLog)) == 0


def test_no_one_deletes_another_members_post(client, topic, member, post, moderator):
    sign_in(client, member)
    assert client.get(f"/p/{post.id}/delete").status_code == 403
    token = csrf_token(client, f"/t/{topic.id}/first-topic")
    assert client.post(f"/p/{post.id}/delete", data={"csrf_token": token}).status_code == 403
    with pytest.raises(Forbidden):
        erasure.delete_post(post, member)
    # A moderator's deletion is the same function, said to be theirs.
    with pytest.raises(Forbidden):
        erasure.delete_post(post, member, by="moderator")
    assert _reload(Post, post.id).body == "A reply with `code`."
    erasure.delete_post(_reload(Post, post.id), moderator, by="moderator")
    db.session.commit()
    assert _reload(Post, post.id).deleted_by == "moderator"
    assert db.session.scalar(select(func.count()).select_from(PostDeletion)) == 0
    page = client.get(f"/t/{topic.id}/first-topic").get_data(as_text=True)
    assert "Deleted by a moderator" in page


def test_a_deleted_post_cannot_be_deleted_edited_or_posted_without_a_token(
    client, topic, member, post, other_member
):
    sign_in(client, other_member)
    assert client.post(f"/p/{post.id}/delete").status_code == 400  # no CSRF token
    assert _reload(Post, post.id).deleted_at is None
    assert _delete(client, post.id).status_code == 303
    assert client.get(f"/p/{post.id}/delete").status_code == 404
    assert client.get(f"/p/{post.id}/edit").status_code == 404
    with pytest.raises(ServiceError):
        erasure.delete_post(_reload(Post, post.id), other_member)


def test_visitors_are_sent_to_sign_in(client, post):
    response = client.get(f"/p/{post.id}/delete")
    assert response.status_code in (302, 303) and "/signin" in response.location
