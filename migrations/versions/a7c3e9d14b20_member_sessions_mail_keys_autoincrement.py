"""member sessions, unsubscribe mail keys, user ids never reused

Revision ID: a7c3e9d14b20
Revises: f9d2b6a4c8e0
Create Date: 2026-12-01 10:40:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "a7c3e9d14b20"
down_revision = "f9d2b6a4c8e0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_member_sessions_key_hash")),
    )
    with op.batch_alter_table("member_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_member_sessions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_key", sa.String(length=43), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("mail_key", sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(mail_key=secrets.token_urlsafe(32))
        )
    # On SQLite the table is rebuilt with AUTOINCREMENT, so a deleted member's id is never
    # given to the next one; PostgreSQL's sequences never reuse an id anyway.
    with op.batch_alter_table(
        "users", schema=None, recreate="auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("mail_key", existing_type=sa.String(length=43), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_users_mail_key"), ["mail_key"])


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_mail_key"), type_="unique")
        batch_op.drop_column("mail_key")
    with op.batch_alter_table("member_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_member_sessions_expires_at"))
    op.drop_table("member_sessions")
