"""A member's language and time zone

Revision ID: a7e3c9d1f5b2
Revises: b8f4cdf78baa
Create Date: 2026-12-01 14:00:00

Plain ADD COLUMNs: a batch rebuild of `users` on SQLite would lose its AUTOINCREMENT.
"""

import sqlalchemy as sa
from alembic import op

revision = "a7e3c9d1f5b2"
down_revision = "b8f4cdf78baa"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(length=16), nullable=True))
    op.add_column("users", sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table(
        "users", schema=None, recreate="auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("locale")
