"""Sealed columns: email and IP addresses are stored encrypted under DATA_KEY, found through a
blind index, and never readable in the database's files, its dumps or its backups."""

import subprocess
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

import config
from forum.extensions import db
from forum.models import (
    LoginToken,
    OutboxMessage,
    Post,
    SupportRequest,
    Topic,
    User,
    utcnow,
)
from forum.sealing import SEALED, Keyring, SealError, keyring
from forum.seed import seed_demo
from forum.services import disclosure, keys, transparency
from forum.services import forum as forum_service
from forum.services.accounts import request_signin
from forum.services.members import create_user
from tests.helpers import DATABASE_URL, SAME_SITE, empty_tables, make_app, sign_in, token_in

OLD_KEY = config.TestingConfig.DATA_KEY
NEW_KEY = "a-new-data-key-for-rotation-tests-0123456789"
SIGNUP_IP = "203.0.113.77"
REPLY_IP = "2001:db8:77::42"
SUPPORT_IP = "198.51.100.23"


def _stored(table: str, column: str) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"))
        return [row[0] for row in rows]


def test_addresses_are_stored_sealed_and_read_as_plain_strings(app, member):
    member.signup_ip = SIGNUP_IP
    db.session.commit()
    (stored,) = _stored("users", "email")
    assert SEALED.match(stored) and "juniper" not in stored
    assert SEALED.match(_stored("users", "signup_ip")[0])
    db.session.expire_all()
    assert member.email == "juniper@example.org" and member.signup_ip == SIGNUP_IP
    # Sealing twice gives two different texts: equal addresses cannot be told apart.
    ring = keyring()
    assert ring.seal("a@example.org", "email") != ring.seal("a@example.org", "email")


def test_a_value_moved_to_a_column_of_another_kind_does_not_open(app):
    ring = keyring()
    with pytest.raises(SealError):
        ring.open(ring.seal("192.0.2.1", "ip"), "email")
    with pytest.raises(SealError):
        Keyring(NEW_KEY).open(ring.seal("a@example.org", "email"), "email")


def test_members_are_found_by_address_through_the_blind_index(app, member):
    assert db.session.scalar(db.select(User).where(User.has_email("JUNIPER@example.org"))) is member
    assert len(member.email_index) == 64 and "juniper" not in member.email_index
    # Comparing a sealed column with an address would silently match nothing: refused.
    with pytest.raises(TypeError, match="blind index"):
        db.select(User).where(User.email == "juniper@example.org")


def test_an_address_already_taken_is_refused_whatever_its_capitals(app, member):
    from forum.services import ServiceError

    with pytest.raises(ServiceError, match="taken"):
        create_user("someone", "Juniper@Example.org")


def test_network_tags_are_computed_before_sealing(app, topic, member):
    reply = forum_service.reply(topic, member, "From the same network.", ip="192.0.2.10")
    other = forum_service.reply(topic, member, "Again.", ip="192.0.2.99")
    db.session.commit()
    assert reply.network_tag and reply.network_tag == other.network_tag
    assert all(SEALED.match(v) for v in _stored("posts", "ip"))


def test_a_wrong_data_key_stops_the_start_with_a_clear_message(app, member):
    with pytest.raises(config.ConfigError, match="DATA_KEY does not open the data"):
        make_app(DATA_KEY="a-wholly-different-key-that-opens-nothing-here")
    # The right key, or the old one beside a new one while keys rotate, starts.
    make_app()
    make_app(DATA_KEY=NEW_KEY, DATA_KEY_OLD=OLD_KEY)


def test_production_needs_a_long_data_key(monkeypatch):
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "s" * 64)
    monkeypatch.setattr(config.ProductionConfig, "SITE_URL", "https://forum.example")
    with pytest.raises(config.ConfigError, match="DATA_KEY is not set"):
        config.load("production")
    monkeypatch.setattr(config.ProductionConfig, "DATA_KEY", "short")
    with pytest.raises(config.ConfigError, match="DATA_KEY is too short"):
        config.load("production")
    monkeypatch.setattr(config.ProductionConfig, "DATA_KEY", "d" * 43)
    monkeypatch.setattr(config.ProductionConfig, "DATA_KEY_OLD", "old")
    with pytest.raises(config.ConfigError, match="DATA_KEY_OLD"):
        config.load("production")


@pytest.fixture
def rotating(app):
    """An app with NEW_KEY as DATA_KEY and the testing key as DATA_KEY_OLD; the data sealed
    under NEW_KEY is deleted after the test, so the next test's app starts."""
    yield make_app(DATA_KEY=NEW_KEY, DATA_KEY_OLD=OLD_KEY, LIMIT_POSTING="100 per minute")
    db.session.remove()
    empty_tables()


def _members(count: int) -> dict[str, str]:
    people = {}
    for n in range(count):
        user = create_user(f"rot{n}", f"rot{n}@example.org")
        user.signup_ip = f"192.0.2.{n + 1}"
        people[user.username] = user.email
    db.session.commit()
    return people


def test_rotation_while_members_reply_and_sign_in_loses_nothing(rotating, topic, member):
    people = _members(24)
    before = db.session.scalar(db.select(db.func.count()).select_from(Post))
    member_id, topic_id = member.id, topic.id
    db.session.remove()
    errors, batches = [], []

    def rotate():
        with rotating.app_context():
            try:
                keys.rotate(3, batches.append)
            except Exception as exc:
                errors.append(exc)

    worker = threading.Thread(target=rotate)
    client = rotating.test_client()
    with rotating.app_context():
        writer = db.session.get(User, member_id)
        sign_in(client, writer)
        page = client.get(f"/t/{topic_id}", follow_redirects=True).get_data(as_text=True)
        token = token_in(page)
        worker.start()
        for n in range(12):
            response = client.post(
                f"/t/{topic_id}/reply",
                data={"csrf_token": token, "body": f"Reply {n} during rotation."},
                environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"},
            )
            assert response.status_code == 302
            with rotating.test_request_context():
                request_signin(f"ROT{n}@example.org", f"203.0.113.{n + 1}")
                db.session.commit()
        worker.join()
        db.session.remove()
    assert errors == [] and len(batches) > 3

    after = make_app(DATA_KEY=NEW_KEY)  # the old key is no longer needed, and not given
    with after.app_context():
        assert keys.pending() == 0
        for username, email in people.items():
            found = db.session.scalar(db.select(User).where(User.has_email(email)))
            assert found.username == username and found.email == email
            assert found.signup_ip == f"192.0.2.{int(username[3:]) + 1}"
        replies = db.session.scalars(db.select(Post).where(Post.body.like("Reply %"))).all()
        assert len(replies) == 12
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == before + 12
        assert {p.ip for p in replies} == {f"198.51.100.{n + 1}" for n in range(12)}
        tokens = db.session.scalars(db.select(LoginToken)).all()
        assert sorted(t.ip for t in tokens) == sorted(f"203.0.113.{n + 1}" for n in range(12))
        for n in range(12):
            queued = db.session.scalars(
                db.select(OutboxMessage).where(OutboxMessage.addressed_to(f"rot{n}@example.org"))
            ).all()
            assert [m.to_address for m in queued] == [f"rot{n}@example.org"]
        db.session.remove()
    # Every value is now under the new key: the old key alone opens nothing.
    with pytest.raises(config.ConfigError, match="DATA_KEY does not open"):
        make_app(DATA_KEY=OLD_KEY)


def test_the_rotate_command_shows_progress_and_says_when_a_key_is_missing(rotating, member):
    _members(3)  # with juniper: 4 addresses and 3 IP addresses
    db.session.remove()
    # Commands run in the app context already pushed, if any: this test's is `app`'s.
    with rotating.app_context():
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "Re-sealing" in result.output and "Re-sealed 7 values" in result.output
    assert "remove it and restart" in result.output
    # Rotating back without giving the key one value is under: a clear refusal, no traceback.
    back = make_app(DATA_KEY=OLD_KEY, DATA_KEY_OLD=NEW_KEY)
    with back.app_context():
        stray = Keyring("yet-another-key-that-nobody-was-given-here").seal("x@y.org", "email")
        db.session.execute(
            text("UPDATE users SET email = :v WHERE username = 'rot2'"), {"v": stray}
        )
        db.session.commit()
        result = back.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1 and "give the key it was sealed under" in result.output


def _plain_addresses() -> list[bytes]:
    """Every email and IP address the forum keeps, read through the models (opened)."""
    found = set()
    for model, columns in (
        (User, ("email", "signup_ip")),
        (Post, ("ip",)),
        (LoginToken, ("new_email", "ip")),
        (SupportRequest, ("email", "ip")),
        (OutboxMessage, ("to_address",)),
    ):
        for column in columns:
            found.update(db.session.scalars(db.select(getattr(model, column))).all())
    found.discard(None)
    return sorted(value.encode() for value in found)


def _seeded_forum_with_a_registered_member(client) -> list[bytes]:
    seed_demo()
    db.session.commit()
    data = {"username": "newcomer", "email": "newcomer@example.org"}
    with client.post(
        "/register", data=data, headers=SAME_SITE, environ_base={"REMOTE_ADDR": SIGNUP_IP}
    ) as response:
        assert response.status_code in (302, 303)
    support = {
        "kind": "support",
        "subject": "Help",
        "message": "Please answer me.",
        "email": "asker@example.org",
    }
    with client.post(
        "/support", data=support, headers=SAME_SITE, environ_base={"REMOTE_ADDR": SUPPORT_IP}
    ) as response:
        assert response.status_code in (302, 303)
    assert db.session.scalar(db.select(User).where(User.has_email("newcomer@example.org")))
    ada = db.session.scalar(db.select(User).where(User.username == "ada"))
    topic = db.session.scalar(db.select(Topic).limit(1))
    forum_service.reply(topic, ada, "Hi.", REPLY_IP)
    # A disclosure outside the staff keeps what it handed over: sealed too.
    newcomer = db.session.scalar(db.select(User).where(User.username == "newcomer"))
    disclosure.accept_agreement(ada, disclosure.current_agreement().version)
    draft = transparency.DisclosureDraft(
        "newcomer", "authority", "A court", "Order 7", utcnow().date(), ["email"], ["email"]
    )
    _, given = transparency.record_disclosure(ada, draft)
    assert given == {"email": [newcomer.email]}
    db.session.commit()
    plain = _plain_addresses()
    for expected in (SIGNUP_IP, SUPPORT_IP, REPLY_IP, "newcomer@example.org", "asker@example.org"):
        assert expected.encode() in plain
    assert b"ada@example.org" in plain  # the demo's members are there
    db.session.remove()
    return plain


def _leaks(blob: bytes, plain: list[bytes]) -> list[bytes]:
    return [value for value in plain if value in blob or value.upper() in blob]


@pytest.mark.skipif(not DATABASE_URL.startswith("sqlite"), reason="SQLite's own files")
def test_no_address_is_readable_in_the_database_files_or_a_backup(app, client, runner, tmp_path):
    plain = _seeded_forum_with_a_registered_member(client)
    path = make_url(DATABASE_URL).database
    files = [path, f"{path}-wal"]
    stored = b""
    for name in files:
        try:
            with open(name, "rb") as f:
                stored += f.read()
        except FileNotFoundError:
            pass
    assert b"newcomer" in stored  # the files hold what is not sealed
    assert _leaks(stored, plain) == []
    result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    assert _leaks((tmp_path / "copy.db").read_bytes(), plain) == []


@pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"), reason="PostgreSQL's dumps")
def test_no_address_is_readable_in_a_pg_dump_or_any_table(app, client, runner, tmp_path):
    plain = _seeded_forum_with_a_registered_member(client)
    url = make_url(DATABASE_URL)
    dump = subprocess.run(
        [
            *("pg_dump", "--host", url.host or "", "--port", str(url.port or 5432)),
            *("--username", url.username or "", url.database or ""),
        ],
        capture_output=True,
        check=True,
    ).stdout
    assert b"newcomer" in dump
    assert _leaks(dump, plain) == []
    result = runner.invoke(args=["backup", str(tmp_path / "copy.dump")])
    assert result.exit_code == 0, result.output
    assert _leaks((tmp_path / "copy.dump").read_bytes(), plain) == []
    every_value = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(text(f"SELECT * FROM {table.name}")):
                every_value.extend(str(value) for value in row)
    assert _leaks("\n".join(every_value).encode(), plain) == []


@pytest.mark.skipif(not DATABASE_URL.startswith("sqlite"), reason="a database of its own")
def test_the_migration_seals_existing_rows_and_downgrading_opens_them(tmp_path):
    import sqlite3

    from flask_migrate import downgrade, upgrade

    path = tmp_path / "old.db"
    old = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with old.app_context():
        upgrade(revision="a7c3e5f1d9b2")
        db.engine.dispose()
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        INSERT INTO users (id, username, username_key, email, created_at, mail_key, signup_ip)
            VALUES (1, 'ada', 'ada', 'ada@example.org', '2026-01-01', 'k1', '192.0.2.5');
        INSERT INTO outbox (id, to_address, subject, text_body, html_body, created_at,
                            attempts, next_attempt_at, message_id)
            VALUES (1, 'ada@example.org', 's', 't', 'h', '2026-01-01', 0, '2026-01-01', 'm');
        """
    )
    conn.commit()
    conn.close()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        assert all(
            SEALED.match(v) for v in _stored("users", "email") + _stored("outbox", "to_address")
        )
        assert SEALED.match(_stored("users", "signup_ip")[0])
        ada = db.session.scalar(db.select(User).where(User.has_email("ada@example.org")))
        assert ada.email == "ada@example.org" and ada.signup_ip == "192.0.2.5"
        assert db.session.scalar(
            db.select(OutboxMessage.id).where(OutboxMessage.addressed_to("ada@example.org"))
        )
        db.session.remove()
        downgrade(revision="a7c3e5f1d9b2")
        assert _stored("users", "email") == ["ada@example.org"]
        assert _stored("users", "signup_ip") == ["192.0.2.5"]
        assert _stored("outbox", "to_address") == ["ada@example.org"]
        db.engine.dispose()
