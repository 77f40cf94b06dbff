"""Atom feeds (RFC 4287): they parse, keep stable ids, link back, escape, and hide nothing."""

import calendar
import inspect
import re

import feedparser
import pytest
from sqlalchemy import update
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from forum import forms
from forum.extensions import db
from forum.forms import (
    accounts,
    admin,
    announcements,
    disclosure,
    moderation,
    privacy,
    reports,
    sanctions,
    search,
    support,
)
from forum.forms import forum as forum_forms
from forum.models import Post, Topic
from forum.services import forum as forum_service
from forum.services import support as support_service
from forum.services import support_desk
from tests.helpers import csrf_token, sign_in

NASTY = "<script>alert('x')</script> & \"quotes\""


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    assert "Set-Cookie" not in response.headers
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return response, feed


def alternate_link(page: str) -> str:
    match = re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', page
    )
    assert match, "the page does not link its feed"
    return match.group(1)


@pytest.fixture
def forum(category, member, other_member):
    first = forum_service.create_topic(category, member, f"Hello {NASTY}", f"Body {NASTY}")
    forum_service.reply(first, other_member, "A **reply**.")
    hidden_post = forum_service.reply(first, other_member, "Secret reply text")
    second = forum_service.create_topic(category, other_member, "Second topic", "Second body")
    hidden = forum_service.create_topic(category, member, "Hidden topic title", "Hidden body")
    db.session.commit()
    db.session.execute(update(Post).where(Post.id == hidden_post.id).values(hidden=True))
    db.session.execute(update(Topic).where(Topic.id == hidden.id).values(hidden=True))
    db.session.commit()
    return first, second, hidden


def test_latest_topics_feed(client, forum):
    first, _second, _hidden = forum
    page = client.get("/").get_data(as_text=True)
    url = alternate_link(page)
    assert url == "/feeds/topics.atom"
    response, feed = parse(client, url)
    assert feed.feed.id == "http://localhost/"
    assert feed.feed.link == "http://localhost/"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == "http://localhost/feeds/topics.atom"
    titles = [entry.title for entry in feed.entries]
    assert titles == ["Second topic", f"Hello {NASTY}"]
    entry = feed.entries[1]
    assert entry.id == f"http://localhost/t/{first.id}"
    assert entry.link == f"http://localhost/t/{first.id}/{first.slug}"
    assert entry.author == "juniper"
    # The title came through as text; the body as HTML, with the script text escaped.
    assert "&lt;script&gt;" in entry.content[0].value and "<script>" not in entry.content[0].value
    assert "<script>" not in response.get_data(as_text=True)
    published = calendar.timegm(entry.published_parsed)
    assert published == calendar.timegm(first.created_at.timetuple())
    assert feed.feed.updated_parsed == feed.entries[0].updated_parsed
    assert "Hidden" not in response.get_data(as_text=True)


def test_ids_are_stable_when_a_title_changes(client, forum):
    first = forum[0]
    before = {entry.id for entry in parse(client, "/feeds/topics.atom")[1].entries}
    db.session.execute(
        update(Topic).where(Topic.id == first.id).values(title="Renamed", slug="renamed")
    )
    db.session.commit()
    after = parse(client, "/feeds/topics.atom")[1]
    assert {entry.id for entry in after.entries} == before
    assert after.entries[1].link.endswith("/renamed")


def test_category_feed(client, forum, category):
    url = alternate_link(client.get(f"/c/{category.slug}").get_data(as_text=True))
    assert url == f"/c/{category.slug}/topics.atom"
    response, feed = parse(client, url)
    assert feed.feed.title == "Quiet Forum: General"
    assert len(feed.entries) == 2
    assert "Hidden" not in response.get_data(as_text=True)
    assert client.get("/c/nowhere/topics.atom").status_code == 404


def test_topic_feed_lists_visible_posts_newest_first(client, forum):
    first = forum[0]
    url = alternate_link(client.get(f"/t/{first.id}/{first.slug}").get_data(as_text=True))
    assert url == f"/t/{first.id}/posts.atom"
    response, feed = parse(client, url)
    posts = db.session.scalars(
        Post.__table__.select().where(Post.topic_id == first.id).order_by(Post.id)
    ).all()
    assert [entry.id for entry in feed.entries] == [
        f"http://localhost/p/{posts[1]}",
        f"http://localhost/p/{posts[0]}",
    ]
    assert "<strong>reply</strong>" in feed.entries[0].content[0].value
    assert feed.entries[0].title == f"Hello {NASTY} (#2)"
    assert "Secret" not in response.get_data(as_text=True)


def test_a_hidden_topic_has_no_feed_even_for_staff(client, forum, moderator):

    hidden = forum[2]
    sign_in(client, moderator)
    page = client.get(f"/t/{hidden.id}/{hidden.slug}")
    assert page.status_code == 200
    assert "application/atom+xml" not in page.get_data(as_text=True)
    assert client.get(f"/t/{hidden.id}/posts.atom").status_code == 404
    assert client.get("/t/999999/posts.atom").status_code == 404


def test_support_answers_feed_leaves_out_withdrawn_answers(client, moderator):
    made = []
    for title in (f"Answer {NASTY}", "Withdrawn one"):
        request = support_service.submit_request(
            support_service.Submission("support", title, "Q?", None, False, None, "192.0.2.1")
        )
        draft = support_desk.AnswerDraft(title, "Q?", "*Answer*")
        made.append(
            support_desk.publish(
                support_desk.get_request(request.id), moderator, draft, cleared=True
            )
        )
    db.session.commit()
    support_desk.withdraw(support_desk.get_request(made[1].request_id), moderator)
    db.session.commit()
    url = alternate_link(client.get("/support/answers").get_data(as_text=True))
    response, feed = parse(client, url)
    (entry,) = feed.entries
    assert entry.title == f"Answer {NASTY}"
    assert entry.id == f"http://localhost/support/answers/{made[0].id}"
    assert entry.link == f"http://localhost/support/answers/{made[0].id}-{made[0].slug}"
    assert "<em>Answer</em>" in entry.content[0].value
    assert "Withdrawn" not in response.get_data(as_text=True)


def test_an_empty_feed_is_valid(client):
    feed = parse(client, "/feeds/topics.atom")[1]
    assert feed.entries == [] and feed.feed.updated_parsed


def test_feeds_are_cacheable_and_bounded(app, client, category, member, count_queries):
    app.config["FEED_ENTRIES"] = 5
    topic = forum_service.create_topic(category, member, "Many", "first")
    for n in range(8):
        forum_service.create_topic(category, member, f"Topic {n}", "text")
        forum_service.reply(topic, member, f"reply {n}")
    db.session.commit()
    for url in ["/feeds/topics.atom", "/c/general/topics.atom", f"/t/{topic.id}/posts.atom"]:
        with count_queries() as queries:
            response, feed = parse(client, url)
        assert queries.count <= 3, (url, queries.statements)
        assert len(feed.entries) == 5
        assert "public" in response.headers["Cache-Control"]
        assert response.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304


def test_text_no_xml_can_hold_is_stripped_on_the_way_in(member_client, category, member):
    token = csrf_token(member_client, "/c/general/new")
    title = "Odd \uffff title\ufdd0 with\x0b \U0001fffe marks\x01"
    body = "Body\ufffe with\x08 tabs\tand\nlines"
    response = member_client.post(
        "/c/general/new", data={"csrf_token": token, "title": title, "body": body}
    )
    assert response.status_code == 302
    topic = db.session.scalar(db.select(Topic))
    assert topic.title == "Odd title with marks"
    post = db.session.scalar(db.select(Post))
    assert post.body == "Body with tabs\tand\nlines"
    for url in ("/feeds/topics.atom", "/c/general/topics.atom", f"/t/{topic.id}/posts.atom"):
        _response, feed = parse(member_client, url)
        assert feed.entries
    _response, feed = parse(member_client, "/feeds/topics.atom")
    assert feed.entries[0].title == "Odd title with marks"


def test_every_form_strips_what_no_text_may_hold(app):
    modules = (
        accounts,
        admin,
        announcements,
        disclosure,
        moderation,
        privacy,
        reports,
        sanctions,
        search,
        support,
        forum_forms,
    )
    classes = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.FlaskForm) and cls is not forms.Form
    }
    assert len(classes) > 20 and all(issubclass(cls, forms.Form) for cls in classes)
    with app.test_request_context(method="POST"):
        for cls in classes:
            form = cls(meta={"csrf": False}, formdata=MultiDict())
            names = [f.name for f in form if isinstance(f, StringField)]
            data = MultiDict(dict.fromkeys(names, "a\uffff\x00b\ud800\t"))
            form = cls(meta={"csrf": False}, formdata=data)
            for field in form:
                if isinstance(field, StringField):
                    assert field.data == "ab\t", (cls.__name__, field.name, field.data)


def test_every_feed_in_a_page_head_has_a_visible_link(client, site):
    """Issue 19, item 13: a feed announced only in <link> tags is invisible to readers."""
    pages = ["/", site.category, site.topic, "/support/answers", "/announcements"]
    pages.append(site.announcement)
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        head, body = page.split("<body", 1)
        feeds = re.findall(
            r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', head
        )
        assert feeds, path
        for href in feeds:
            assert f'<a href="{href}"' in body, (path, href)
