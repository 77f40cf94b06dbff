"""support desk

Revision ID: 158821654eb0
Revises: ba6528f35e0f
Create Date: 2026-11-29 02:29:40.251163

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '158821654eb0'
down_revision = 'ba6528f35e0f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('support_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), server_default='new', nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('no_publish', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_support_requests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_requests'))
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index('ix_support_requests_kind_created', ['kind', 'created_at'], unique=False)
        batch_op.create_index('ix_support_requests_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_requests_user_id'), ['user_id'], unique=False)

    op.create_table('support_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer_source', sa.Text(), nullable=False),
    sa.Column('answer_html', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['support_requests.id'], name=op.f('fk_support_answers_request_id_support_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_answers')),
    sa.UniqueConstraint('request_id', name=op.f('uq_support_answers_request_id'))
    )
    with op.batch_alter_table('support_answers', schema=None) as batch_op:
        batch_op.create_index('ix_support_answers_published_kind', ['published', 'kind'], unique=False)

    op.create_table('support_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_support_events_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['support_requests.id'], name=op.f('fk_support_events_request_id_support_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_events'))
    )
    with op.batch_alter_table('support_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_events_request_id'), ['request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('support_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_events_request_id'))

    op.drop_table('support_events')
    with op.batch_alter_table('support_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_support_answers_published_kind')

    op.drop_table('support_answers')
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_requests_user_id'))
        batch_op.drop_index('ix_support_requests_state_created')
        batch_op.drop_index('ix_support_requests_kind_created')

    op.drop_table('support_requests')
