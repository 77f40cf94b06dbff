"""Thanks: a member thanking another's post. Who thanked is shown to the post's author only;
everyone else sees the count kept on the post's row (posts.thank_count)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogs import N_
from ..extensions import db
from .base import personal, utcnow

_THANKS = personal(
    "activity",
    N_("the thanks you gave a post: counted for everyone, named to its author only"),
    N_("until you withdraw it, the post is deleted, or you delete your account"),
    N_("the post's author (everyone else sees only how many thanked it)"),
    purge="account-deletion",
)


class Thanks(db.Model):
    """One member's thanks for one post (at most one: the primary key)."""

    __tablename__ = "thanks"
    # A member's thanks in one topic, read with the topic's head (services/heads.topic_head).
    __table_args__ = (Index("ix_thanks_member_topic", "member_id", "topic_id"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, info=_THANKS
    )
    # The post's topic (posts never change topic), so a topic page finds the member's
    # thanks in it without a query of its own.
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=_THANKS)

    def __repr__(self) -> str:
        return f"<Thanks post {self.post_id} from {self.member_id}>"
