"""visitor statistics

Revision ID: cf15699ab9a4
Revises: 158821654eb0
Create Date: 2026-11-29 02:30:28.129217

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cf15699ab9a4'
down_revision = '158821654eb0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stat_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('day', 'dimension', 'value', name=op.f('pk_stat_daily'))
    )
    op.create_table('stat_hourly',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.SmallInteger(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('day', 'hour', 'dimension', 'value', name=op.f('pk_stat_hourly'))
    )


def downgrade():
    op.drop_table('stat_hourly')
    op.drop_table('stat_daily')
