"""thanks: one per member per post, counted on the post's row; each topic's latest
visible position, for Unread

Revision ID: d7e3b9a1c5f2
Revises: f3a9c1d7e2b4
Create Date: 2026-12-01 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d7e3b9a1c5f2"
down_revision = "f3a9c1d7e2b4"
branch_labels = None
depends_on = None


def upgrade():
    # A plain add_column: no batch rebuild of `posts` on SQLite.
    op.add_column(
        "posts", sa.Column("thank_count", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column(
        "topics",
        sa.Column("last_visible_position", sa.Integer(), server_default="0", nullable=False),
    )
    op.execute(
        "UPDATE topics SET last_visible_position = COALESCE((SELECT max(position) FROM posts"
        " WHERE posts.topic_id = topics.id AND NOT posts.hidden AND posts.deleted_at IS NULL), 0)"
    )
    op.create_table(
        "thanks",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_thanks_topic_id_topics"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_thanks_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_thanks_member_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "member_id", name=op.f("pk_thanks")),
    )
    op.create_index("ix_thanks_member_topic", "thanks", ["member_id", "topic_id"], unique=False)


def downgrade():
    op.drop_index("ix_thanks_member_topic", table_name="thanks")
    op.drop_table("thanks")
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("thank_count")
    with op.batch_alter_table("topics") as batch_op:
        batch_op.drop_column("last_visible_position")
