"""revision counters on topics and categories, for the visitors' page cache

Revision ID: ba6528f35e0f
Revises: b2338cc66e1e
Create Date: 2026-11-29 02:21:55.571874

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ba6528f35e0f'
down_revision = 'b2338cc66e1e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_column('revision')

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('revision')

