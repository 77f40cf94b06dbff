"""Notices: everything a member is told, on /notifications (and by mail if they chose).

Moderation notices (what moderators did to a member's posts, topics or account, with the
public reason, in `text`) and forum notifications (a reply to your topic, a reply to or
quote of your post, a mention, a post where you watch), which name a post, its topic and
who wrote it instead of carrying any text. Several replies landing in one topic before the
member looks are one notice with a `count`.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
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
    "disclosure",  # a request for your data from outside the staff (issue 21)
    "thanks",  # only with THANKS_NOTIFY on
    # Forum notifications: each names a post (`post_id`), its topic and its author.
    "reply",  # a reply in a topic you started
    "quote",  # a reply quoting your post
    "mention",  # a post naming you with @username
    "watched",  # a new topic or post where you watch
)
FORUM_KINDS = ("reply", "quote", "mention", "watched")
# Everything else carries its own text: moderation notices, staff messages, disclosures.
MODERATION_KINDS = tuple(kind for kind in NOTICE_KINDS if kind not in FORUM_KINDS)
# The member's mail choice that covers each forum kind (users.mail_<choice>).
MAIL_CHOICE = {"reply": "replies", "quote": "replies", "mention": "mentions", "watched": "watched"}
MAIL_CHOICES = ("replies", "mentions", "watched")
MAIL_WHEN = ("never", "now", "digest")
_NOTICE = personal(
    "activity",
    N_("telling you of replies, quotes, mentions and new posts where you watch"),
    N_("NOTIFICATION_DAYS (90 days by default), or until you delete your account"),
    N_("you"),
    purge="purge_old_notices",
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
        default="",
        info=personal(
            "moderation",
            N_(
                "telling you what moderators did to your posts, topics, reports or account, and why"
            ),
            N_("NOTICE_RETENTION_DAYS (90 days by default), or until you delete your account"),
            N_("you"),
            purge="purge_old_notices",
        ),
    )
    # Where on the site it happened: a path of ours, never anyone's address.
    link: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Forum notifications: the post (the first of a group), its topic, who wrote it.
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True, info=_NOTICE
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), index=True, info=_NOTICE
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), info=_NOTICE
    )
    # How many posts of the topic this notice stands for ("3 new replies in ...").
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    read_at: Mapped[datetime | None] = mapped_column(info=_NOTICE)
    # Mailed (at once or in a digest): a topic is mailed once until the member visits it.
    mailed: Mapped[bool] = mapped_column(default=False, server_default=false())

    post: Mapped["Post | None"] = relationship(lazy="raise")  # noqa: F821
    topic: Mapped["Topic | None"] = relationship(lazy="raise")  # noqa: F821
    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id], lazy="raise")  # noqa: F821
