"""Personal data under guard: the staff confidentiality agreement, its acceptances, and the
audit log of every reveal of personal data.

The log points at members by id only (set to NULL when the account is deleted), so it never
keeps a copy of anyone's username, email or address.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
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
    # The disclosure record (models/transparency.py) this reveal answered, if any: its member
    # sees it in their export only once told. A plain number (records are never deleted).
    disclosure_id: Mapped[int | None] = mapped_column(Integer, index=True)

    staff: Mapped[User | None] = relationship(foreign_keys=[staff_id], lazy="raise")
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id], lazy="raise")
