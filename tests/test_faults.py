"""Faults: mail server down, database cut off, worker killed mid-transaction, database
read-only or full. Each ends in a clear answer, nothing lost, nothing done twice.
The long versions under load are `make bench-faults`."""

import os
import platform
import signal
import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, text, update

from bench.faults import proxied, wait_for, worker_pids
from bench.load import SECRET_KEY, TOKEN, check, prepare, raw_request, server_env
from config import TestingConfig
from forum.extensions import db
from forum.models import OutboxMessage, Post, utcnow
from forum.views.errors import READ_ONLY, UNREACHABLE
from tests.helpers import DATABASE_URL, SAME_SITE, make_app, sign_in
from tests.servers import gunicorn
from tests.smtp import closed_port, running_smtp_server

ON_POSTGRES = DATABASE_URL.startswith("postgresql")


def _posts() -> int:
    """Posts stored, seen from a connection of its own (nothing cached in the session)."""
    with db.engine.connect() as conn:
        return conn.scalar(db.select(db.func.count()).select_from(Post))


def _reply(client, topic, body):
    return client.post(f"/t/{topic.id}/reply", data={"body": body})


def test_mail_sent_while_smtp_is_down_is_delivered_once_when_it_returns(app, member, runner):
    port = closed_port()
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{port}", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    addresses = [f"newcomer{n}@example.org" for n in range(3)]
    for n, address in enumerate(addresses):
        response = client.post(
            "/register", data={"username": f"newcomer{n}", "email": address}, headers=SAME_SITE
        )
        assert response.status_code == 303  # the visitor is not kept waiting on the mail
        response.get_data()  # the whole answer read: the after-response sender runs
    response = client.post("/signin", data={"email": member.email}, headers=SAME_SITE)
    assert response.status_code == 303
    response.get_data()
    db.session.remove()
    queued = db.session.scalars(db.select(OutboxMessage)).all()
    assert sorted(m.to_address for m in queued) == sorted([*addresses, member.email])
    assert any(m.last_error for m in queued)  # the after-response sender did try

    # Time passes (the retry wait is over), and the mail server is back.
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    with running_smtp_server(port=port) as smtp:
        first = runner.invoke(args=["mail", "send-queued"])
        again = runner.invoke(args=["mail", "send-queued"])
        received = sorted(str(message["To"]) for _, message in smtp.messages)
    assert first.output.strip() == "Sent 4, failed 0."
    assert again.output.strip() == "Sent 0, failed 0."
    assert received == sorted([*addresses, member.email])  # each once
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no network connection to lose")
def test_database_outage_is_a_503_and_the_app_recovers_without_a_restart(app, member, topic):
    with proxied(DATABASE_URL) as (proxy, via_proxy):
        cut_off = make_app(SQLALCHEMY_DATABASE_URI=via_proxy, WTF_CSRF_ENABLED=False)
        client = cut_off.test_client()
        sign_in(client, member)
        assert _reply(client, topic, "Before the outage").status_code == 302

        proxy.cut()
        start = time.monotonic()
        for url in ("/", f"/t/{topic.id}/{topic.slug}"):
            page = client.get(url)
            assert page.status_code == 503
            assert page.headers["Retry-After"].isdigit()
            assert UNREACHABLE in page.get_data(as_text=True)
        response = _reply(client, topic, "During the outage")
        assert response.status_code == 503
        assert time.monotonic() - start < 10  # refused fast, not hung

        proxy.restore()
        assert client.get("/").status_code == 200
        assert _reply(client, topic, "After the outage").status_code == 302
        with cut_off.app_context():
            db.engine.dispose()
    bodies = db.session.scalars(db.select(Post.body).order_by(Post.id)).all()
    assert bodies[-2:] == ["Before the outage", "After the outage"]


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no server to close a connection")
def test_a_connection_closed_while_idle_in_the_pool_is_replaced_unseen(app, topic):
    """The server ends a connection that waits in the pool (a restart, an idle timeout, an
    administrator): the next request gets a fresh one and a normal page, not a 503."""
    server = make_app()
    client = server.test_client()
    assert client.get("/").status_code == 200
    with server.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()  # back to the pool, the one the next request takes
    # Autocommit: within one transaction pg_stat_activity is read once and kept, so a
    # backend still there at the first look would stay there for every later one.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        gone = text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid")
        for _ in range(200):  # at most 10 s
            if conn.scalar(gone, {"pid": pid}):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the terminated backend did not go")
    for url in ("/", f"/t/{topic.id}/{topic.slug}"):
        assert client.get(url).status_code == 200
    with server.app_context():
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid
        db.engine.dispose()


def test_a_worker_killed_mid_transaction_leaves_no_partial_post(app, tmp_path):
    """The worker dies while its reply waits for a lock inside its transaction."""
    loaded = make_app(SECRET_KEY=SECRET_KEY)
    topic_id, topic_path, cookies = prepare(loaded, 1)
    pid_file = tmp_path / "gunicorn.pid"
    env = {**server_env(DATABASE_URL, str(tmp_path)), "GUNICORN_CMD_ARGS": f"--pid {pid_file}"}
    env["DATA_KEY"] = TestingConfig.DATA_KEY  # the test database is sealed under it
    with gunicorn(env, workers=1) as base:
        wait_for(pid_file)
        status, new, page = raw_request(base, "GET", topic_path, cookies[0])
        cookie, token = new or cookies[0], TOKEN.search(page).group(1)
        before = _posts()
        with _topic_locked(topic_id):
            answers = []
            body = f"csrf_token={token}&body=Killed+mid-transaction".encode()
            sender = threading.Thread(
                target=lambda: answers.append(
                    _safe(raw_request, base, "POST", f"/t/{topic_id}/reply", cookie, body)
                )
            )
            sender.start()
            (worker,) = worker_pids(pid_file)
            _wait_until_waiting_on_lock(worker)
            os.kill(worker, signal.SIGKILL)
            sender.join(timeout=20)
        assert answers and isinstance(answers[0], OSError)  # no answer: the worker died
        # The master starts a new worker, which serves the next request.
        status, _, _ = raw_request(base, "POST", f"/t/{topic_id}/reply", cookie, body)
        assert status == 302
    assert _posts() == before + 1
    assert check(loaded, topic_id, ["Killed mid-transaction"]) == []


class _topic_locked:
    """Hold the topic's row (PostgreSQL) or the database's write lock (SQLite)."""

    def __init__(self, topic_id):
        self.topic_id = topic_id

    def __enter__(self):
        if ON_POSTGRES:
            self.conn = db.engine.connect()
            self.conn.execute(
                text("SELECT id FROM topics WHERE id = :id FOR UPDATE"), {"id": self.topic_id}
            )
        else:
            self.conn = sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///"), timeout=10)
            self.conn.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc):
        self.conn.rollback()
        self.conn.close()


# The syscalls of a thread asleep (nanosleep, clock_nanosleep), by machine.
_SLEEP_SYSCALLS = {"x86_64": {35, 230}, "aarch64": {101, 115}}


def _wait_until_waiting_on_lock(worker: int, seconds: float = 20) -> None:
    """Poll until the worker's request waits on the lock `_topic_locked` holds: on
    PostgreSQL a lock not granted; on SQLite the worker asleep in SQLite's busy handler."""
    deadline = time.monotonic() + seconds
    while not _waits_on_lock(worker):
        assert time.monotonic() < deadline, "the reply never waited on the topic's lock"
        time.sleep(0.01)


def _waits_on_lock(worker: int) -> bool:
    if ON_POSTGRES:
        with db.engine.connect() as conn:
            return bool(conn.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")))
    sleeping = _SLEEP_SYSCALLS.get(platform.machine())
    try:
        with open(f"/proc/{worker}/syscall") as f:
            state = f.read().split()[0]  # a syscall number, or "running"
    except OSError:
        state = None
    if sleeping is None or state is None:
        # No way to see the worker's state here: give it the time a request takes to block.
        time.sleep(1.5)
        return True
    return state.isdigit() and int(state) in sleeping


def _safe(call, *args):
    try:
        return call(*args)
    except OSError as exc:
        return exc


def test_a_read_only_database_gives_a_clear_page_and_keeps_everything(app, member, topic):
    if ON_POSTGRES:
        # A real server-side setting, as on a read-only standby.
        options = {"connect_args": {"options": "-c default_transaction_read_only=on"}}
        read_only = make_app(SQLALCHEMY_ENGINE_OPTIONS=options, WTF_CSRF_ENABLED=False)
    else:
        path = DATABASE_URL.removeprefix("sqlite:///")
        read_only = make_app(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///file:{path}?mode=ro&uri=true",
            WTF_CSRF_ENABLED=False,
        )
    before = _posts()
    client = read_only.test_client()
    page = client.get(f"/t/{topic.id}/{topic.slug}")
    assert page.status_code == 200  # visitors read on
    sign_in(client, member)
    # A member reads on too: only the "new since your last visit" marker is not recorded.
    assert client.get(f"/t/{topic.id}/{topic.slug}").status_code == 200
    response = _reply(client, topic, "Written to a read-only database")
    assert response.status_code == 503
    assert READ_ONLY in response.get_data(as_text=True)
    assert "Retry-After" in response.headers
    with read_only.app_context():
        db.engine.dispose()
    assert _posts() == before

    # Writable again: the same member posts, and everything from before is there.
    writable = make_app(WTF_CSRF_ENABLED=False)
    client = writable.test_client()
    sign_in(client, member)
    assert _reply(client, topic, "Written once it was writable").status_code == 302
    assert _posts() == before + 1


@pytest.mark.skipif(ON_POSTGRES, reason="a full disk is simulated with SQLite's page limit")
def test_a_full_disk_gives_a_clear_page(app, member, topic):
    full = make_app(WTF_CSRF_ENABLED=False)
    client = full.test_client()
    sign_in(client, member)
    reply_url = f"/t/{topic.id}/reply"
    # Without free pages inside the file, new rows need new pages: there are none to have.
    db.session.remove()
    db.engine.dispose()
    with sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///")) as conn:
        conn.execute("VACUUM")
    with full.app_context():

        @event.listens_for(db.engine, "connect")
        def no_room(dbapi_connection, _record):
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        db.engine.dispose()
    before = _posts()
    # 50,000 characters need new pages: the "disk" is full.
    response = client.post(reply_url, data={"body": "x" * 50_000})
    assert response.status_code == 503
    assert READ_ONLY in response.get_data(as_text=True)
    with full.app_context():
        db.engine.dispose()
    assert _posts() == before
