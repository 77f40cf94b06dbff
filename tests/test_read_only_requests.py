"""A read-only request (extensions.reads_only, the search page) reads on a connection of its
own when it comes from a visitor without cookies, without opening the ORM session, and on
the session's connection otherwise; either way the connection goes back to the pool at the
request's end, whatever the request's outcome."""

import pytest
from flask import g, request

from forum import extensions
from forum.extensions import db
from forum.services import forum as forum_service
from tests.helpers import make_app, sign_in


@pytest.fixture
def served(app):
    """An app of its own, so that each request has its own app context (a test's client
    would share the test's), recording at each request's end whether the ORM session was
    opened and whether the request had a connection of its own."""
    other = make_app(PROPAGATE_EXCEPTIONS=False)
    other.seen = []

    @other.teardown_request
    def record(_error):  # before the app context's teardown closes either
        if request.path == "/search":  # not sign_in()'s session_transaction()
            own = g.get(extensions._OWN_CONNECTION) is not None
            other.seen.append((db.session.registry.has(), own))

    yield other
    with other.app_context():
        db.engine.dispose()


def checked_out(app) -> int:
    with app.app_context():
        return db.engine.pool.checkedout()


@pytest.fixture
def words(category, member):
    topic = forum_service.create_topic(category, member, "Dippers", "a dipper by the brook")
    forum_service.reply(topic, member, "another dipper")
    db.session.commit()


def test_a_visitor_without_cookies_searches_without_the_session(served, words):
    client = served.test_client()
    for _ in range(3):  # the words' first search, then the ones planned once (PostgreSQL)
        response = client.get("/search?q=dipper")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("<mark>") == 3  # a title, two posts
    assert served.seen == [(False, True)] * 3
    assert checked_out(served) == 0
    assert "Set-Cookie" not in response.headers


def test_a_member_searches_on_the_session(served, words, member):
    client = served.test_client()
    sign_in(client, member)
    response = client.get("/search?q=dipper")
    assert response.status_code == 200 and "<mark>dipper</mark>" in response.get_data(True)
    assert served.seen == [(True, False)]
    assert checked_out(served) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=dipper&page=5",  # past the last page: 404 after the ranking
        "/search?q=dipper&page=99999999999",
        "/search?q=dipper&author=nobody-at-all",  # a refused filter: 400
        "/search?q=dipper&category=none",
        "/search?q=%22dipper&from=2020-01-01&to=2021-01-01",
    ],
)
def test_the_connection_goes_back_whatever_the_search_answers(served, words, path):
    response = served.test_client().get(path)
    assert response.status_code in (200, 400, 404)
    assert served.seen and served.seen[-1][1] is True
    assert checked_out(served) == 0
