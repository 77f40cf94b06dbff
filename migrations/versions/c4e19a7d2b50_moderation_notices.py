"""moderation notices, staff messages, who may start topics

Revision ID: c4e19a7d2b50
Revises: c5d8e2a4f7b1
Create Date: 2026-12-01 12:00:00.000000

Notices tell members what moderators did (kept NOTICE_RETENTION_DAYS); the member's row
counts the unread ones and says whether they want them by mail (off by default). The
moderation log keeps the text of messages staff wrote to a member. Each category says who
may start topics in it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e19a7d2b50'
down_revision = 'c5d8e2a4f7b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('text', sa.String(length=2500), nullable=False),
    sa.Column('link', sa.String(length=200), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_notices_member_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_notices_member_created', ['member_id', 'created_at'], unique=False)

    # Plain ADD COLUMN (SQLite has it): a batch rebuild of users would lose AUTOINCREMENT.
    op.add_column('users', sa.Column('unread_notices', sa.Integer(), server_default='0', nullable=False))
    op.add_column('users', sa.Column('notice_mail', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('moderation_log', sa.Column('message', sa.Text(), nullable=True))
    op.add_column('categories', sa.Column('topic_starters', sa.String(length=16), server_default='everyone', nullable=False))


def downgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('topic_starters')

    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.drop_column('message')

    with op.batch_alter_table(
        'users', schema=None, recreate='auto', table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('notice_mail')
        batch_op.drop_column('unread_notices')

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_member_created')
        batch_op.drop_index(batch_op.f('ix_notices_created_at'))

    op.drop_table('notices')
