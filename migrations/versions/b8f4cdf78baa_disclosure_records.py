"""disclosure records: requests for members' data from outside the staff, what was handed
over (sealed), when the member is told; reveals made for one name it

Revision ID: b8f4cdf78baa
Revises: c4d8e2a6f0b1
Create Date: 2026-12-01 13:49:58.563426
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b8f4cdf78baa"
down_revision = "c4d8e2a6f0b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "disclosure_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.String(length=1000), nullable=False),
        sa.Column("fields_asked", sa.String(length=100), nullable=False),
        sa.Column("fields_given", sa.String(length=100), server_default="", nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("handed_over", sa.String(), nullable=True),
        sa.Column("notify_after", sa.Date(), nullable=True),
        sa.Column("told_at", sa.DateTime(), nullable=True),
        sa.Column("counts_member", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('authority', 'protection')", name=op.f("ck_disclosure_records_kind")
        ),
        sa.CheckConstraint(
            "outcome IN ('full', 'partial', 'refused')", name=op.f("ck_disclosure_records_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["users.id"],
            name=op.f("fk_disclosure_records_member_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_disclosure_records_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_records")),
    )
    with op.batch_alter_table("disclosure_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_records_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            "ix_disclosure_records_notify", ["told_at", "notify_after"], unique=False
        )
        batch_op.create_index("ix_disclosure_records_received", ["received_on"], unique=False)

    # A plain column, no rebuild of the audit log on SQLite.
    op.add_column("reveal_log", sa.Column("disclosure_id", sa.Integer(), nullable=True))
    op.create_index(
        op.f("ix_reveal_log_disclosure_id"), "reveal_log", ["disclosure_id"], unique=False
    )


def downgrade():
    with op.batch_alter_table("reveal_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reveal_log_disclosure_id"))
        batch_op.drop_column("disclosure_id")

    with op.batch_alter_table("disclosure_records", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_records_received")
        batch_op.drop_index("ix_disclosure_records_notify")
        batch_op.drop_index(batch_op.f("ix_disclosure_records_member_id"))

    op.drop_table("disclosure_records")
