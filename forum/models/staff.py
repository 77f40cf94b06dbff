"""Staff work and its records: the confidentiality agreement, reports, post revisions, the
moderation log, the audit log of every reveal of personal data, and network-tag keys.

The logs point at members by id only (set to NULL when the account is deleted), so they never
keep a copy of anyone's username, email or address.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import personal, utcnow
from .forum import Post
from .user import User


class AgreementVersion(db.Model):
    """One published version of the staff confidentiality agreement; the highest is current."""

    __tablename__ = "agreement_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)


class AgreementAcceptance(db.Model):
    """A staff member accepted a version of the agreement, at a time."""

    __tablename__ = "agreement_acceptances"
    __table_args__ = (UniqueConstraint("user_id", "version", name="uq_agreement_user_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


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
            "why you reported a post, for the moderators",
            "until the post is deleted or you delete your account",
            "moderators and admins",
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


class PostRevision(db.Model):
    """A post's text before an edit, kept for staff (by its author or by a moderator)."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(
        Text,
        info=personal(
            "content",
            "earlier versions of a post you edited, so moderators can see what changed",
            "as long as the post; erased with it",
            "moderators and admins",
            purge="account-deletion",
        ),
    )
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    editor: Mapped[User | None] = relationship(lazy="raise")


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

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="raise")
    member: Mapped[User | None] = relationship(foreign_keys=[member_id], lazy="raise")


class RevealLog(db.Model):
    """A staff member looked at a piece of personal data: whose, which field, why, when."""

    __tablename__ = "reveal_log"
    __table_args__ = (Index("ix_reveal_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Whose data: a member, or (a visitor's support request) nobody with an account.
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Where the value was kept: member, post, signin, support; and that row's id.
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(16))  # email or ip
    reason: Mapped[str] = mapped_column(String(500))

    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id], lazy="raise")
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id], lazy="raise")


class NetworkTagKey(db.Model):
    """The secret that network tags of one period are made with; destroyed when it ends."""

    __tablename__ = "network_tag_keys"

    period: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
