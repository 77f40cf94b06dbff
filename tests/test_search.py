"""Full-text search: the same tests on SQLite FTS5 and PostgreSQL, hostile input included."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update

from forum.extensions import db
from forum.models import Category, Post, Topic, utcnow
from forum.services import forum as forum_service
from forum.services import moderation, support_desk
from forum.services import search as service
from forum.services import support as support_service
from tests.helpers import sign_in

MARKED = re.compile(r"<mark>([^<]*)</mark>")


def results(client, **params):
    response = client.get("/search", query_string=params)
    return response, response.get_data(as_text=True)


def publish_answer(moderator, title, question, answer):
    request = support_service.submit_request(
        support_service.Submission("support", title, question, None, False, None, "192.0.2.1")
    )
    draft = support_desk.AnswerDraft(title, question, answer)
    published = support_desk.publish(
        support_desk.get_request(request.id), moderator, draft, cleared=True
    )
    db.session.commit()
    return published


def test_finds_posts_topic_titles_and_published_answers(client, category, member, moderator):
    topic = forum_service.create_topic(category, member, "Lighthouses of Brittany", "Tall towers.")
    forum_service.reply(topic, member, "The keeper climbed the lighthouse stairs at dusk.")
    db.session.commit()
    answer = publish_answer(moderator, "Lighthouse photos", "May I post photos?", "Yes, please.")
    response, page = results(client, q="lighthouse")
    assert response.status_code == 200
    assert f'href="/t/{topic.id}/{topic.slug}"' in page
    assert "<mark>Lighthouses</mark> of Brittany" in page  # the title, stemmed
    assert "climbed the <mark>lighthouse</mark> stairs" in page
    assert f'href="/support/answers/{answer.id}-{answer.slug}"' in page
    assert "3 results." in page
    assert "Set-Cookie" not in response.headers


def test_withdrawn_answers_and_deleted_posts_leave_the_index_at_once(
    client, category, member, moderator
):
    answer = publish_answer(moderator, "Zeppelin rides", "Any zeppelin tips?", "Book early.")
    topic = forum_service.create_topic(category, member, "Airships", "A zeppelin overhead today!")
    db.session.commit()
    assert "2 results." in results(client, q="zeppelin")[1]
    support_desk.withdraw(support_desk.get_request(answer.request_id), moderator)
    db.session.commit()
    assert "1 result." in results(client, q="zeppelin")[1]
    db.session.delete(db.session.get(Topic, topic.id))
    db.session.commit()
    assert "Nothing matches" in results(client, q="zeppelin")[1]
    # Publishing again puts it back, with the edited words.
    request = support_desk.get_request(answer.request_id)
    draft = support_desk.AnswerDraft("Airship rides", "Any tips?", "Book a zeppelin early.")
    support_desk.publish(request, moderator, draft, cleared=True)
    db.session.commit()
    page = results(client, q="zeppelin")[1]
    assert "1 result." in page and "Airship rides" in page
    assert "Nothing matches" in results(client, q="rides tips -zeppelin")[1]


def test_an_edited_post_is_found_by_its_new_words_only(client, topic, member):
    post = forum_service.reply(topic, member, "Marmalade recipe")
    db.session.commit()
    forum_service.edit_own_post(post, member, "Chutney recipe")
    db.session.commit()
    assert "Nothing matches" in results(client, q="marmalade")[1]
    assert "<mark>Chutney</mark>" in results(client, q="chutney")[1]


def test_hidden_posts_and_topics_show_to_staff_only(client, category, member, moderator):
    shown = forum_service.create_topic(category, member, "Open kayak talk", "kayak paddles")
    hidden_post = forum_service.reply(shown, member, "kayak secret spot")
    hidden_topic = forum_service.create_topic(category, member, "Hidden kayak", "kayak trip")
    db.session.commit()
    db.session.execute(update(Post).where(Post.id == hidden_post.id).values(hidden=True))
    db.session.execute(update(Topic).where(Topic.id == hidden_topic.id).values(hidden=True))
    db.session.commit()
    # With a category the posts' topics are joined; without, hidden topics are left out by
    # their index: both ways leave them out.
    for filters in ({}, {"category": category.slug}):
        page = results(client, q="kayak", **filters)[1]
        assert "paddles" in page and "Open" in page
        assert "secret spot" not in page and "Hidden" not in page and "trip" not in page
    sign_in(client, moderator)
    for filters in ({}, {"category": category.slug}):
        page = results(client, q="kayak", **filters)[1]
        assert "secret spot" in page and "Hidden" in page and "trip" in page
        assert "hidden</span>" in page


def test_what_visitors_may_not_find_follows_every_change_of_visibility(
    client, category, member, moderator
):
    """Hiding and showing posts and topics, a reply in a hidden topic, a post's row gone and
    its id given again: a visitor's search follows each at once (on SQLite it reads the
    list of unlisted posts that triggers keep, not the posts' rows)."""
    topic = forum_service.create_topic(category, member, "Heron watch", "heron nest one")
    two = forum_service.reply(topic, member, "heron nest two")
    db.session.commit()

    def found():
        page = results(client, q="heron")[1]
        return {word for word in ("one", "two", "three", "four") if f"nest {word}" in page}

    assert found() == {"one", "two"}
    moderation.set_post_hidden(
        moderation.post_for_moderation(two.id), moderator, True, "Off topic."
    )
    db.session.commit()
    assert found() == {"one"}
    moderation.set_topic_flag(
        moderation.topic_for_moderation(topic.id), moderator, "hide", "Spam wave."
    )
    db.session.commit()
    assert found() == set() and "Heron watch" not in results(client, q="heron")[1]
    three = forum_service.reply(topic, moderator, "heron nest three")
    db.session.commit()
    assert found() == set()
    moderation.set_topic_flag(
        moderation.topic_for_moderation(topic.id), moderator, "unhide", "Cleaned up."
    )
    db.session.commit()
    assert found() == {"one", "three"}  # two is still hidden on its own
    moderation.set_post_hidden(
        moderation.post_for_moderation(two.id), moderator, False, "Fine after all."
    )
    db.session.commit()
    assert found() == {"one", "two", "three"}
    # The newest post hidden, then its row deleted: SQLite may give its id to the next post.
    moderation.set_post_hidden(
        moderation.post_for_moderation(three.id), moderator, True, "Duplicate."
    )
    db.session.commit()
    db.session.execute(delete(Post).where(Post.id == three.id))
    db.session.commit()
    forum_service.reply(topic, member, "heron nest four")
    db.session.commit()
    assert found() == {"one", "two", "four"}
    sign_in(client, moderator)
    assert found() == {"one", "two", "four"}


def test_phrases_and_excluded_words(client, category, member):
    topic = forum_service.create_topic(category, member, "Bread", "red apple pie")
    forum_service.reply(topic, member, "apple red pie")
    forum_service.reply(topic, member, "green apple crumble")
    db.session.commit()
    # FTS5 marks a phrase as one span, PostgreSQL word by word.
    page = results(client, q='"red apple"')[1].replace("</mark> <mark>", " ")
    assert "1 result." in page and "<mark>red apple</mark> pie" in page
    page = results(client, q="apple -red")[1]
    assert "1 result." in page and "crumble" in page
    page = results(client, q='apple -"red apple"')[1]
    assert "2 results." in page and "red apple pie" not in page


def test_snippets_are_escaped_and_only_our_mark_highlights(client, category, member):
    body = 'Beware <script>alert("x")</script> & <mark>fake</mark> of the walrus & "quotes"'
    forum_service.create_topic(category, member, "<b>Walrus</b> & co", body)
    db.session.commit()
    page = results(client, q="walrus")[1]
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;mark&gt;fake&lt;/mark&gt;" in page
    assert sorted(MARKED.findall(page)) == ["Walrus", "walrus"]
    assert "&lt;b&gt;<mark>Walrus</mark>&lt;/b&gt; &amp; co" in page


def test_highlight_balances_stray_sentinels():
    assert service.highlight("a \x02b\x03 c") == "a <mark>b</mark> c"
    paired = "\x02x\x03 & \x02<y>\x03\x02\x03"
    assert service.highlight(paired) == "<mark>x</mark> &amp; <mark>&lt;y&gt;</mark><mark></mark>"
    assert service.highlight("\x03x\x02y") == "x<mark>y</mark>"
    assert service.highlight("\x02\x02<i>\x03\x03") == "<mark>&lt;i&gt;</mark>"
    assert service.highlight(None) == ""


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        'walrus "',
        'a"b"c"',
        "NEAR(",
        "NEAR(walrus walrus, 2)",
        "walrus*",
        "*",
        ":",
        "body:walrus",
        "^walrus",
        "{walrus}",
        "walrus AND OR NOT",
        "- - -",
        "-walrus",
        '-"',
        "'; DROP TABLE posts; --",
        "1' OR '1'='1",
        "walrus) OR (1=1",
        "&|!<->:*",
        "\\",
        "\u202ewalrus\u2066",
        "x" * 10_000,
        "walrus " * 2_000,
        "",
        "   ",
    ],
)
def test_hostile_queries_get_a_normal_page(client, category, member, q):
    forum_service.create_topic(category, member, "Walrus", "The walrus near the shore.")
    db.session.commit()
    response, page = results(client, q=q)
    assert response.status_code == 200, page
    assert "<h1>Search</h1>" in page
    assert db.session.execute(text("SELECT count(*) FROM posts")).scalar_one() == 1


def test_nul_and_long_queries(client, topic):
    assert client.get("/search?q=a%00b").status_code == 400
    response, page = results(client, q="hello " * 100)
    assert response.status_code == 200
    assert "only its first 200 characters" in page
    assert 'value="' + "hello " * 33 + 'he"' in page


def test_parse_query(app):
    query = service.parse_query('apple "red  pie" -core -"bad apple" e-mail -')
    assert query.phrases == (("apple",), ("red", "pie"), ("e", "mail"))
    assert query.excluded == (("core",), ("bad", "apple"))
    assert not service.parse_query("- -x").searchable
    assert service.parse_query("a b c d e f g h i j k l m n").shortened


def test_filters_by_category_author_and_dates(client, category, member, other_member):
    other = Category(name="Other", slug="other", position=2)
    db.session.add(other)
    db.session.flush()
    old = forum_service.create_topic(category, member, "Canal boats", "narrowboat life")
    forum_service.create_topic(other, other_member, "Barges", "narrowboat and barge")
    db.session.flush()
    long_ago = utcnow() - timedelta(days=400)
    db.session.execute(update(Post).where(Post.topic_id == old.id).values(created_at=long_ago))
    db.session.commit()
    assert "2 results." in results(client, q="narrowboat")[1]
    page = results(client, q="narrowboat", category="other")[1]
    assert "1 result." in page and "barge" in page
    page = results(client, q="narrowboat", author="JUNIPER")[1]
    assert "1 result." in page and "</mark> life" in page
    today = utcnow().date()
    page = results(client, q="narrowboat", **{"from": str(today - timedelta(days=1))})[1]
    assert "1 result." in page and "barge" in page
    page = results(client, q="narrowboat", to=str(today - timedelta(days=300)))[1]
    assert "1 result." in page and "</mark> life" in page
    # The pager keeps the filters.
    assert 'name="category"' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "yesterday"}, "Give a date as YYYY-MM-DD"),
        ({"to": "2026-02-30"}, "Give a date as YYYY-MM-DD"),
        ({"from": "9" * 400}, "Give a date as YYYY-MM-DD"),
        ({"from": "2026-03-01", "to": "2026-01-01"}, "The first date comes after the last one."),
        ({"category": "nowhere"}, "Not a valid choice"),
        ({"author": "nobody_here"}, "No member has that name."),
        ({"author": "x" * 300}, "Field cannot be longer than 40 characters."),
    ],
)
def test_invalid_filters_get_a_clear_message(client, topic, params, message):
    response, page = results(client, q="topic", **params)
    assert response.status_code == 400
    assert message in page


def test_ranking_is_relevance_then_newest_and_pages_are_bounded(app, client, category, member):
    topic = forum_service.create_topic(category, member, "Ranking", "unrelated opening")
    for n in range(45):
        forum_service.reply(topic, member, f"The otter number {n} swims.")
    best = forum_service.reply(topic, member, "Otter otter otter.")
    db.session.commit()
    page = results(client, q="otter")[1]
    assert "46 results." in page
    order = re.findall(r"otter</mark> number (\d+)", page)
    assert page.index("Otter</mark> <mark>otter") < page.index("number 44")
    assert order == [str(n) for n in range(44, 25, -1)]  # newest first among equals
    assert f'href="/p/{best.id}"' in page
    page3 = results(client, q="otter", page="3")[1]
    assert re.findall(r"otter</mark> number (\d+)", page3) == [str(n) for n in range(5, -1, -1)]
    assert 'href="/search?page=2&amp;q=otter" rel="prev"' in page3
    assert client.get("/search?q=otter&page=4").status_code == 404
    assert client.get("/search?q=otter&page=x").status_code == 404
    assert client.get("/search?q=otter&page=99999999999").status_code == 404


def test_details_read_by_id_or_by_going_through_the_matches_are_the_same(
    app, client, category, member
):
    """With fewer matches than SEARCH_CANDIDATES, SQLite's details go through every match
    rather than look each id up (search_engines.details_sql): each hit's title, snippet,
    author, date and link come out the same either way."""
    topic = forum_service.create_topic(category, member, "Wren notes", "A wren <sang> here.")
    for n in range(6):
        forum_service.reply(topic, member, f"The wren number {n} & its nest.")
    db.session.commit()

    def hits(candidates):
        app.config["SEARCH_CANDIDATES"] = candidates
        page = results(client, q="wren")[1]
        return re.findall(r'<li class="result.*?</li>', page, re.S)

    looked_up, gone_through = hits(3), hits(100)  # 3 posts and a topic ranked; 8 in all
    assert len(looked_up) == 4 and len(gone_through) == 8
    assert set(looked_up) <= set(gone_through)
    assert any("<mark>wren</mark> number 5 &amp; its nest" in hit for hit in looked_up)


def test_results_are_capped_at_the_configured_pages(app, client, category, member):
    app.config.update(SEARCH_PER_PAGE=2, SEARCH_MAX_PAGES=3)
    topic = forum_service.create_topic(category, member, "Cap", "beaver one")
    for n in range(8):
        forum_service.reply(topic, member, f"beaver {n}")
    db.session.commit()
    page = results(client, q="beaver", page="3")[1]
    assert "More than 6 results" in page and 'rel="next"' not in page
    assert client.get("/search?q=beaver&page=4").status_code == 404


def test_search_page_takes_few_queries(client, category, member, moderator, count_queries):
    topic = forum_service.create_topic(category, member, "Heron", "A heron by the pond.")
    for n in range(30):
        forum_service.reply(topic, member, f"heron sighting {n}")
    db.session.commit()
    publish_answer(moderator, "Heron?", "Heron rules?", "None.")
    with count_queries() as queries:
        response = client.get("/search?q=heron")
    assert response.status_code == 200
    # the ranked page with the form's categories, then details of topics, posts and answers
    assert queries.count <= 4, queries.statements


@pytest.mark.parametrize(
    "params",
    [
        {"q": "heron"},  # read with the ranking
        {"q": "nothingmatchesthis"},
        {"q": "-heron"},  # nothing to search for
        {},
        {"q": "heron", "from": "someday"},  # a refused filter
        {"q": "heron", "category": "birds"},  # checked against the list first
        {"q": "heron", "page": "2"},
    ],
)
def test_the_filters_list_every_category_in_the_forums_order(client, member, params):
    for name, slug, position in [
        ("Marsh", "marsh", 2),
        ("Woods", "woods", 1),
        ("Birds", "birds", 1),
    ]:
        db.session.add(Category(name=name, slug=slug, position=position))
    db.session.flush()
    birds = db.session.scalar(select(Category).where(Category.slug == "birds"))
    topic = forum_service.create_topic(birds, member, "Heron", "A heron by the pond.")
    for n in range(25):
        forum_service.reply(topic, member, f"heron sighting {n}")
    db.session.commit()
    page = client.get("/search", query_string=params).get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="([^"]*)"', page)
    assert options == ["", "birds", "woods", "marsh"], options


def test_filters_refused_then_left_blank_show_blank_again(client, topic):
    """A search without filters builds no form: its blank filters come from the part kept
    for them. A filtered search before it (refused, here) must not show through."""
    refused = client.get(
        "/search", query_string={"q": "heron", "author": "nobody-here", "from": "someday"}
    )
    assert refused.status_code == 400
    assert 'value="nobody-here"' in refused.get_data(as_text=True)
    for params in ({"q": "heron"}, {"q": "heron", "author": "", "from": "", "category": ""}):
        response = client.get("/search", query_string=params)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "nobody-here" not in page and "someday" not in page
        assert "aria-invalid" not in page and 'class="error"' not in page
        assert re.search(r'<input[^>]*name="author"', page)


def test_header_has_a_labelled_search_form(client, topic):
    page = client.get("/").get_data(as_text=True)
    form = re.search(r'<form[^>]*role="search"[^>]*>', page).group(0)
    assert 'method="get"' in form and 'action="/search"' in form
    assert re.search(r'<label[^>]*for="site-search"', page)


def test_search_is_rate_limited_per_network(app, client):
    app.config["LIMIT_SEARCH"] = "2 per minute"

    def status(q, ip="203.0.113.5"):
        return client.get("/search", query_string={"q": q}, environ_base={"REMOTE_ADDR": ip})

    assert [status(q).status_code for q in "abc"] == [200, 200, 429]
    assert status("d", ip="198.51.100.7").status_code == 200


def test_reindex_command_rebuilds_the_index(app, runner, category, member):
    forum_service.create_topic(category, member, "Puffins", "A puffin colony.")
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO posts_fts(posts_fts) VALUES ('delete-all')"))
        db.session.commit()
        assert (
            service.search(service.parse_query("colony"), service.Filters(), None, None).total == 0
        )
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 rows." in result.output
    found = service.search(service.parse_query("puffin"), service.Filters(), None, None)
    assert [hit.kind for hit in found.hits] == ["topic", "post"] or found.total == 2


def test_blank_filters_are_kept_per_language_and_categories_and_never_stale(
    app, client, category, member
):
    """Blank filters are rendered once (templating.kept) for a language and a list of
    categories: a category added or renamed shows at once, in whatever language; filters
    someone filled in are rendered for them, with their values."""
    forum_service.create_topic(category, member, "Kayaks", "kayak talk")
    db.session.commit()
    first = results(client, q="kayak")[1]
    assert '<option selected value="">All categories</option>' in first
    assert f'<option value="{category.slug}">{category.name}</option>' in first
    assert results(client, q="kayak")[1] == first
    kept = [key for key in app.extensions["kept_parts"] if key[0] == "search/_filters.html"]
    assert len(kept) == 1
    category.name = "Paddling"
    db.session.add(Category(name="Canoes", slug="canoes", position=9))
    db.session.commit()
    page = results(client, q="kayak")[1]
    assert ">Paddling</option>" in page and ">Canoes</option>" in page
    german = client.get("/search?q=kayak", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Eingrenzen" in german
    assert '<label for="from">Von</label>' in german and '<label for="to">Bis</label>' in german
    filled = results(client, q="kayak", author="juniper", category=category.slug)[1]
    assert 'value="juniper"' in filled and f'selected value="{category.slug}"' in filled
    assert results(client, q="kayak")[1].count('value="juniper"') == 0
