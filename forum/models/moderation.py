"""The moderation log: who did what to which post, topic, category or member, and why.

It points at members by id only (set to NULL when the account is deleted), so it never keeps
a copy of anyone's username, email or address.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
from ..extensions import db
from .base import personal, utcnow
from .user import User


class ModerationLog(db.Model):
    """One moderation action: who did what to which post, topic, category or member, and why."""

    __tablename__ = "moderation_log"
    __table_args__ = (Index("ix_moderation_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(32), index=True)
    # What it was done to; the member concerned is kept apart so that their history is a filter.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # A short, non-personal detail: "to Help", "until 2026-12-01", "role: moderator".
    detail: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # What a staff member wrote to a member (action "message"), mailed to them, never shown
    # with their address.
    message: Mapped[str | None] = mapped_column(
        Text,
        info=personal(
            "moderation",
            N_("a message staff wrote to you, mailed to you and kept for the record"),
            N_("until you delete your account"),
            N_("you and staff"),
            purge="account-deletion",
        ),
    )

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")
    member: Mapped[User | None] = relationship(foreign_keys=[member_id], lazy="raise")
