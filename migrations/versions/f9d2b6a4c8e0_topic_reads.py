"""topic reads: how far each member has read each topic

Revision ID: f9d2b6a4c8e0
Revises: e8c4a1f7b2d3
Create Date: 2026-11-29 04:22:14.441509

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f9d2b6a4c8e0"
down_revision = "e8c4a1f7b2d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "topic_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("seen_position", sa.Integer(), nullable=False),
        sa.Column("previous_position", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_topic_reads_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_topic_reads_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "topic_id", name=op.f("pk_topic_reads")),
    )
    with op.batch_alter_table("topic_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_reads_topic_id"), ["topic_id"], unique=False)


def downgrade():
    with op.batch_alter_table("topic_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_reads_topic_id"))

    op.drop_table("topic_reads")
