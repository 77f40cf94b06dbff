"""How PostgreSQL plans a search's ranking: for the words it was made for on every search,
or, for words whose matches were all ranked the last time, once per connection for any
words, with the page's details in the same statement (services/search_postgresql.py,
plans_once and hits). Either way a page shows the same."""

import re
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event, update

from forum.extensions import PLAN_EACH_RUN, db
from forum.models import Post, Topic
from forum.services import forum as forum_service
from forum.services import search as search_service
from forum.services import search_postgresql
from tests.conftest import DATABASE_URL
from tests.helpers import sign_in
from tests.test_search import publish_answer

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"), reason="SQLite has no query planner to spare"
)
RESULTS = re.compile(r'<ol class="results".*?</ol>', re.S)


@pytest.fixture(autouse=True)
def _forgotten():
    """Each test starts with no words remembered (the memory is the process's)."""
    search_postgresql._ALL_RANKED.clear()
    yield
    search_postgresql._ALL_RANKED.clear()


@contextmanager
def rankings():
    """The ranking statements sent inside the block: (SQL, planned for its words)."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "count(*) OVER ()" in statement:
            seen.append((statement, bool(context.execution_options.get(PLAN_EACH_RUN))))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def page(client, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == 200
    return RESULTS.search(response.get_data(as_text=True)).group(0)


def replies(category, member, title: str, bodies: list[str]) -> None:
    topic = forum_service.create_topic(category, member, title, "opening words")
    for body in bodies:
        forum_service.reply(topic, member, body)
    db.session.commit()


def test_words_all_ranked_are_planned_once_and_show_the_same(client, category, member, moderator):
    replies(category, member, "Herons", [f"A heron <b>{n}</b> & a pond." for n in range(25)])
    with rankings() as sent:
        first = page(client, q="heron")
        again = [page(client, q="heron") for _ in range(3)]
        second_page = page(client, q="heron", page="2")
    # Never seen: planned for its words. Then all its matches were ranked: planned once,
    # its words hidden from the planner in an InitPlan, no order an index on id can give,
    # and the page's details read by the same statement.
    assert [each for _, each in sent] == [True, False, False, False, False]
    assert "p.id DESC" in sent[0][0] and "(SELECT phraseto_tsquery" not in sent[0][0]
    assert "p.id + 0 DESC" in sent[1][0] and "(SELECT phraseto_tsquery" in sent[1][0]
    assert "ts_headline" in sent[1][0]
    assert again == [first] * 3
    assert "<mark>heron</mark> <b>24</b>" not in first  # escaped, as ever
    assert "&lt;b&gt;24&lt;/b&gt;" in first and "&lt;b&gt;4&lt;/b&gt;" in second_page


def test_every_kind_of_hit_shows_the_same_either_way(client, category, member, moderator):
    """Topics, posts, published answers, hidden posts and topics (for staff), a former
    member's post: the page planned once shows each as the page planned each time."""
    shown = forum_service.create_topic(category, member, "Grebe <watch>", "a grebe dives")
    hidden_post = forum_service.reply(shown, member, "grebe nest, a secret")
    hidden_topic = forum_service.create_topic(category, member, "Hidden grebe", "grebe trip")
    db.session.commit()
    db.session.execute(update(Post).where(Post.id == hidden_post.id).values(hidden=True))
    db.session.execute(update(Topic).where(Topic.id == hidden_topic.id).values(hidden=True))
    db.session.execute(update(Post).where(Post.topic_id == shown.id).values(author_id=None))
    db.session.commit()
    publish_answer(moderator, "Grebe <photos>", "May I post grebe photos?", "Yes & thanks.")
    for who in (None, moderator):
        if who is not None:
            sign_in(client, who)
        search_postgresql._ALL_RANKED.clear()
        with rankings() as sent:
            pages = [page(client, q="grebe") for _ in range(3)]
        assert [each for _, each in sent] == [True, False, False]
        assert pages[1:] == [pages[0]] * 2
        shown_page = pages[0]
        assert "Support answer" in shown_page and "&lt;photos&gt;" in shown_page
        assert "Yes &amp; thanks." in shown_page and "a former member" in shown_page
        assert ("secret" in shown_page and "Hidden" in shown_page) == (who is not None)


def test_postgresql_keeps_one_plan_for_a_ranking_planned_once(app, client, category, member):
    """What plans_once counts on: after its fifth run PostgreSQL keeps the statement's
    generic plan (no planning per search), and that plan never reads posts in id order (a
    common word's matches would all be read, but then so few are rare)."""
    replies(category, member, "Kestrels", ["kestrel hovering", "a kestrel again"])
    with rankings() as sent:
        page(client, q="kestrel")
        page(client, q="kestrel")
    statement, each_run = sent[1]
    assert not each_run
    url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    params = {"w0": "kestrel", "candidates": 5000, "offset": 0, "headline": "", "headline_all": ""}
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(7):
            rows = conn.execute(statement, params, prepare=True).fetchall()
        assert sorted(row[0] for row in rows if row[0] != "category") == ["post", "post", "topic"]
        generic, custom = conn.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%%count(*) OVER ()%%'"
        ).fetchone()
        assert generic >= 1 and custom <= 5
        conn.execute(f"PREPARE ranking_checked AS {_numbered(statement, list(params))}")
        conn.execute("SET plan_cache_mode = force_generic_plan")
        plan = "\n".join(
            row[0]
            for row in conn.execute(
                "EXPLAIN EXECUTE ranking_checked('kestrel', 5000, 0, '', '')"
            ).fetchall()
        )
    assert "Index Scan Backward" not in plan, plan


def _numbered(sql: str, order: list[str]) -> str:
    """psycopg's named placeholders as PREPARE's numbered ones, in the order given."""
    return re.sub(r"%\((\w+)\)s", lambda m: f"${order.index(m.group(1)) + 1}", sql)


def test_words_with_more_matches_than_are_ranked_are_planned_each_time(
    app, client, category, member
):
    app.config["SEARCH_CANDIDATES"] = 4
    replies(category, member, "Otters", [f"otter {n}" for n in range(5)])
    replies(category, member, "Voles", ["a vole", "another vole"])
    with rankings() as sent:
        page(client, q="otter")
        page(client, q="otter")  # 6 matches, 4 ranked: the plan for its words, again
        page(client, q="vole")
        page(client, q="vole")  # 3 matches (a title, two posts): all ranked
    assert [each for _, each in sent] == [True, True, True, False]
    # A word that grows past what is ranked goes back to a plan for its words.
    replies(category, member, "More voles", ["vole one", "vole two"])
    with rankings() as sent:
        page(client, q="vole")  # planned once; sees 6 matches
        page(client, q="vole")
    assert [each for _, each in sent] == [False, True]


def test_filtered_searches_and_pages_past_the_end_are_not_remembered(client, category, member):
    replies(category, member, "Finches", ["finch one", "finch two"])
    with rankings() as sent:
        for _ in range(2):
            page(client, q="finch", category=category.slug)
        assert client.get("/search", query_string={"q": "finch", "page": "3"}).status_code == 404
        page(client, q="finch")
    # Filters narrow what is read (their plan is the one for their values); a page past
    # the last one returns no row that counts the matches: neither teaches anything.
    assert [each for _, each in sent] == [True, True, True, True]
    finch = search_postgresql.words(search_service.parse_query("finch", 200))
    assert dict(search_postgresql._ALL_RANKED) == {finch: True}  # a hash: not the words


def test_the_memory_of_words_is_bounded(client, category, member, monkeypatch):
    monkeypatch.setattr(search_postgresql, "_REMEMBERED", 3)
    replies(category, member, "Birds", ["wren robin tit jay crow"])
    for word in ("wren", "robin", "tit", "jay"):
        page(client, q=word)
    assert len(search_postgresql._ALL_RANKED) <= 3
    page(client, q="crow")
    crow = search_postgresql.words(search_service.parse_query("crow", 200))
    assert len(search_postgresql._ALL_RANKED) <= 3 and crow in search_postgresql._ALL_RANKED
