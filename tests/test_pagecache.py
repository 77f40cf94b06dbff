"""Visitors' pages are cached until the topic changes; members always get fresh pages."""

from forum.extensions import db
from forum.models import Post
from forum.services import forum as forum_service
from tests.helpers import csrf_token, sign_in


def _url(topic):
    return f"/t/{topic.id}/{topic.slug}"


def test_a_visitor_gets_a_topic_page_for_one_query_the_second_time(client, topic, count_queries):
    first = client.get(_url(topic)).get_data()
    with count_queries() as queries:
        again = client.get(_url(topic)).get_data()
    assert again == first
    assert queries.count == 1, queries.statements  # the topic's row, for its revision


def test_a_reply_shows_at_once_to_visitors(client, topic, member):
    assert "Fresh reply" not in client.get(_url(topic)).get_data(as_text=True)
    forum_service.reply(topic, member, "Fresh reply")
    db.session.commit()
    assert "Fresh reply" in client.get(_url(topic)).get_data(as_text=True)
    assert "Fresh reply" not in client.get("/c/general").get_data(as_text=True)  # titles only
    assert "2 posts" in client.get("/").get_data(as_text=True)


def test_an_edit_shows_at_once_to_visitors(app, client, topic, member):
    client.get(_url(topic))
    first = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    member_client = app.test_client()
    sign_in(member_client, member)
    token = csrf_token(member_client, f"/p/{first.id}/edit")
    member_client.post(f"/p/{first.id}/edit", data={"csrf_token": token, "body": "Edited text"})
    assert "Edited text" in client.get(_url(topic)).get_data(as_text=True)


def test_a_new_topic_shows_at_once_in_its_category(client, category, member):
    client.get("/c/general")
    forum_service.create_topic(category, member, "Brand new topic", "x")
    db.session.commit()
    assert "Brand new topic" in client.get("/c/general").get_data(as_text=True)


def test_members_never_get_the_visitors_page(app, client, topic, member):
    visitor_page = client.get(_url(topic)).get_data(as_text=True)
    assert "Sign in" in visitor_page
    sign_in(client, member)
    page = client.get(_url(topic)).get_data(as_text=True)
    assert "Sign in</a>" not in page and 'action="/t/' in page and ">Edit<" in page


def test_each_page_number_is_its_own_entry(app, client, topic, member):
    app.config["POSTS_PER_PAGE"] = 2
    for n in range(3):
        forum_service.reply(topic, member, f"Reply {n}")
    db.session.commit()
    one = client.get(_url(topic)).get_data(as_text=True)
    two = client.get(_url(topic) + "?page=2").get_data(as_text=True)
    assert "Reply 2" not in one and "Reply 2" in two


def test_entries_expire(app, client, topic, count_queries):
    app.extensions["pagecache"].seconds = 0
    client.get(_url(topic))
    with count_queries() as queries:
        client.get(_url(topic))
    assert queries.count == 3  # the head row, the topic with its category, the posts


def test_the_cache_can_be_turned_off(client, topic, count_queries):
    client.application.extensions["pagecache"].size = 0
    client.get(_url(topic))
    with count_queries() as queries:
        client.get(_url(topic))
    assert queries.count == 3  # the head row, the topic with its category, the posts


def test_the_cache_keeps_at_most_its_size(app):
    pages = app.extensions["pagecache"]
    pages.size = 3
    for n in range(5):
        pages.put(("k", n), f"page {n}")
    assert pages.get(("k", 0)) is None and pages.get(("k", 4)) == "page 4"
