"""Members: the only personal data the forum asks for is a username and an email address."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..catalogs import N_
from ..extensions import db
from ..sealing import Sealed, index_matches, index_of
from .base import ROLES_STAFF, ip_address, personal, utcnow

ROLES = ("member", "moderator", "admin")


def _new_key() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'moderator', 'admin')", name="role"),
        # An id is never given again after its account is deleted (SQLite reuses the
        # highest rowid otherwise): nothing that named the old member can name a new one.
        Index("uq_users_feed_key_hash", "feed_key_hash", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(
        String(32),
        info=personal(
            "identity",
            N_("shown beside your posts and on your profile"),
            N_("until you delete your account"),
            N_("everyone"),
            purge="account-deletion",
        ),
    )
    # The lower-cased username: uniqueness is case-insensitive, lookups use this.
    username_key: Mapped[str] = mapped_column(
        String(32),
        unique=True,
        info=personal(
            "identity",
            N_("your username in lower case, so that no one can take it with other capitals"),
            N_("until you delete your account"),
            N_("no one; only used to look names up"),
            purge="account-deletion",
        ),
    )
    email: Mapped[str] = mapped_column(
        Sealed("email", index="email_index"),
        info=personal(
            "contact",
            N_("sign-in links and, if you ask for them, announcements"),
            N_("until you delete your account"),
            N_("you; staff who accepted the confidentiality agreement, each look logged"),
            purge="account-deletion",
            sealed=True,
        ),
    )
    # The address's blind index (forum/sealing.py): one indexed lookup finds a member by
    # address, and uniqueness holds, without the address being stored readable.
    email_index: Mapped[str] = mapped_column(
        String(64),
        unique=True,
        info=personal(
            "contact",
            N_("finding your account by its address, without keeping the address readable"),
            N_("until you delete your account"),
            N_("no one; a keyed hash only used to look addresses up"),
            purge="account-deletion",
        ),
    )
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    post_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Unticked unless the member ticks it: announcements by email are opt-in.
    announcements: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Moderation notices not yet seen: the header's count, kept on the row (no query per page).
    unread_notices: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Unticked unless the member ticks it on /account: moderation notices by email too.
    notice_mail: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The member's language and time zone, chosen on /account (None: the browser's language,
    # and UTC).
    locale: Mapped[str | None] = mapped_column(
        String(16),
        info=personal(
            "preferences",
            N_("writing pages and mail to you in the language you chose"),
            N_("until you delete your account"),
            N_("you"),
            purge="account-deletion",
        ),
    )
    timezone: Mapped[str | None] = mapped_column(
        String(64),
        info=personal(
            "preferences",
            N_("showing times in the zone you chose"),
            N_("until you delete your account"),
            N_("you"),
            purge="account-deletion",
        ),
    )
    # Forum notifications: watch your own topics and those you reply to (on by default);
    # mail per kind ("never", the default, "now" or "digest"), without the post's text
    # unless `mail_text` is ticked.
    auto_watch: Mapped[bool] = mapped_column(default=True, server_default=true())
    mail_replies: Mapped[str] = mapped_column(String(8), default="never", server_default="never")
    mail_mentions: Mapped[str] = mapped_column(String(8), default="never", server_default="never")
    mail_watched: Mapped[str] = mapped_column(String(8), default="never", server_default="never")
    mail_text: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_digest_at: Mapped[datetime | None]
    # The private notifications feed: SHA-256 of its secret (the secret is shown once).
    feed_key_hash: Mapped[str | None] = mapped_column(
        String(64),
        info=personal(
            "activity",
            N_("opening your private feed of notifications, for a feed reader"),
            N_("until you turn the feed off or sign out everywhere, or delete your account"),
            N_("no one; a hash of the secret address only you were shown"),
            purge="account-deletion",
        ),
    )
    # The privacy policy version this member last saw (None: before versions existed, i.e. 1).
    policy_version_seen: Mapped[int | None]
    # Suspended members read but cannot write until this time; they are told why.
    suspended_until: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(
        String(500),
        info=personal(
            "moderation",
            N_("telling you why you cannot write for now"),
            N_("until you delete your account (the moderation log keeps it for staff)"),
            N_("you and staff"),
            purge="account-deletion",
        ),
    )
    # The random key of the member's announcement unsubscribe link: names no id, and
    # changes with the address (links mailed to the old one stop working).
    mail_key: Mapped[str] = mapped_column(String(43), unique=True, default=_new_key)
    signup_ip: Mapped[str | None] = mapped_column(
        Sealed("ip"),
        info=ip_address(
            N_("looking into abuse of registration; never used to identify visitors"),
            purge="remove_old_ips",
        ),
    )

    # The raw key of the session this object was loaded for (not a column; see
    # services.accounts.start_session): Flask-Login keeps it in the cookie, never the id.
    session_key = None

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @validates("email")
    def _index_email(self, _key: str, address: str) -> str:
        self.email_index = index_of(address)
        return address

    @classmethod
    def has_email(cls, address: str):
        """A WHERE clause finding the member with this address (through its blind index)."""
        return index_matches(cls.email_index, address)

    def get_id(self) -> str | None:
        return self.session_key

    @property
    def is_staff(self) -> bool:
        return self.role in ROLES_STAFF

    def suspended(self, now: datetime | None = None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
