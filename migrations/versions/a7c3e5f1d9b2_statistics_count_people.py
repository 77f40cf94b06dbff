"""statistics count people: different visitors per value, today's marks and salt

Revision ID: a7c3e5f1d9b2
Revises: a7c3e9d14b20
Create Date: 2026-12-01 11:30:00.000000

Counters written before this revision have people = 0: their values stay folded into
"other" until enough different visitors send them again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e5f1d9b2'
down_revision = 'a7c3e9d14b20'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('stat_hourly', 'stat_daily'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column('people', sa.Integer(), server_default='0', nullable=False)
            )
    op.create_table('stat_seen',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('visitor', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('day', 'dimension', 'value', 'visitor', name=op.f('pk_stat_seen'))
    )
    op.create_table('stat_salt',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_stat_salt'))
    )


def downgrade():
    op.drop_table('stat_salt')
    op.drop_table('stat_seen')
    for table in ('stat_daily', 'stat_hourly'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('people')
