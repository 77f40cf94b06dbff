"""Disclosures on the record: each request for a member's personal data from outside the
staff (an authority, or someone to protect), what was asked, what was handed over, and
when the member is told.

A record keeps its counts for the public transparency page after the member deletes their
account: the member, the values handed over and the free-text basis go; who asked, when,
which fields and the outcome stay (services/deletion.py).
"""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
from ..extensions import db
from ..sealing import Sealed
from .base import personal, utcnow
from .user import User

DISCLOSURE_KINDS = ("authority", "protection")
DISCLOSURE_OUTCOMES = ("full", "partial", "refused")
# What can be asked for and handed over, each read from the sealed columns through the
# staff reveal path (services/disclosure.reveal), one logged reveal per value.
DISCLOSURE_FIELDS = ("email", "signup_ip", "post_ips", "signin_ips")


class DisclosureRecord(db.Model):
    """One request for a member's personal data from outside the staff, and its answer."""

    __tablename__ = "disclosure_records"
    __table_args__ = (
        CheckConstraint("kind IN ('authority', 'protection')", name="kind"),
        CheckConstraint("outcome IN ('full', 'partial', 'refused')", name="outcome"),
        Index("ix_disclosure_records_received", "received_on"),
        Index("ix_disclosure_records_notify", "told_at", "notify_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Whose data; NULL once the member deleted their account (the counts stay).
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The day the request came in: the half-year it is counted in.
    received_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    # Who asked: an authority, a court, a service; never a member's address.
    requester: Mapped[str] = mapped_column(String(200))
    # Under what authority (an order, a law) or, to protect someone, the reason.
    basis: Mapped[str] = mapped_column(
        String(1000),
        info=personal(
            "disclosure",
            N_(
                "the legal authority or the reason for a request for your data from outside "
                "the staff, kept for the record and told to you"
            ),
            N_("until you delete your account; the record then keeps only its counts"),
            N_("you and admins"),
            purge="account-deletion",
        ),
    )
    # Comma-separated DISCLOSURE_FIELDS: what was asked for, and what was handed over.
    fields_asked: Mapped[str] = mapped_column(String(100))
    fields_given: Mapped[str] = mapped_column(String(100), default="", server_default="")
    outcome: Mapped[str] = mapped_column(String(16))
    # The values handed over, as JSON ({field: [values]}), sealed like the columns they
    # came from.
    handed_over: Mapped[str | None] = mapped_column(
        Sealed("disclosure"),
        info=personal(
            "disclosure",
            N_("what was handed over from your data, so that you can see it in your export"),
            N_("until you delete your account"),
            N_("you; admins when they recorded it"),
            purge="account-deletion",
            sealed=True,
        ),
    )
    # Notice deferred until this day (a legal order may require it); NULL: told at once.
    notify_after: Mapped[date | None] = mapped_column(Date)
    # When the member was told (at once, or by `purge` once notify_after has come).
    told_at: Mapped[datetime | None]
    # Counted among the half-year's members affected. After the member deletes their
    # account, one of their records per half-year keeps counting them, the others not, so
    # the published numbers do not change.
    counts_member: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    member: Mapped[User | None] = relationship(foreign_keys=[member_id], lazy="raise")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="raise")

    def field_list(self, which: str = "given") -> list[str]:
        raw = self.fields_given if which == "given" else self.fields_asked
        return [f for f in raw.split(",") if f]
