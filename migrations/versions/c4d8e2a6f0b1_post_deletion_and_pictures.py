"""post deletion and pictures: deleted posts keep their place; members' own record of what
they deleted; uploaded pictures, re-encoded, in the database

Revision ID: c4d8e2a6f0b1
Revises: c4e19a7d2b50
Create Date: 2026-12-01 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2a6f0b1'
down_revision = 'c4e19a7d2b50'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts') as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deleted_by', sa.String(length=16), nullable=True))
    op.create_table('post_deletions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('whole_topic', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_post_deletions_member_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_deletions_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_post_deletions_topic_id_topics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_deletions'))
    )
    with op.batch_alter_table('post_deletions') as batch_op:
        batch_op.create_index(batch_op.f('ix_post_deletions_member_id'), ['member_id'], unique=False)
    op.create_table('images',
    sa.Column('id', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('original', sa.LargeBinary(), nullable=False),
    sa.Column('display', sa.LargeBinary(), nullable=True),
    sa.Column('attached', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_images_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_images'))
    )
    with op.batch_alter_table('images') as batch_op:
        batch_op.create_index('ix_images_attached_created', ['attached', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_images_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('images') as batch_op:
        batch_op.drop_index(batch_op.f('ix_images_owner_id'))
        batch_op.drop_index('ix_images_attached_created')
    op.drop_table('images')
    with op.batch_alter_table('post_deletions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_deletions_member_id'))
    op.drop_table('post_deletions')
    with op.batch_alter_table('posts') as batch_op:
        batch_op.drop_column('deleted_by')
        batch_op.drop_column('deleted_at')
