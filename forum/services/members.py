"""Members: creating them with the two facts we ask for, and reading profiles."""

import re
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from .. import markdown
from ..extensions import db
from ..models import ROLES, Post, Topic, User
from . import NotFound, ServiceError
from .pagination import Page, paged

USERNAME_RE = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{1,30})[A-Za-z0-9_]$")
USERNAME_RULE = "3 to 32 characters: letters, digits, and . _ - inside"
PROFILE_PER_PAGE = 20
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
        raise ServiceError(
            _("A username is %(username_rule)s.", username_rule=USERNAME_RULE), field="username"
        )
    return username


def check_not_reserved(username: str) -> None:
    """Refuse a name that would pass for the forum or its staff (registration only: an
    admin may still give such a name with `flask create-user`)."""
    if re.sub(r"[^a-z]", "", username.lower()) in RESERVED_USERNAMES:
        raise ServiceError(
            _("That name is reserved for the forum and its staff: choose another."),
            field="username",
        )


def normalize_email(email: str) -> str:
    """Validate an address (syntax only, no network) and return its normalized, lower form."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(
            _("That email address is not valid: %(exc)s", exc=exc), field="email"
        ) from None
    return result.normalized.lower()


def create_user(username: str, email: str, role: str = "member") -> User:
    """Add a member after checking both fields; the caller commits."""
    username = normalize_username(username)
    email = normalize_email(email)
    if role not in ROLES:
        raise ServiceError(_("Role must be one of %(join)s.", join=", ".join(ROLES)), field="role")
    if find_by_username(username) is not None:
        raise ServiceError(_("That username is taken."), field="username")
    if db.session.scalar(select(User.id).where(User.has_email(email))) is not None:
        raise ServiceError(_("That email address is taken."), field="email")
    user = User(username=username, username_key=username.lower(), email=email, role=role)
    db.session.add(user)
    db.session.flush()
    return user


def find_by_username(username: str) -> User | None:
    """The member with this username, whatever its case."""
    if not USERNAME_RE.fullmatch(username):
        return None
    return db.session.scalar(select(User).where(User.username_key == username.lower()))


@dataclass(frozen=True)
class ProfileEntry:
    """A post or a topic on a profile: where it is, when, and a plain-text excerpt."""

    id: int
    title: str
    created_at: datetime
    excerpt: str


def _member(username: str) -> User:
    user = find_by_username(username)
    if user is None:
        raise NotFound(_("No member has that name."))
    return user


def profile(username: str, viewer: User | None, raw_page: str | None = None) -> tuple[User, Page]:
    """A member and a page of their posts the viewer may see, newest first, each with a
    plain-text excerpt (never the raw Markdown)."""
    user = _member(username)
    visible = [Post.author_id == user.id]
    if not (viewer and viewer.is_staff):
        visible += [Post.hidden.is_(False), Topic.hidden.is_(False)]
    query = (
        select(Post)
        .join(Post.topic)
        .where(*visible, Post.deleted_at.is_(None))
        .options(contains_eager(Post.topic))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )
    count = select(func.count(Post.id)).join(Post.topic).where(*visible)
    page = paged(query, count, raw_page, PROFILE_PER_PAGE)
    entries = [
        ProfileEntry(p.id, p.topic.title, p.created_at, markdown.plain_text(p.html))
        for p in page.items
    ]
    return user, Page(entries, page.number, page.count)


def topics_started(
    username: str, viewer: User | None, raw_page: str | None = None
) -> tuple[User, Page]:
    """A member and a page of the topics they started that the viewer may see."""
    user = _member(username)
    visible = [Topic.author_id == user.id]
    if not (viewer and viewer.is_staff):
        visible.append(Topic.hidden.is_(False))
    query = select(Topic).where(*visible).order_by(Topic.created_at.desc(), Topic.id.desc())
    count = select(func.count(Topic.id)).where(*visible)
    return user, paged(query, count, raw_page, PROFILE_PER_PAGE)
