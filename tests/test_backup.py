"""Backups: `flask backup PATH` then `flask restore PATH` into an empty database gives back
every row of every table; restoring over data or from a file that is no backup is refused."""

import io
import uuid
from contextlib import contextmanager

import pytest
from PIL import Image as Pillow
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from forum import seed
from forum.extensions import db
from forum.models import User
from forum.services import forum as forum_service
from forum.services import images
from forum.services.privacy import ensure_first_version
from tests.helpers import DATABASE_URL, make_app


def _every_row(engine) -> dict[str, list[tuple]]:
    """Every table's rows, in primary-key order, as plain tuples."""
    tables = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            tables[table.name] = [
                tuple(row) for row in conn.execute(table.select().order_by(*order))
            ]
        tables["alembic_version"] = [
            tuple(r) for r in conn.execute(text("SELECT * FROM alembic_version"))
        ]
    return tables


@contextmanager
def _empty_database(tmp_path):
    """The URL of a new, empty database of the same kind as the suite's; dropped afterwards."""
    url = make_url(DATABASE_URL)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"forum_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_and_restore_round_trip_every_table(app, runner, tmp_path):
    seed.seed_demo()
    db.session.commit()
    ensure_first_version()
    topic = forum_service.visible_topic(1, None)
    author = db.session.get(User, topic.author_id)
    png = io.BytesIO()
    Pillow.new("RGB", (2000, 30), (9, 99, 199)).save(png, "PNG")
    picture, source = images.upload(author, png.getvalue(), "a wide stripe")
    forum_service.reply(topic, author, f"Unicode survives: ✓ عربى \u200b ünïcödé {source}")
    db.session.commit()
    picture_url = f"/i/{picture.id}"
    served = app.test_client().get(picture_url).data
    # Read now: inside the restored app's context a lazy load would use its database.
    topic_url = f"/t/{topic.id}/{topic.slug}"
    before = _every_row(db.engine)
    assert sum(len(rows) for rows in before.values()) > 40

    path = tmp_path / "forum.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backed up the database" in result.output
    assert path.stat().st_size > 0

    with _empty_database(tmp_path) as url:
        restored_app = make_app(SQLALCHEMY_DATABASE_URI=url)
        with restored_app.app_context():
            result = restored_app.test_cli_runner().invoke(args=["restore", str(path)])
            assert result.exit_code == 0, result.output
            after = _every_row(db.engine)
            # And the restored forum serves its pages.
            page = restored_app.test_client().get(topic_url)
            assert page.status_code == 200
            assert "Unicode survives" in page.get_data(as_text=True)
            # Pictures live in the database: the backup carries them.
            assert restored_app.test_client().get(picture_url).data == served
            db.engine.dispose()
    assert after == before


def test_restore_refuses_a_database_that_is_not_empty(app, runner, tmp_path, topic):
    path = tmp_path / "forum.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    before = _every_row(db.engine)
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1
    assert "The database is not empty" in result.output
    assert _every_row(db.engine) == before


def test_backup_refuses_to_overwrite_and_restore_refuses_other_files(app, runner, tmp_path):
    existing = tmp_path / "taken"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_text() == "keep me"

    with _empty_database(tmp_path) as url:
        other = make_app(SQLALCHEMY_DATABASE_URI=url)
        with other.app_context():
            result = other.test_cli_runner().invoke(args=["restore", str(existing)])
            db.engine.dispose()
    assert result.exit_code == 1
    assert "is not an SQLite backup" in result.output or "is not a pg_dump" in result.output


@pytest.mark.skipif(not DATABASE_URL.startswith("sqlite"), reason="SQLite's in-memory database")
def test_an_in_memory_database_cannot_be_backed_up(tmp_path):
    memory = make_app(SQLALCHEMY_DATABASE_URI="sqlite://")
    with memory.app_context():
        result = memory.test_cli_runner().invoke(args=["backup", str(tmp_path / "x")])
    assert result.exit_code == 1 and "in-memory" in result.output
