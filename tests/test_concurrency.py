"""16 members reply to one topic at once through gunicorn: nothing lost, nothing doubled,
every counter exact, no 5xx. The 30-second run is `make bench-load`; this one is short."""

import tempfile

from bench.load import SECRET_KEY, check, prepare, run_load, server_env
from config import TestingConfig
from tests.helpers import DATABASE_URL, make_app
from tests.servers import gunicorn

CLIENTS = 16
SECONDS = 4


def test_sixteen_clients_replying_at_once_lose_and_double_nothing(app):
    # The app fixture has emptied the suite's database; gunicorn serves that same database.
    loaded = make_app(SECRET_KEY=SECRET_KEY)
    topic_id, topic_path, cookies = prepare(loaded, CLIENTS)
    env = server_env(DATABASE_URL, tempfile.mkdtemp(prefix="forum-load-"))
    env["DATA_KEY"] = TestingConfig.DATA_KEY  # the test database is sealed under it
    with gunicorn(env, workers=4) as base:
        result = run_load(base, topic_path, topic_id, cookies, SECONDS)
    assert result.failures == []
    assert result.server_errors == 0, result.statuses
    assert result.errors == 0, result.statuses
    assert len(result.accepted) >= CLIENTS, "too few posts to show anything"
    assert check(loaded, topic_id, result.accepted) == []
