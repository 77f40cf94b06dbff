"""Every page runs a small, fixed number of SQL queries, whatever the size of the forum."""

import pytest

from forum.extensions import db
from forum.models import Category
from forum.services import forum as forum_service
from forum.services import network
from tests.helpers import sign_in

LIMIT = 5


@pytest.fixture
def big_forum(app, member, other_member, moderator):
    """Several categories, many topics, and a topic long enough for many pages."""
    categories = [Category(name=f"Cat {n}", slug=f"cat-{n}", position=n) for n in range(4)]
    db.session.add_all(categories)
    db.session.flush()
    authors = [member, other_member, moderator]
    for n in range(60):
        topic = forum_service.create_topic(
            categories[n % 4], authors[n % 3], f"Topic number {n}", f"Body {n}"
        )
    for n in range(90):
        forum_service.reply(topic, authors[n % 3], f"Reply {n} with **Markdown**")
    db.session.commit()
    return topic


# The missing page, and a second page of a category of 15 topics (25 to a page).
NOT_FOUND = {"/nowhere", "/c/cat-0?page=2"}


def _pages(topic, member):
    return [
        "/",
        "/c/cat-0",
        "/c/cat-0?page=2",
        f"/t/{topic.id}/{topic.slug}",
        f"/t/{topic.id}/{topic.slug}?page=3",
        f"/t/{topic.id}/{topic.slug}?page=last",
        f"/u/{member.username}",
        "/nowhere",
    ]


@pytest.mark.parametrize("who", ["visitor", "member", "moderator"])
def test_no_page_runs_more_than_five_queries(
    app, client, big_forum, member, moderator, count_queries, who
):
    if who != "visitor":
        sign_in(client, member if who == "member" else moderator)
    for url in _pages(big_forum, member):
        db.session.expire_all()
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == (404 if url in NOT_FOUND else 200), url
        assert queries.count <= LIMIT, (url, queries.statements)


def test_query_count_does_not_grow_with_the_forum(app, client, category, member, count_queries):
    topic = forum_service.create_topic(category, member, "Growing", "First")
    db.session.commit()
    counts = []
    for _ in range(2):
        for n in range(40):
            forum_service.reply(topic, member, f"Reply {n}")
        db.session.commit()
        with count_queries() as queries:
            client.get(f"/t/{topic.id}/{topic.slug}?page=last")
        counts.append(queries.count)
    assert counts[0] == counts[1]


def test_member_can_start_a_topic_in_few_queries(member_client, category, count_queries):
    from tests.helpers import csrf_token

    token = csrf_token(member_client, "/c/general/new")
    # The week's network-tag secret is made by the first write of the week (3 queries, once):
    # made here beforehand, so that what is counted is every other write.
    network.tag_for("192.0.2.1")
    db.session.commit()
    with count_queries() as queries:
        response = member_client.post(
            "/c/general/new", data={"csrf_token": token, "title": "Hello", "body": "There"}
        )
    assert response.status_code == 302
    # 10, two for notifications (the author starts watching the topic, and who watches its
    # category is looked up, to tell them of the new topic), and the member's row read again
    # after the commit (the redirect's message is written in the member's language).
    assert queries.count <= 13, queries.statements


def test_a_member_topic_page_stays_within_the_query_budget(
    member_client, site, member, count_queries
):
    for path in (site.topic, site.long_topic + "?page=last", site.category):
        member_client.get(path)
        db.session.expire_all()
        with count_queries() as queries:
            assert member_client.get(path).status_code == 200
        assert queries.count <= 5, (path, queries.statements)


def test_a_members_page_view_loads_the_member_with_the_pages_head(
    member_client, site, member, count_queries
):
    """With the page cache warm, a member's topic page is one query, as a visitor's is: the
    member comes with the topic's head (services/heads.py). A category page adds what they
    read of its topics; the index, the categories' counters and what is unread."""
    expected = {site.topic: 1, site.long_topic + "?page=last": 1, site.category: 2, "/": 3}
    for path, count in expected.items():
        member_client.get(path)
        db.session.expire_all()
        with count_queries() as queries:
            response = member_client.get(path)
        assert response.status_code == 200
        assert "Sign out" in response.get_data(as_text=True)  # it is the member's page
        assert queries.count == count, (path, queries.statements)
