"""The migrations build the schema the models describe: autogenerate finds nothing to do."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from forum.extensions import db
from forum.services.search import include_name


def test_models_and_migrations_agree(app):
    # The session fixture built this database with `upgrade()`, not create_all().
    with db.engine.connect() as conn:
        # The search indexes (FTS5 tables, tsvector columns) live outside the models.
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == [], diff


def test_the_schema_came_from_the_migrations(app):
    with db.engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version


def test_rebuilding_the_users_table_keeps_every_row_that_points_at_it(tmp_path):
    """The migration that gives users AUTOINCREMENT rebuilds the table on SQLite; with
    foreign keys on, dropping the old table would have run every ON DELETE rule."""
    import sqlite3

    from flask_migrate import downgrade, upgrade

    from forum.services.members import create_user
    from tests.helpers import make_app

    path = tmp_path / "old.db"
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        upgrade(revision="f9d2b6a4c8e0")
        db.engine.dispose()
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        INSERT INTO users (id, username, username_key, email, created_at)
            VALUES (1, 'ada', 'ada', 'ada@example.org', '2026-01-01'),
                   (2, 'bo', 'bo', 'bo@example.org', '2026-01-01');
        INSERT INTO categories (id, name, slug) VALUES (1, 'General', 'general');
        INSERT INTO topics (id, category_id, author_id, title, slug, created_at, last_post_at)
            VALUES (1, 1, 1, 'Kept', 'kept', '2026-01-01', '2026-01-01');
        INSERT INTO posts (id, topic_id, author_id, position, body, html, created_at)
            VALUES (1, 1, 1, 1, 'Still here.', '<p>Still here.</p>', '2026-01-01');
        INSERT INTO topic_reads (user_id, topic_id, seen_position, read_at)
            VALUES (1, 1, 1, '2026-01-01');
        """
    )
    conn.commit()
    conn.close()
    with app.app_context():
        upgrade()
        db.engine.dispose()
        with db.engine.connect() as c:
            # SET NULL and CASCADE rules did not run: authors and reading progress are kept.
            assert c.exec_driver_sql("SELECT author_id FROM posts").scalar() == 1
            assert c.exec_driver_sql("SELECT count(*) FROM topic_reads").scalar() == 1
            keys = c.exec_driver_sql("SELECT mail_key FROM users").scalars().all()
            assert len(set(keys)) == 2 and all(len(k) >= 40 for k in keys)
            schema = c.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name='users'").scalar()
            assert "AUTOINCREMENT" in schema
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        # The last member deleted, the next one does not get their id.
        db.session.execute(db.text("DELETE FROM users WHERE id = 2"))
        db.session.commit()
        assert create_user("cyd", "cyd@example.org").id == 3
        db.session.rollback()
        db.session.remove()
        downgrade(revision="f9d2b6a4c8e0")
        db.engine.dispose()
