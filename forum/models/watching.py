"""Watching: a member follows a topic or a category and is told of what is new in it."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
from ..extensions import db
from .base import personal, utcnow

_WATCH = personal(
    "activity",
    N_("the topics and categories you watch, to tell you what is new in them"),
    N_("until you stop watching, or delete your account"),
    N_("you alone"),
    purge="account-deletion",
)


class Watch(db.Model):
    """One member watching one topic or one category (exactly one of the two)."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("member_id", "topic_id", name="uq_watches_member_topic"),
        UniqueConstraint("member_id", "category_id", name="uq_watches_member_category"),
        CheckConstraint("(topic_id IS NULL) <> (category_id IS NULL)", name="one_thing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), info=_WATCH)
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), index=True, info=_WATCH
    )
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), index=True, info=_WATCH
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    topic: Mapped["Topic | None"] = relationship(lazy="raise")  # noqa: F821
    category: Mapped["Category | None"] = relationship(lazy="raise")  # noqa: F821
