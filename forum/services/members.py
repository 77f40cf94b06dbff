"""Members: creating them with the two facts we ask for, and reading profiles."""

import re

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import ROLES, Post, Topic, User
from . import NotFound, ServiceError

USERNAME_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{1,30})[A-Za-z0-9_]$")
USERNAME_RULE = "3 to 32 characters: letters, digits, and . _ - inside"
RECENT_POSTS = 10
# Names a visitor could take to pass for the forum or its staff. Compared in lower case with
# digits and punctuation left out, so "Admin", "ad.min" and "admin_2" are reserved too.
RESERVED_USERNAMES = frozenset({
    "abuse", "admin", "administrator", "admins", "anonymous", "api", "billing", "contact",
    "forum", "help", "helpdesk", "hostmaster", "info", "mod", "moderator", "moderators", "mods",
    "noreply", "official", "owner", "postmaster", "privacy", "root", "security", "site",
    "staff", "support", "sysadmin", "system", "team", "webmaster",
})  # fmt: skip


def normalize_username(username: str) -> str:
    """Check a username against the allowed character set; return it stripped."""
    username = (username or "").strip()
    if not USERNAME_RE.fullmatch(username) or ".." in username:
        raise ServiceError(f"A username is {USERNAME_RULE}.", field="username")
    return username


def check_not_reserved(username: str) -> None:
    """Refuse a name that would pass for the forum or its staff (registration only: an
    admin may still give such a name with `flask create-user`)."""
    if re.sub(r"[^a-z]", "", username.lower()) in RESERVED_USERNAMES:
        raise ServiceError(
            "That name is reserved for the forum and its staff: choose another.",
            field="username",
        )


def normalize_email(email: str) -> str:
    """Validate an address (syntax only, no network) and return its normalized, lower form."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(f"That email address is not valid: {exc}", field="email") from None
    return result.normalized.lower()


def create_user(username: str, email: str, role: str = "member") -> User:
    """Add a member after checking both fields; the caller commits."""
    username = normalize_username(username)
    email = normalize_email(email)
    if role not in ROLES:
        raise ServiceError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if find_by_username(username) is not None:
        raise ServiceError("That username is taken.", field="username")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ServiceError("That email address is taken.", field="email")
    user = User(username=username, username_key=username.lower(), email=email, role=role)
    db.session.add(user)
    db.session.flush()
    return user


def find_by_username(username: str) -> User | None:
    """The member with this username, whatever its case."""
    if not USERNAME_RE.fullmatch(username):
        return None
    return db.session.scalar(select(User).where(User.username_key == username.lower()))


def profile(username: str, viewer: User | None) -> tuple[User, list[Post]]:
    """A member and their recent posts the viewer may see (two queries)."""
    user = find_by_username(username)
    if user is None:
        raise NotFound("No member has that name.")
    query = (
        select(Post)
        .join(Post.topic)
        .where(Post.author_id == user.id, Post.deleted_at.is_(None))
        .options(contains_eager(Post.topic))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(RECENT_POSTS)
    )
    if not (viewer and viewer.is_staff):
        query = query.where(Post.hidden.is_(False), Topic.hidden.is_(False))
    return user, list(db.session.scalars(query))
