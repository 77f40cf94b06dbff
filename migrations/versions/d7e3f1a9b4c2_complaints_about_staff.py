"""complaints about staff: a support request may name the moderator or admin it is about

Revision ID: d7e3f1a9b4c2
Revises: d7e3b9a1c5f2
Create Date: 2026-12-01 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e3f1a9b4c2'
down_revision = 'd7e3b9a1c5f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('support_requests') as batch_op:
        batch_op.add_column(sa.Column('about_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_support_requests_about_id_users'), 'users', ['about_id'], ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(batch_op.f('ix_support_requests_about_id'), ['about_id'], unique=False)


def downgrade():
    with op.batch_alter_table('support_requests') as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_requests_about_id'))
        batch_op.drop_constraint(batch_op.f('fk_support_requests_about_id_users'), type_='foreignkey')
        batch_op.drop_column('about_id')
