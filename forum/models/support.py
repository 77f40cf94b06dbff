"""The support and feedback desk: requests, their history, and the answers made public."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
from ..extensions import db
from ..sealing import Sealed
from .base import ip_address, network_tag, personal, utcnow
from .user import User

KINDS = {
    "support": _l("Support question"),
    "feedback": _l("Feedback"),
    "privacy": _l("Privacy request"),
    "staff": _l("About a moderator"),
}
# The same inside a sentence ("We received your feedback"): its own words in each language,
# not the label lower-cased (German nouns keep their capital; "your" agrees with the noun).
KIND_PHRASES = {
    "support": _l("your support question"),
    "feedback": _l("your feedback"),
    "privacy": _l("your privacy request"),
    "staff": _l("your message about a moderator"),
}
# Kinds only admins read: privacy requests, and complaints about staff (which the staff
# member named never sees, even once an admin: services/support_desk.may_handle).
ADMIN_KINDS = ("privacy", "staff")
STATES = ("new", "answered", "closed", "published")

_SENDER_TEXT = personal(
    "content",
    N_("the request you sent to the support desk"),
    N_(
        "erased SUPPORT_RETENTION_DAYS (365 by default) after staff last handled the request; "
        "published only as rewritten by staff, never if you ask us not to"
    ),
    N_("staff"),
    purge="erase_old_support_requests",
)


class SupportRequest(db.Model):
    """A request sent through /support, by a visitor or a member."""

    __tablename__ = "support_requests"
    __table_args__ = (
        # The inbox: filtered by state and kind, oldest first.
        Index("ix_support_requests_state_created", "state", "created_at"),
        Index("ix_support_requests_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="new", server_default="new")
    subject: Mapped[str] = mapped_column(String(200), info=_SENDER_TEXT)
    message: Mapped[str] = mapped_column(Text, info=_SENDER_TEXT)
    # Only given by a visitor who wants a reply; a member's own address is used instead.
    email: Mapped[str | None] = mapped_column(
        Sealed("email"),
        info=personal(
            "contact",
            N_("replying to your support request, if you asked for a reply"),
            N_("erased with the request, SUPPORT_RETENTION_DAYS after it was last handled"),
            N_("staff who accepted the confidentiality agreement, each look logged"),
            purge="erase_old_support_requests",
            sealed=True,
        ),
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The moderator or admin a complaint about staff names, if the sender named one: they
    # are never shown it. Set to NULL when their account goes, erased with the request.
    about_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"),
        index=True,
        info=personal(
            "content",
            N_("the moderator or admin your complaint is about, if you named one"),
            N_("erased with the request, SUPPORT_RETENTION_DAYS after it was last handled"),
            N_("admins, except the one named"),
            purge="erase_old_support_requests",
        ),
    )
    no_publish: Mapped[bool] = mapped_column(default=False, server_default=false())
    ip: Mapped[str | None] = mapped_column(
        Sealed("ip"),
        info=ip_address(
            N_("looking into abuse of the support form; never used to identify visitors"),
            purge="remove_old_support_ips",
        ),
    )
    network_tag: Mapped[str | None] = mapped_column(
        String(16), info=network_tag(purge="remove_old_support_ips")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="raise")
    about: Mapped[User | None] = relationship(foreign_keys=[about_id], lazy="raise")
    events: Mapped[list["SupportEvent"]] = relationship(
        back_populates="request", lazy="raise", order_by="SupportEvent.id"
    )
    answer: Mapped["SupportAnswer | None"] = relationship(back_populates="request", lazy="raise")

    @property
    def reference(self) -> str:
        """The number the sender is given, and quotes back."""
        return f"S-{self.id:06d}"

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def kind_phrase(self) -> str:
        return KIND_PHRASES.get(self.kind, self.kind)

    @property
    def publishable(self) -> bool:
        """Whether this request may ever be published (the service enforces it)."""
        return not self.no_publish and self.kind not in ADMIN_KINDS

    def __repr__(self) -> str:
        return f"<SupportRequest {self.id} {self.kind} {self.state}>"


class SupportEvent(db.Model):
    """One step in a request's history: a reply, a note, a change of state, publishing."""

    __tablename__ = "support_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(
        Text,
        default="",
        server_default="",
        info=personal(
            "content",
            N_("staff replies to and notes about your support request"),
            N_("erased with the request, SUPPORT_RETENTION_DAYS after it was last handled"),
            N_("staff"),
            purge="erase_old_support_requests",
        ),
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[SupportRequest] = relationship(back_populates="events", lazy="raise")
    author: Mapped[User | None] = relationship(lazy="raise")


class SupportAnswer(db.Model):
    """The public version of a request: rewritten by staff so that nothing identifies anyone."""

    __tablename__ = "support_answers"
    __table_args__ = (Index("ix_support_answers_published_kind", "published", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    question: Mapped[str] = mapped_column(Text)
    answer_source: Mapped[str] = mapped_column(Text)
    # Rendered and sanitized once, when saved.
    answer_html: Mapped[str] = mapped_column(Text)
    # False once withdrawn: the row stays for staff, and disappears from every public page.
    published: Mapped[bool] = mapped_column(default=False, server_default=false())
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[SupportRequest] = relationship(back_populates="answer", lazy="raise")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<SupportAnswer {self.id} {self.slug}>"
