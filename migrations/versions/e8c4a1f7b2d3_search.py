"""search: full-text indexes over posts, topic titles and published support answers

SQLite: FTS5 external-content tables kept in step by triggers (published answers only).
PostgreSQL: generated tsvector columns with GIN indexes (NULL for unpublished answers).
Neither is in the SQLAlchemy metadata: forum.services.search.include_name tells Alembic
to leave them alone.

Revision ID: e8c4a1f7b2d3
Revises: d5a7f0c0e5a1
Create Date: 2026-11-29 04:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e8c4a1f7b2d3'
down_revision = 'd5a7f0c0e5a1'
branch_labels = None
depends_on = None

TOKENIZE = "porter unicode61 remove_diacritics 2"
ANSWER_COLUMNS = "title, question, answer_source"

SQLITE_UP = [
    f"CREATE VIRTUAL TABLE posts_fts USING fts5(body, content='posts', content_rowid='id', "
    f"tokenize='{TOKENIZE}')",
    "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts BEGIN "
    "INSERT INTO posts_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER posts_fts_update AFTER UPDATE OF body ON posts BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO posts_fts(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE VIRTUAL TABLE topics_fts USING fts5(title, content='topics', content_rowid='id', "
    f"tokenize='{TOKENIZE}')",
    "CREATE TRIGGER topics_fts_insert AFTER INSERT ON topics BEGIN "
    "INSERT INTO topics_fts(rowid, title) VALUES (new.id, new.title); END",
    "CREATE TRIGGER topics_fts_delete AFTER DELETE ON topics BEGIN "
    "INSERT INTO topics_fts(topics_fts, rowid, title) VALUES ('delete', old.id, old.title); END",
    "CREATE TRIGGER topics_fts_update AFTER UPDATE OF title ON topics BEGIN "
    "INSERT INTO topics_fts(topics_fts, rowid, title) VALUES ('delete', old.id, old.title); "
    "INSERT INTO topics_fts(rowid, title) VALUES (new.id, new.title); END",
    # Only published answers are indexed: a withdrawn one leaves the index in the same
    # statement that withdraws it.
    f"CREATE VIRTUAL TABLE support_answers_fts USING fts5({ANSWER_COLUMNS}, "
    f"content='support_answers', content_rowid='id', tokenize='{TOKENIZE}')",
    "CREATE TRIGGER support_answers_fts_insert AFTER INSERT ON support_answers "
    "WHEN new.published BEGIN "
    f"INSERT INTO support_answers_fts(rowid, {ANSWER_COLUMNS}) "
    "VALUES (new.id, new.title, new.question, new.answer_source); END",
    "CREATE TRIGGER support_answers_fts_delete AFTER DELETE ON support_answers "
    "WHEN old.published BEGIN "
    f"INSERT INTO support_answers_fts(support_answers_fts, rowid, {ANSWER_COLUMNS}) "
    "VALUES ('delete', old.id, old.title, old.question, old.answer_source); END",
    # One trigger, so that the old row leaves before the new one comes in.
    "CREATE TRIGGER support_answers_fts_update AFTER UPDATE ON support_answers BEGIN "
    f"INSERT INTO support_answers_fts(support_answers_fts, rowid, {ANSWER_COLUMNS}) "
    "SELECT 'delete', old.id, old.title, old.question, old.answer_source WHERE old.published; "
    f"INSERT INTO support_answers_fts(rowid, {ANSWER_COLUMNS}) "
    "SELECT new.id, new.title, new.question, new.answer_source WHERE new.published; END",
    # Index what the tables already hold.
    "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
    "INSERT INTO topics_fts(topics_fts) VALUES ('rebuild')",
    f"INSERT INTO support_answers_fts(rowid, {ANSWER_COLUMNS}) "
    f"SELECT id, {ANSWER_COLUMNS} FROM support_answers WHERE published",
]

SQLITE_DOWN = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_fts_{event}"
        for table in ("posts", "topics")
        for event in ("insert", "delete", "update")
    ),
    *(
        f"DROP TRIGGER IF EXISTS support_answers_fts_{event}"
        for event in ("insert", "delete", "update")
    ),
    "DROP TABLE IF EXISTS posts_fts",
    "DROP TABLE IF EXISTS topics_fts",
    "DROP TABLE IF EXISTS support_answers_fts",
]

POSTGRESQL_UP = [
    "ALTER TABLE posts ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', body)) STORED",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
    "ALTER TABLE topics ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', title)) STORED",
    "CREATE INDEX ix_topics_search_vector ON topics USING gin (search_vector)",
    "ALTER TABLE support_answers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "CASE WHEN published THEN "
    "setweight(to_tsvector('english', title), 'A') || "
    "to_tsvector('english', question || ' ' || answer_source) END) STORED",
    "CREATE INDEX ix_support_answers_search_vector ON support_answers USING gin (search_vector)",
]

POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS ix_posts_search_vector",
    "DROP INDEX IF EXISTS ix_topics_search_vector",
    "DROP INDEX IF EXISTS ix_support_answers_search_vector",
    "ALTER TABLE posts DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE topics DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE support_answers DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRESQL_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRESQL_DOWN)
