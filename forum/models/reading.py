"""How far each member has read each topic: the "new since your last visit" marker."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogs import N_
from ..extensions import db
from .base import personal, utcnow

_READ = personal(
    "activity",
    N_("how far you have read a topic, to mark the posts that are new since your last visit"),
    N_("until you delete your account (or the topic is deleted)"),
    N_("you alone"),
    purge="account-deletion",
)


class TopicRead(db.Model):
    """One row per member and topic they opened; visitors are never recorded."""

    __tablename__ = "topic_reads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The highest post position the member has had on screen.
    seen_position: Mapped[int] = mapped_column(Integer, info=_READ)
    # seen_position as it was before the latest visit that showed something new: posts
    # after it were "new" then. A visit that shows nothing new writes nothing.
    previous_position: Mapped[int | None] = mapped_column(Integer, info=_READ)
    read_at: Mapped[datetime] = mapped_column(default=utcnow, info=_READ)

    def __repr__(self) -> str:
        return f"<TopicRead user {self.user_id} topic {self.topic_id} at {self.seen_position}>"
