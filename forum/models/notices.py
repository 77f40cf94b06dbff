"""Notices: what moderators did to a member's posts, topics or account, told to the member.

A small list of its own, shown on /account (full notifications are a separate feature).
Each notice names only its member; the text says what happened and the public reason.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import personal, utcnow

NOTICE_KINDS = (
    "post_hidden",
    "post_deleted",
    "topic_hidden",
    "topic_locked",
    "topic_moved",
    "suspended",
    "unsuspended",
    "report_handled",
    "staff_message",
)


class Notice(db.Model):
    """One thing a member is told about moderation."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_member_created", "member_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    text: Mapped[str] = mapped_column(
        String(2500),
        info=personal(
            "moderation",
            "telling you what moderators did to your posts, topics, reports or account, and why",
            "NOTICE_RETENTION_DAYS (90 days by default), or until you delete your account",
            "you",
            purge="purge_old_notices",
        ),
    )
    # Where on the site it happened: a path of ours, never anyone's address.
    link: Mapped[str] = mapped_column(String(200), default="", server_default="")
