"""Latest and Unread (issue 17, item 6): /latest for everyone, cached per audience and
changed at once by new posts, moves and hides; its Atom feed; /unread and the index's
markers for members, from their reading progress; never a hidden topic or post."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Category, Topic, utcnow
from forum.services import forum as forum_service
from forum.services import moderation
from tests.helpers import make_app, sign_in

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_PAGES = [
    "0",
    "-1",
    "abc",
    "999",
    "1.5",
    "1e3",
    "%00",
    "\x00",
    "1;DROP TABLE topics",
    "9" * 400,
    "\uff11",  # a full-width digit one
    "²",
    "<script>",
    " 1",
]


def _titles(html: str) -> list[str]:
    return re.findall(r'class="topic-title" href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def forum(app, category, member, other_member, moderator):
    """Two categories; topics in both, written in a known order (the last is the latest)."""
    other = Category(name="Elsewhere", slug="elsewhere", position=2)
    db.session.add(other)
    db.session.flush()
    topics = {}
    for n, (cat, author) in enumerate(
        [(category, member), (other, other_member), (category, other_member), (other, member)]
    ):
        topics[n] = forum_service.create_topic(cat, author, f"Topic {n}", f"Body {n}")
        db.session.commit()
    return {"topics": topics, "general": category, "elsewhere": other}


def test_latest_lists_every_category_by_last_activity_for_a_visitor_without_a_cookie(
    client, forum, member
):
    response = client.get("/latest")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    html = response.get_data(as_text=True)
    assert _titles(html) == ["Topic 3", "Topic 2", "Topic 1", "Topic 0"]
    assert "Elsewhere" in html and "General" in html
    # A reply moves its topic to the top, at once (the cached page is keyed on revisions).
    forum_service.reply(forum["topics"][0], member, "Up again")
    db.session.commit()
    again = client.get("/latest")
    assert "Set-Cookie" not in again.headers
    assert _titles(again.get_data(as_text=True))[0] == "Topic 0"
    # The feed link is visible and in the head.
    assert 'href="/latest.atom" type="application/atom+xml"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html


def test_the_header_links_to_latest_for_everyone_and_unread_for_members(client, forum, member):
    visitor = client.get("/").get_data(as_text=True)
    assert 'href="/latest"' in visitor and 'href="/unread"' not in visitor
    sign_in(client, member)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/latest"' in page and 'href="/unread"' in page


def test_latest_pages(app, client, forum):
    app.config["TOPICS_PER_PAGE"] = 3
    first = client.get("/latest").get_data(as_text=True)
    assert _titles(first) == ["Topic 3", "Topic 2", "Topic 1"]
    assert 'href="/latest?page=2"' in first
    second = client.get("/latest?page=2").get_data(as_text=True)
    assert _titles(second) == ["Topic 0"]
    assert client.get("/latest?page=3").status_code == 404
    assert _titles(client.get("/latest?page=last").get_data(as_text=True)) == ["Topic 0"]


@pytest.mark.parametrize("raw", HOSTILE_PAGES)
def test_hostile_page_numbers_are_404_never_500(client, forum, raw):
    response = client.get("/latest", query_string={"page": raw})
    assert response.status_code in (400, 404), raw  # a NUL is refused before any view
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("raw", HOSTILE_PAGES)
def test_hostile_page_numbers_on_unread(member_client, forum, raw):
    assert member_client.get("/unread", query_string={"page": raw}).status_code in (400, 404)


def test_hidden_and_held_topics_are_never_listed_for_anyone(
    app, client, forum, moderator, member, admin
):
    topics = forum["topics"]
    moderation.set_topic_flag(topics[1], moderator, "hide", "Spam")
    app.config["NEW_MEMBER_REVIEW"] = True
    member.post_count = 0
    newcomer = forum_service.create_topic(forum["general"], member, "Held for review", "Hi")
    db.session.commit()
    assert newcomer.hidden
    for who in (None, member, admin):
        if who is not None:
            sign_in(client, who)
        html = client.get("/latest").get_data(as_text=True)
        assert "Topic 1" not in html and "Held for review" not in html, who
        assert _titles(html) == ["Topic 3", "Topic 2", "Topic 0"]
        feed = client.get("/latest.atom").get_data(as_text=True)
        assert "Topic 1" not in feed and "Held for review" not in feed


def test_a_move_and_a_hide_show_at_once_on_a_warm_page(client, forum, moderator):
    topics = forum["topics"]
    client.get("/latest")
    client.get("/latest")
    moderation.move_topic(topics[2], moderator, forum["elsewhere"].id, "Belongs there")
    db.session.commit()
    html = client.get("/latest").get_data(as_text=True)
    row = html.split(">Topic 2</a>", 1)[1].split("</li>", 1)[0]
    assert 'href="/c/elsewhere"' in row
    moderation.set_topic_flag(topics[3], moderator, "hide", "Off topic")
    db.session.commit()
    assert "Topic 3" not in client.get("/latest").get_data(as_text=True)


def test_the_latest_feed(client, forum, member):
    forum_service.reply(forum["topics"][1], member, "Secret words of a reply")
    db.session.commit()
    response = client.get("/latest.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert "Set-Cookie" not in response.headers
    root = ET.fromstring(response.data)
    entries = root.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles == ["Topic 1", "Topic 3", "Topic 2", "Topic 0"]
    first = entries[0]
    assert first.find(f"{ATOM}author/{ATOM}name").text == "juniper"
    assert first.find(f"{ATOM}link").attrib["href"].startswith("http://localhost/t/")
    # It says where and who, never the words of the posts.
    assert "Secret words" not in response.get_data(as_text=True)
    assert "2 posts in Elsewhere" in first.find(f"{ATOM}content").text
    assert (
        client.get("/latest.atom", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_latest_stays_within_the_query_budget(client, forum, member, count_queries):
    for who in (None, member):
        if who is not None:
            sign_in(client, who)
        for _ in range(2):
            db.session.expire_all()
            with count_queries() as queries:
                assert client.get("/latest").status_code == 200
            assert queries.count <= 5, queries.statements


# Unread


def _read(client, topic: Topic) -> None:
    assert client.get(f"/t/{topic.id}/{topic.slug}?page=last").status_code == 200


def _reply(client, topic: Topic, body: str) -> None:
    """Reply through the site as a member does, landing on the post (which reads it)."""
    page = client.get(f"/t/{topic.id}/{topic.slug}?page=last").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    posted = client.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": body})
    assert posted.status_code == 302
    assert client.get(posted.headers["Location"], follow_redirects=True).status_code == 200


def _unread_titles(client) -> list[str]:
    response = client.get("/unread")
    assert response.status_code == 200
    return _titles(response.get_data(as_text=True))


@pytest.fixture
def two_readers(app, forum, member, other_member):
    """A client each for juniper and tomasz (confirmed), who have both read every topic."""
    other_member.confirmed_at = utcnow()
    db.session.commit()
    clients = {}
    for user in (member, other_member):
        clients[user.username] = app.test_client()
        sign_in(clients[user.username], user)
        for topic in forum["topics"].values():
            _read(clients[user.username], topic)
    return clients


def test_unread_is_for_members(client):
    response = client.get("/unread")
    assert response.status_code == 302 and "/signin" in response.headers["Location"]


def test_unread_across_two_members_and_after_reading(two_readers, forum, member, other_member):
    juniper, tomasz = two_readers["juniper"], two_readers["tomasz"]
    assert _unread_titles(juniper) == [] and _unread_titles(tomasz) == []
    topics = forum["topics"]
    # Each replies through the site: their own reply is not unread to them.
    _reply(tomasz, topics[0], "News")
    _reply(juniper, topics[2], "More news")
    assert _unread_titles(juniper) == ["Topic 0"]
    assert _unread_titles(tomasz) == ["Topic 2"]
    html = juniper.get("/unread").get_data(as_text=True)
    topic = topics[0]
    assert f'href="/t/{topic.id}/{topic.slug}#new"' in html
    _read(juniper, topics[0])
    assert _unread_titles(juniper) == []
    assert _unread_titles(tomasz) == ["Topic 2"]


def test_a_topic_never_opened_is_not_unread(app, client, forum, member, other_member):
    sign_in(client, member)
    forum_service.reply(forum["topics"][1], other_member, "A reply")
    db.session.commit()
    assert _unread_titles(client) == []


def test_unread_leaves_out_hidden_topics_and_posts_no_one_may_read(
    two_readers, forum, member, other_member, moderator
):
    juniper = two_readers["juniper"]
    topics = forum["topics"]
    hidden_post = forum_service.reply(topics[0], other_member, "Spam at the end")
    forum_service.reply(topics[1], other_member, "In a topic about to be hidden")
    db.session.commit()
    assert _unread_titles(juniper) == ["Topic 1", "Topic 0"]
    moderation.set_post_hidden(
        moderation.post_for_moderation(hidden_post.id), moderator, True, "Spam"
    )
    moderation.set_topic_flag(topics[1], moderator, "hide", "Spam")
    db.session.commit()
    assert _unread_titles(juniper) == []
    assert "Spam at the end" not in juniper.get("/unread").get_data(as_text=True)


def test_unread_links_to_the_first_unread_page(app, two_readers, forum, other_member):
    app.config["POSTS_PER_PAGE"] = 2
    juniper = two_readers["juniper"]
    topic = forum["topics"][3]
    for n in range(4):
        forum_service.reply(topic, other_member, f"Reply {n}")
    db.session.commit()
    html = juniper.get("/unread").get_data(as_text=True)
    assert f'href="/t/{topic.id}/{topic.slug}?page=1#new"' not in html
    # juniper had seen post 1 of 5: post 2 is on page 1.
    assert f'href="/t/{topic.id}/{topic.slug}#new"' in html


def test_unread_pages(app, two_readers, forum, other_member):
    app.config["TOPICS_PER_PAGE"] = 2
    juniper = two_readers["juniper"]
    for topic in forum["topics"].values():
        forum_service.reply(topic, other_member, "Another")
        db.session.commit()
    assert _unread_titles(juniper) == ["Topic 3", "Topic 2"]
    second = juniper.get("/unread?page=2").get_data(as_text=True)
    assert _titles(second) == ["Topic 1", "Topic 0"]
    assert juniper.get("/unread?page=3").status_code == 404


# The index's markers


def _marked(html: str) -> set[str]:
    return set(re.findall(r'<a class="badge new" href="/c/([a-z-]+)">New posts', html))


def test_the_index_marks_categories_with_unread_topics_per_member(
    app, client, two_readers, forum, member, other_member
):
    juniper, tomasz = two_readers["juniper"], two_readers["tomasz"]
    for reader in (juniper, tomasz, client, juniper, tomasz, client):  # the cache warm
        assert _marked(reader.get("/").get_data(as_text=True)) == set()
    _reply(juniper, forum["topics"][1], "For tomasz to read")
    for _ in range(2):
        assert _marked(tomasz.get("/").get_data(as_text=True)) == {"elsewhere"}
        assert _marked(juniper.get("/").get_data(as_text=True)) == set()
        assert _marked(client.get("/").get_data(as_text=True)) == set()
    # One rendering for all members, never one per member.
    keys = [key for key in app.extensions["pagecache"]._entries if key[0] == "index"]
    assert {key[-1] for key in keys} == {"member", "visitor"}
    _read(tomasz, forum["topics"][1])
    assert _marked(tomasz.get("/").get_data(as_text=True)) == set()


def test_the_index_markers_cost_one_query_at_most(client, two_readers, forum, count_queries):
    juniper = two_readers["juniper"]
    juniper.get("/")
    for _ in range(2):
        db.session.expire_all()
        with count_queries() as queries:
            assert juniper.get("/").status_code == 200
        assert queries.count <= 4, queries.statements


def test_two_app_servers_on_one_database_agree_at_once(_schema, forum, member, other_member):
    """Each app has its own page cache, as each server does: a write through one shows
    through the other at once, on Latest, Unread and the index's markers."""
    other_member.confirmed_at = utcnow()
    db.session.commit()
    server_a, server_b = make_app(), make_app()
    a, b = server_a.test_client(), server_b.test_client()
    with server_a.app_context():
        sign_in(a, member)
    with server_b.app_context():
        sign_in(b, member)
    topics = forum["topics"]
    for client in (a, b):
        for topic in topics.values():
            _read(client, topic)
        for path in ("/latest", "/", "/unread", "/latest"):
            assert client.get(path).status_code == 200
    writer = server_a.test_client()
    with server_a.app_context():
        sign_in(writer, other_member)
    topic = topics[1]
    page = writer.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        writer.post(f"/t/{topic.id}/reply", data={"csrf_token": token, "body": "On A"}).status_code
        == 302
    )
    assert _titles(b.get("/latest").get_data(as_text=True))[0] == "Topic 1"
    assert _titles(server_b.test_client().get("/latest").get_data(as_text=True))[0] == "Topic 1"
    assert _unread_titles(b) == ["Topic 1"]
    assert _marked(b.get("/").get_data(as_text=True)) == {"elsewhere"}


def test_unread_considers_the_last_unread_days_only(app, two_readers, forum, other_member):
    juniper = two_readers["juniper"]
    topic = forum["topics"][0]
    forum_service.reply(topic, other_member, "An old reply")
    db.session.commit()
    assert _unread_titles(juniper) == ["Topic 0"]
    assert _marked(juniper.get("/").get_data(as_text=True)) == {"general"}
    db.session.execute(
        db.update(Topic)
        .where(Topic.id == topic.id)
        .values(last_post_at=utcnow() - timedelta(days=31))
    )
    db.session.commit()
    assert _unread_titles(juniper) == []
    assert _marked(juniper.get("/").get_data(as_text=True)) == set()
    app.config["UNREAD_DAYS"] = 40
    assert _unread_titles(juniper) == ["Topic 0"]
