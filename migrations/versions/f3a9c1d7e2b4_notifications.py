"""notifications: forum kinds of notices, watching, mail choices, the private feed

Revision ID: f3a9c1d7e2b4
Revises: a7e3c9d1f5b2
Create Date: 2026-12-01 14:00:00.000000

Notices grow into notifications: a post, its topic and its author, a count for grouped
replies, a read time per notice (the header's count stays on the member's row) and whether
it was mailed. Members watch topics and categories; they choose mail per kind and may keep
a private feed, whose secret is stored hashed. Notices that existed are marked read but for
each member's newest `unread_notices`, as the account page showed them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c1d7e2b4'
down_revision = 'a7e3c9d1f5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('watches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(topic_id IS NULL) <> (category_id IS NULL)', name=op.f('ck_watches_one_thing')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_watches_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_watches_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_watches_topic_id_topics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watches')),
    sa.UniqueConstraint('member_id', 'category_id', name='uq_watches_member_category'),
    sa.UniqueConstraint('member_id', 'topic_id', name='uq_watches_member_topic')
    )
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watches_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_watches_topic_id'), ['topic_id'], unique=False)

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('topic_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('read_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('mailed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_notices_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_topic_id'), ['topic_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notices_post_id_posts'), 'posts', ['post_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_notices_topic_id_topics'), 'topics', ['topic_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_notices_actor_id_users'), 'users', ['actor_id'], ['id'], ondelete='SET NULL')

    # Plain ADD COLUMN (SQLite has it): a batch rebuild of users would lose AUTOINCREMENT.
    op.add_column('users', sa.Column('auto_watch', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('users', sa.Column('mail_replies', sa.String(length=8), server_default='never', nullable=False))
    op.add_column('users', sa.Column('mail_mentions', sa.String(length=8), server_default='never', nullable=False))
    op.add_column('users', sa.Column('mail_watched', sa.String(length=8), server_default='never', nullable=False))
    op.add_column('users', sa.Column('mail_text', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('users', sa.Column('last_digest_at', sa.DateTime(), nullable=True))
    op.add_column('users', sa.Column('feed_key_hash', sa.String(length=64), nullable=True))
    op.create_index('uq_users_feed_key_hash', 'users', ['feed_key_hash'], unique=True)

    # What the account page showed as new stays new; everything older is read.
    op.execute(
        "UPDATE notices SET read_at = created_at WHERE "
        "(SELECT count(*) FROM notices AS newer WHERE newer.member_id = notices.member_id "
        "AND (newer.created_at > notices.created_at OR (newer.created_at = notices.created_at "
        "AND newer.id > notices.id))) "
        ">= (SELECT unread_notices FROM users WHERE users.id = notices.member_id)"
    )


def downgrade():
    op.drop_index('uq_users_feed_key_hash', table_name='users')
    with op.batch_alter_table(
        'users', schema=None, recreate='auto', table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        for column in ('feed_key_hash', 'last_digest_at', 'mail_text', 'mail_watched',
                       'mail_mentions', 'mail_replies', 'auto_watch'):
            batch_op.drop_column(column)

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notices_actor_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notices_topic_id_topics'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notices_post_id_posts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notices_topic_id'))
        batch_op.drop_index(batch_op.f('ix_notices_post_id'))
        for column in ('mailed', 'read_at', 'count', 'actor_id', 'topic_id', 'post_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watches_topic_id'))
        batch_op.drop_index(batch_op.f('ix_watches_category_id'))

    op.drop_table('watches')
