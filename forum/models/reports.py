"""Reports: posts members reported to the moderators, and posts held for review."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
from ..extensions import db
from .base import personal, utcnow
from .forum import Post
from .user import User


class Report(db.Model):
    """A post reported to the moderators, or held for review (no reporter: the forum did it)."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_open", "resolved_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # "report": a member reported it; "review": a new member's first post, held back.
    kind: Mapped[str] = mapped_column(String(16), default="report", server_default="report")
    reason: Mapped[str] = mapped_column(
        Text,
        info=personal(
            "content",
            N_("why you reported a post, for the moderators"),
            N_("until the post is deleted or you delete your account"),
            N_("moderators and admins"),
            purge="account-deletion",
        ),
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # hidden, dismissed, approved
    resolution: Mapped[str | None] = mapped_column(String(16))

    post: Mapped[Post] = relationship(lazy="raise")
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id], lazy="raise")
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id], lazy="raise")
