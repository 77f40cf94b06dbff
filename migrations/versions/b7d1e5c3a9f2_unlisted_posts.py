"""search on SQLite: the ids of posts visitors may not find, kept by triggers

A visitor's search leaves out hidden posts and the posts of hidden topics. Looking that up
in each matching post's row (and its topic) cost a rare word's search as much again as
the full-text query; probing this small table by id costs a tenth of it, whatever the
number of hidden posts. Triggers keep it in step with posts.hidden, posts.topic_id and
topics.hidden, whichever code changes them.

SQLite only (like the FTS5 tables beside it): PostgreSQL's ranking reads each match's row
for its tsvector anyway. Not in the SQLAlchemy metadata: forum.services.search.include_name
tells Alembic to leave it alone.

Revision ID: b7d1e5c3a9f2
Revises: a4c8e2f6b1d9
Create Date: 2026-12-01 22:20:00.000000
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7d1e5c3a9f2'
down_revision = 'a4c8e2f6b1d9'
branch_labels = None
depends_on = None

UNLISTED = "(new.hidden OR (SELECT hidden FROM topics WHERE id = new.topic_id))"

SQLITE_UP = [
    "CREATE TABLE posts_unlisted (id INTEGER PRIMARY KEY)",
    # Ids can come back (SQLite reuses the highest after a delete): an insert clears first.
    "CREATE TRIGGER posts_unlisted_insert AFTER INSERT ON posts BEGIN "
    "DELETE FROM posts_unlisted WHERE id = new.id; "
    f"INSERT INTO posts_unlisted(id) SELECT new.id WHERE {UNLISTED}; END",
    "CREATE TRIGGER posts_unlisted_update AFTER UPDATE OF id, hidden, topic_id ON posts BEGIN "
    "DELETE FROM posts_unlisted WHERE id IN (old.id, new.id); "
    f"INSERT INTO posts_unlisted(id) SELECT new.id WHERE {UNLISTED}; END",
    "CREATE TRIGGER posts_unlisted_delete AFTER DELETE ON posts BEGIN "
    "DELETE FROM posts_unlisted WHERE id = old.id; END",
    "CREATE TRIGGER topics_unlisted_update AFTER UPDATE OF hidden ON topics BEGIN "
    "DELETE FROM posts_unlisted WHERE id IN (SELECT id FROM posts WHERE topic_id = new.id); "
    "INSERT INTO posts_unlisted(id) SELECT id FROM posts "
    "WHERE topic_id = new.id AND (hidden OR new.hidden); END",
    # What the tables already hold.
    "INSERT INTO posts_unlisted(id) SELECT id FROM posts "
    "WHERE hidden OR topic_id IN (SELECT id FROM topics WHERE hidden)",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS posts_unlisted_insert",
    "DROP TRIGGER IF EXISTS posts_unlisted_update",
    "DROP TRIGGER IF EXISTS posts_unlisted_delete",
    "DROP TRIGGER IF EXISTS topics_unlisted_update",
    "DROP TABLE IF EXISTS posts_unlisted",
]


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            op.execute(statement)
