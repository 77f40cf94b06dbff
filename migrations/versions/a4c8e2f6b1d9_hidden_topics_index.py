"""hidden topics: a partial index, so that search leaves their posts out cheaply

Revision ID: a4c8e2f6b1d9
Revises: d7e3f1a9b4c2
Create Date: 2026-12-01 20:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4c8e2f6b1d9'
down_revision = 'd7e3f1a9b4c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_topics_hidden', 'topics', ['id'], unique=False,
        sqlite_where=sa.text('hidden'), postgresql_where=sa.text('hidden'),
    )


def downgrade():
    op.drop_index('ix_topics_hidden', table_name='topics')
