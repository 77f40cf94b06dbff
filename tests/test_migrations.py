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
