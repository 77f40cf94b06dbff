"""The outbox: mail written in the same transaction as its cause, deleted once sent."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..catalogs import N_
from ..extensions import db
from ..sealing import Sealed, index_matches, index_of
from .base import personal, utcnow

_MESSAGE_BODY = personal(
    "content",
    N_("the message being delivered (it may name you and hold a sign-in link)"),
    N_("deleted as soon as it is sent, or when it expires"),
    N_("no one; only the mail server"),
    purge="remove_expired_mail",
)


class OutboxMessage(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(
        Sealed("email", index="to_index"),
        info=personal(
            "contact",
            N_("delivering this message"),
            N_("deleted as soon as it is sent, or when it expires"),
            N_("no one; only the mail server"),
            purge="remove_expired_mail",
            sealed=True,
        ),
    )
    # The recipient's blind index: deleting an account finds the mail still queued for it.
    to_index: Mapped[str] = mapped_column(
        String(64),
        index=True,
        info=personal(
            "contact",
            N_("finding the mail queued for an address, without keeping the address readable"),
            N_("deleted with the message"),
            N_("no one; a keyed hash only used to look addresses up"),
            purge="remove_expired_mail",
        ),
    )
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(
        Text,
        info=_MESSAGE_BODY,
    )
    html_body: Mapped[str] = mapped_column(
        Text,
        info=_MESSAGE_BODY,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Due when this is past; a sender claims a message by moving it into the future.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # One line from the last failure, for the operator: never a traceback or a password.
    last_error: Mapped[str | None] = mapped_column(String(255))
    # Past this, the message is useless (a sign-in link) and is dropped unsent.
    expires_at: Mapped[datetime | None]
    # Made once when queued, so that every retry carries the same Message-ID.
    message_id: Mapped[str] = mapped_column(String(320))
    # For announcements: the member's own one-click unsubscribe address (RFC 8058).
    unsubscribe_url: Mapped[str | None] = mapped_column(
        String(500),
        info=personal(
            "contact",
            N_("letting you stop announcements in one click, without signing in"),
            N_("deleted as soon as it is sent, or when it expires"),
            N_("no one; only the mail server"),
            purge="remove_expired_mail",
        ),
    )

    @validates("to_address")
    def _index_recipient(self, _key: str, address: str) -> str:
        self.to_index = index_of(address)
        return address

    @classmethod
    def addressed_to(cls, address: str):
        """A WHERE clause finding the messages queued for this address."""
        return index_matches(cls.to_index, address)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} attempts={self.attempts}>"
