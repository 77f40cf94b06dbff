"""What the public pages show: counts, order, paging, permalinks and error pages."""

import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Topic
from forum.services import forum as forum_service


def test_index_lists_categories_with_counts_and_latest_activity(client, topic, post):
    page = client.get("/").get_data(as_text=True)
    assert "General" in page and "Anything at all." in page
    assert "1 topic" in page and "2 posts" in page
    assert "First topic" in page and "tomasz" in page


def test_an_empty_forum_says_so(client):
    assert "There are no categories yet." in client.get("/").get_data(as_text=True)


def test_category_lists_pinned_first_then_latest_activity(client, category, member):
    older = forum_service.create_topic(category, member, "Older topic", "x")
    forum_service.create_topic(category, member, "Newer topic", "x")
    pinned = forum_service.create_topic(category, member, "Pinned topic", "x")
    db.session.flush()
    older.last_post_at -= timedelta(days=2)
    pinned.last_post_at -= timedelta(days=5)
    pinned.pinned = True
    db.session.commit()
    page = client.get("/c/general").get_data(as_text=True)
    assert page.index("Pinned topic") < page.index("Newer topic") < page.index("Older topic")
    forum_service.reply(older, member, "bump")
    db.session.commit()
    page = client.get("/c/general").get_data(as_text=True)
    assert page.index("Pinned topic") < page.index("Older topic") < page.index("Newer topic")


def test_category_pages_through_topics(app, client, category, member):
    app.config["TOPICS_PER_PAGE"] = 3
    for n in range(7):
        forum_service.create_topic(category, member, f"Topic {n:02}", "x")
    db.session.commit()
    first = client.get("/c/general").get_data(as_text=True)
    last = client.get("/c/general?page=3").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="last"' in first
    assert last.count('class="topic-row') == 1 and 'rel="first"' in last
    assert client.get("/c/general?page=4").status_code == 404


def test_topic_pages_are_twenty_posts(client, topic, member):
    for n in range(45):
        forum_service.reply(topic, member, f"Reply number {n}")
    db.session.commit()
    url = f"/t/{topic.id}/{topic.slug}"
    first = client.get(url).get_data(as_text=True)
    assert first.count('<article class="post') == 20
    last = client.get(url + "?page=3").get_data(as_text=True)
    assert last.count('<article class="post') == 6
    assert "Reply number 44" in last
    assert client.get(url + "?page=last").get_data(as_text=True) == last
    assert "Jump to latest" in first


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "page=1e3", "page=%20", "page=٣", "page=" + "9" * 30]
)
def test_bad_page_numbers_are_a_clear_404(client, topic, query):
    for url in ["/c/general", f"/t/{topic.id}/{topic.slug}"]:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 404
        assert "no such page" in response.get_data(as_text=True)


def test_wrong_or_missing_slug_redirects_to_the_canonical_url(client, topic):
    response = client.get(f"/t/{topic.id}/wrong-slug?page=1&topic_id=7&slug=x")
    assert response.status_code == 301
    assert response.location == f"/t/{topic.id}/{topic.slug}?page=1"
    assert client.get(f"/t/{topic.id}").location == f"/t/{topic.id}/{topic.slug}"


@pytest.mark.parametrize(
    "url",
    ["/t/99999/x", "/p/99999", "/c/nope", "/u/nobody", "/u/a%20b", "/t/1x/x", "/c/%FF%FE"],
)
def test_missing_things_get_the_styled_404(client, topic, url):
    response = client.get(url)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<title>Page not found" in page and 'href="/static/style.css"' in page


def test_forbidden_gets_the_styled_403(client, topic, other_member):
    from tests.helpers import sign_in

    sign_in(client, other_member)
    first = db.session.scalar(db.select(Topic)).id
    response = client.get(f"/p/{first}/edit")
    assert response.status_code == 403
    assert "You may not do that" in response.get_data(as_text=True)


def test_method_not_allowed_is_styled(client, topic):
    response = client.put("/")
    assert response.status_code == 405
    assert "not allowed" in response.get_data(as_text=True)


def test_dates_are_time_elements_with_titles(client, topic):
    page = client.get(f"/t/{topic.id}/{topic.slug}").get_data(as_text=True)
    assert '<time datetime="' in page and 'title="' in page and "just now" in page


@pytest.mark.parametrize(
    "url", ["/u/%00", "/c/a%00b", "/?page=%00", "/c/general?x=%00", "/t/1%00/x"]
)
def test_nul_in_an_address_is_a_clear_400(client, topic, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "cannot contain NUL" in response.get_data(as_text=True)


# --- paging: the pager and the jump to the latest post --------------------------------------


def _pager(html: str) -> str:
    start = html.index('<nav class="pager"')
    return html[start : html.index("</nav>", start)]


def _numbers(pager: str) -> list[str]:
    """The page numbers and gaps of a pager, in order."""
    return [n or gap for n, gap in re.findall(r"(\d+)</(?:a|span)>|(…)", pager)]


@pytest.mark.parametrize(
    ("number", "count", "window"),
    [
        (1, 1, [1]),
        (1, 2, [1, 2]),
        (2, 2, [1, 2]),
        (1, 5, [1, 2, 3, None, 5]),
        (3, 5, [1, 2, 3, 4, 5]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
        (7, 14, [1, None, 5, 6, 7, 8, 9, None, 14]),
        (14, 14, [1, None, 12, 13, 14]),
    ],
)
def test_page_window(number, count, window):
    from forum.services.pagination import Page

    assert Page([], number, count).window == window


def test_pager_always_shows_the_first_and_last_page(app, client, site):
    app.config["POSTS_PER_PAGE"] = 5  # 69 posts: 14 pages
    pager = _pager(client.get(site.long_topic + "?page=7").get_data(as_text=True))
    assert _numbers(pager) == ["1", "…", "5", "6", "7", "8", "9", "…", "14"]
    assert 'rel="first"' in pager and 'rel="last"' in pager
    assert 'rel="prev"' in pager and 'rel="next"' in pager
    assert '<span aria-current="page"><span class="visually-hidden">Page </span>7</span>' in pager
    pager = _pager(client.get(site.long_topic).get_data(as_text=True))
    assert _numbers(pager) == ["1", "2", "3", "…", "14"]
    assert 'rel="prev"' not in pager and 'rel="first"' not in pager
    pager = _pager(client.get(site.long_topic + "?page=14").get_data(as_text=True))
    assert _numbers(pager) == ["1", "…", "12", "13", "14"]
    assert 'rel="next"' not in pager and 'rel="last"' not in pager
    html = client.get(site.long_topic).get_data(as_text=True)
    assert "Jump to latest" in html and f"{site.long_topic}?page=14#latest" in html


def test_a_topics_two_pagers_are_named_apart_in_the_readers_language(app, client, site):
    """Screen readers list the page's navigation landmarks by name: the topic's pagers say
    which is above and which below the posts, in the reader's language, and their links are
    escaped attribute values."""
    app.config["POSTS_PER_PAGE"] = 5
    html = client.get(site.long_topic + "?page=2").get_data(as_text=True)
    labels = re.findall(r'<nav class="pager" aria-label="([^"]*)"', html)
    assert labels == ["Pages, above the posts", "Pages, below the posts"]
    french = client.get(site.long_topic + "?page=2", headers={"Accept-Language": "fr"})
    page = french.get_data(as_text=True)
    labels = re.findall(r'<nav class="pager" aria-label="([^"]*)"', page)
    assert labels == ["Pages, au-dessus des messages", "Pages, sous les messages"]
    assert 'rel="prev">Précédente</a>' in page and 'rel="next">Suivante</a>' in page
    # A page with one pager names it plainly (the search's 69 posts fill four pages).
    results = client.get("/search", query_string={"q": "post"}).get_data(as_text=True)
    assert re.findall(r'<nav class="pager" aria-label="([^"]*)"', results) == ["Pages"]


def test_jump_to_latest_lands_on_the_last_post(client, site):
    html = client.get(site.long_topic + "?page=last").get_data(as_text=True)
    assert html.index('id="latest"') < html.index("Post 69") < html.index("</main>")
    assert html.count('id="latest"') == 1


@pytest.mark.parametrize(
    ("endpoint", "values"),
    [
        ("latest.latest_topics", {}),
        ("forum.category", {"slug": "general"}),
        ("forum.topic", {"topic_id": 7, "slug": "a-topic"}),
        ("search.search", {"q": 'otter "a&b" ü', "category": "general"}),
        ("moderation.log", {"action": "hide_post"}),
    ],
)
def test_pager_links_are_what_url_for_writes(app, endpoint, values):
    """The pager builds its links from one url_for: each must be what url_for would write."""
    from flask import url_for

    from forum.templating import page_link

    with app.test_request_context():
        link = page_link(endpoint, **values)
        for n in (1, 2, 10, 123):
            expected = url_for(endpoint, page=n, **values) if n > 1 else url_for(endpoint, **values)
            assert link(n) == expected


def test_id_links_are_what_url_for_writes(app):
    from flask import url_for

    from forum.templating import id_link

    with app.test_request_context("/search", base_url="http://localhost/sub"):
        for endpoint, key, values in [
            ("forum.post", "post_id", {}),
            ("forum.topic", "topic_id", {"slug": "ünïcode topic"}),
            ("support.answer", "answer_id", {"slug": "an-answer"}),
        ]:
            link = id_link(endpoint, key, **values)
            for n in (1, 42, 7309146528, 10**12):
                assert link(n) == url_for(endpoint, **values, **{key: n})
