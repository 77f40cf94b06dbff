"""One-time sign-in links: random tokens, stored only as hashes."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
from ..extensions import db
from ..sealing import Sealed
from .base import ip_address, network_tag, personal, utcnow
from .user import User

# A deletion link carries the member's choice for their posts: erase them, or keep them.
DELETE_PURPOSES = {"delete": True, "delete-keep": False}
PURPOSES = ("signin", "email", *DELETE_PURPOSES)


class LoginToken(db.Model):
    """A link mailed to a member: sign in, confirm a new address, or delete the account.

    The token itself is never stored: only its SHA-256. A token dies when used, when a newer
    one of the same purpose is issued, or when it expires; the row stays (without any way to
    use it) until IP_RETENTION_DAYS so that abuse of the sign-in form can be looked into.
    """

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    new_email: Mapped[str | None] = mapped_column(
        Sealed("email"),
        info=personal(
            "contact",
            N_("the address you asked to change to, until you confirm it"),
            N_("until the link is used or expires; erased with the request after 30 days"),
            N_("no one"),
            purge="remove_old_ips",
            sealed=True,
        ),
    )
    ip: Mapped[str | None] = mapped_column(
        Sealed("ip"),
        info=ip_address(
            N_("looking into abuse of the sign-in form; never used to identify visitors"),
            purge="remove_old_ips",
        ),
    )
    network_tag: Mapped[str | None] = mapped_column(
        String(16), info=network_tag(purge="remove_old_ips")
    )

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > utcnow()


class MemberSession(db.Model):
    """A signed-in browser: the session cookie holds a random key, this row its SHA-256.

    The cookie names nothing that is ever reused (not the member's id), and the forum can
    end it: signing out deletes this row, so a copy of the cookie signs in no one after.
    The lifetime counts from signing in and does not slide forward.
    """

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship(lazy="raise")
