"""Watching (issue 17, item 2) and quoting (item 4): Watch / Stop watching forms on topics
and categories, auto-watching, /account/watching, and the Quote link's pre-filled form."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Notice, Post, User, Watch
from forum.services import forum as forum_service
from tests.helpers import csrf_token, sign_in


def _watches(user) -> set:
    rows = db.session.execute(
        select(Watch.topic_id, Watch.category_id).where(Watch.member_id == user.id)
    )
    return set(rows.all())


def test_watch_and_stop_watching_a_category_and_a_topic(
    app, client, category, member, other_member
):
    sign_in(client, other_member)
    page = client.get("/c/general").get_data(as_text=True)
    assert 'action="/watching/category/general"' in page
    assert "/watching/category/general/stop" not in page
    token = csrf_token(client, "/c/general")
    response = client.post("/watching/category/general", data={"csrf_token": token})
    assert response.status_code == 303 and response.location == "/c/general"
    assert _watches(other_member) == {(None, category.id)}
    page = client.get("/c/general").get_data(as_text=True)
    assert 'action="/watching/category/general/stop"' in page
    # Watching twice changes nothing; a new topic there tells the watcher.
    client.post("/watching/category/general", data={"csrf_token": token})
    topic = forum_service.create_topic(category, member, "Fresh", "New here")
    db.session.commit()
    kinds = db.session.scalars(select(Notice.kind).where(Notice.member_id == other_member.id))
    assert list(kinds) == ["watched"]
    # The same page, cached for members, shows each member their own state.
    sign_in(client, member)
    page = client.get("/c/general").get_data(as_text=True)
    assert "/watching/category/general/stop" not in page
    topic_page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert f'action="/watching/topic/{topic.id}/stop"' in topic_page  # auto-watched
    sign_in(client, other_member)
    response = client.post("/watching/category/general/stop", data={"csrf_token": token})
    assert response.status_code == 303 and _watches(other_member) == set()
    response = client.post(f"/watching/topic/{topic.id}", data={"csrf_token": token})
    assert _watches(other_member) == {(topic.id, None)}
    client.post(f"/watching/topic/{topic.id}/stop", data={"csrf_token": token})
    assert _watches(other_member) == set()


def test_visitors_see_no_watch_button(client, topic):
    assert "/watching/" not in client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert "/watching/" not in client.get("/c/general").get_data(as_text=True)


def test_auto_watch_own_topics_and_replies_unless_turned_off(
    app, client, category, member, other_member
):
    topic = forum_service.create_topic(category, member, "Mine", "Hello")
    forum_service.reply(topic, other_member, "Reply")
    db.session.commit()
    assert _watches(member) == {(topic.id, None)}
    assert _watches(other_member) == {(topic.id, None)}
    sign_in(client, member)
    token = csrf_token(client, "/notifications")
    data = {"csrf_token": token, "replies": "never", "mentions": "never", "watched": "never"}
    assert client.post("/notifications/mail", data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, member.id).auto_watch is False
    forum_service.create_topic(
        db.session.get(Category, category.id), db.session.get(User, member.id), "Quiet", "x"
    )
    db.session.commit()
    assert _watches(member) == {(topic.id, None)}


def test_the_watching_list_stops_watches(app, client, category, member, other_member):
    topic = forum_service.create_topic(category, member, "Listed", "Hello")
    db.session.commit()
    sign_in(client, member)
    client.post("/watching/category/general", data={"csrf_token": csrf_token(client, "/")})
    page = client.get("/account/watching").get_data(as_text=True)
    assert "Listed" in page and "General" in page
    (watch_id,) = db.session.scalars(select(Watch.id).where(Watch.topic_id == topic.id))
    token = csrf_token(client, "/account/watching")
    response = client.post(f"/account/watching/{watch_id}/stop", data={"csrf_token": token})
    assert response.status_code == 303
    assert _watches(member) == {(None, category.id)}
    # Someone else's watch cannot be stopped from here.
    sign_in(client, other_member)
    (mine,) = db.session.scalars(select(Watch.id).where(Watch.member_id == member.id))
    token = csrf_token(client, "/account/watching")
    client.post(f"/account/watching/{mine}/stop", data={"csrf_token": token})
    assert _watches(member) == {(None, category.id)}


@pytest.mark.parametrize(
    "path",
    [
        "/watching/topic/999999",
        "/watching/topic/999999/stop",
        "/watching/category/%00%27%22<x>",
        "/watching/category/no-such/stop",
        "/account/watching/99999999999999999999/stop",
        "/watching/topic/-1",
    ],
)
def test_hostile_watch_requests(client, member, category, path):
    sign_in(client, member)
    response = client.post(path, data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code in (303, 400, 404, 405)


def test_a_hidden_topic_cannot_be_watched(app, client, topic, member, other_member):
    topic.hidden = True
    db.session.commit()
    sign_in(client, other_member)
    token = csrf_token(client, "/")
    assert client.post(f"/watching/topic/{topic.id}", data={"csrf_token": token}).status_code == 404


def test_the_quote_link_prefills_the_reply_form(app, client, topic, member, other_member):
    first = db.session.scalar(select(Post.id).where(Post.topic_id == topic.id))
    sign_in(client, other_member)
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert f'href="/p/{first}/quote"' in page
    response = client.get(f"/p/{first}/quote")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"&gt; **@juniper** [wrote](/p/{first}):\n&gt;\n&gt; Hello **world**." in page
    assert f'action="/t/{topic.id}/reply"' in page
    # Sending it tells the quoted member, with a quote notice, and shows the attribution.
    token = csrf_token(client, f"/p/{first}/quote")
    body = f"> **@juniper** [wrote](/p/{first}):\n>\n> Hello **world**.\n\nIndeed."
    response = client.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": body})
    assert response.status_code == 302
    kinds = db.session.scalars(select(Notice.kind).where(Notice.member_id == member.id))
    assert list(kinds) == ["quote"]
    page = client.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert '<a href="/u/juniper" class="mention"' in page and f'<a href="/p/{first}"' in page


@pytest.mark.parametrize("post_id", ["999999", "0", "99999999999999999999999"])
def test_quoting_what_does_not_exist(client, member, post_id):
    sign_in(client, member)
    assert client.get(f"/p/{post_id}/quote").status_code == 404


def test_visitors_and_locked_topics_cannot_quote(app, client, topic, member):
    first = db.session.scalar(select(Post.id).where(Post.topic_id == topic.id))
    assert client.get(f"/p/{first}/quote").status_code in (302, 401)
    topic.locked = True
    db.session.commit()
    sign_in(client, member)
    assert client.get(f"/p/{first}/quote").status_code == 403
