"""The private feed: a member's notifications as Atom, at a secret address for feed readers.

The secret is 256 random bits, shown once; only its SHA-256 is stored, so a copy of the
database opens no one's feed. Turning the feed on again makes a new secret (the old address
stops working), turning it off or signing out everywhere forgets it.
"""

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import User
from . import Forbidden

FEED_ENTRIES = 50


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def turn_on(member: User) -> str:
    """A new secret for the member's feed (the previous one stops working); shown once."""
    if not member.is_authenticated:
        raise Forbidden(_("Only members have a private feed."))
    secret = secrets.token_urlsafe(32)
    member.feed_key_hash = _hash(secret)
    return secret


def turn_off(member: User) -> None:
    """The feed's address stops working."""
    member.feed_key_hash = None


def member_for(secret: str) -> User | None:
    """The member whose feed this secret opens, or None."""
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(select(User).where(User.feed_key_hash == _hash(secret)))
