"""On PostgreSQL a request whose transaction wrote nothing ends it with COMMIT, so that
psycopg keeps the statements it prepared (forum/transactions.py); a request that wrote,
failed, or left objects pending in its session is rolled back as before."""

import pytest
from sqlalchemy import func, select, text

from forum.extensions import db
from forum.models import Category
from tests.helpers import DATABASE_URL, make_app

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="psycopg's prepared statements; on SQLite transactions end as before",
)


@pytest.fixture
def served(app):
    """An app of its own (its own connection pool), with three views that misbehave."""
    other = make_app(PROPAGATE_EXCEPTIONS=False)  # a failure is a 500, as served

    @other.get("/_test/pending")
    def pending():
        db.session.add(Category(name="Pending", slug="pending"))
        return "left pending"

    @other.get("/_test/flushed")
    def flushed():
        db.session.add(Category(name="Flushed", slug="flushed"))
        db.session.flush()
        db.session.expunge_all()  # the session looks clean; the connection wrote
        return "flushed, not committed"

    @other.get("/_test/failed")
    def failed():
        db.session.execute(text("INSERT INTO categories (name, slug) VALUES ('Failed', 'failed')"))
        raise RuntimeError("after writing")

    yield other
    with other.app_context():
        db.engine.dispose()


def test_page_views_keep_the_statements_psycopg_prepared(served, site):
    client = served.test_client()
    for _ in range(8):
        assert client.get(site.topic).status_code == 200
    with served.app_context():  # the pool's one connection, the requests' own
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM topics" in statement for statement in prepared), prepared


def test_requests_that_wrote_or_left_changes_pending_are_still_rolled_back(served, category):
    client = served.test_client()
    assert client.get("/_test/pending").status_code == 200
    assert client.get("/_test/flushed").status_code == 200
    assert client.get("/_test/failed").status_code == 500
    db.session.rollback()
    slugs = ("pending", "flushed", "failed")
    assert db.session.scalar(select(func.count()).where(Category.slug.in_(slugs))) == 0


def test_a_search_runs_its_statements_outside_a_transaction(served, site, member):
    """The search page only reads (extensions.reads_only): no BEGIN and COMMIT around its
    statements, two round trips to the server fewer. Each statement finds the connection
    idle, which inside a transaction only the first would; a member's search too."""
    from psycopg.pq import TransactionStatus
    from sqlalchemy import event

    from tests.helpers import sign_in

    with served.app_context():
        engine = db.engine
    seen = []

    def status(connection, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0], cursor.connection.info.transaction_status))

    client = served.test_client()
    event.listen(engine, "before_cursor_execute", status)

    def search():  # a word the site has: the ranking, then the hits' details
        response = client.get("/search?q=reading")
        assert response.status_code == 200 and "<mark>" in response.get_data(as_text=True)

    try:
        search()
        searched = len(seen)
        sign_in(client, member)
        seen.clear()
        search()
    finally:
        event.remove(engine, "before_cursor_execute", status)
    assert searched >= 1 and len(seen) >= 1  # one statement once its words are known
    assert all(state == TransactionStatus.IDLE for _, state in seen), seen


def test_searches_keep_their_statements_prepared_and_plan_a_common_word_for_itself(served, site):
    """A search ends with no transaction to end (transactions.py leaves it alone): what
    psycopg prepared on a statement's fifth run stays prepared for the next. Words whose
    matches were all ranked are ranked and detailed by one statement, prepared like any
    other (PostgreSQL plans it once, services/search_postgresql.py); words with more
    matches than are ranked are ranked by a statement never prepared (PostgreSQL plans it
    for their words: a generic plan read every match of a common word), then detailed by
    one that is."""
    client = served.test_client()

    def prepared_after_searches() -> list[str]:
        for _ in range(8):
            response = client.get("/search?q=reading")
            assert response.status_code == 200 and "<mark>" in response.get_data(as_text=True)
        with served.app_context():
            return db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()

    prepared = prepared_after_searches()
    assert any("ts_rank" in each and "ts_headline" in each for each in prepared), prepared
    served.config["SEARCH_CANDIDATES"] = 1  # now more matches than are ranked
    prepared = prepared_after_searches()
    details = [each for each in prepared if "ts_headline" in each and "ts_rank" not in each]
    rankings = [each for each in prepared if "ts_rank" in each and "ts_headline" not in each]
    assert details and not rankings, prepared
