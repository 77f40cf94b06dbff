"""The privacy policy, versioned, and the cookies the site can set.

Every published version is kept. The number (and summary) of the current version is cached
per app for PAGE_CACHE_SECONDS, so that the notice shown to members who have not seen it
costs no query on most pages; publishing clears this app's cache at once, and other app
servers pick the new version up when their entry expires.
"""

import difflib
import string
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import markdown
from ..extensions import db
from ..models import PolicyVersion, User, utcnow
from . import NotFound, ServiceError, ledger, require_admin
from .text import whole_number

FIRST_VERSION = Path(__file__).resolve().parent.parent / "privacy_policy_v1.md"
FIRST_SUMMARY = "The first version of this policy."


@dataclass(frozen=True)
class CurrentPolicy:
    """What the notice to members needs: the current number and what it changed."""

    version: int
    summary: str


def _first_version_source() -> str:
    """The bundled first version, with this site's settings filled in."""
    config = current_app.config
    # The policy's text is English whatever the reader's language (see README, Languages).
    with force_locale("en"):
        places = ledger.network_places(db.metadata)
    return string.Template(FIRST_VERSION.read_text(encoding="utf-8")).substitute(
        signin_minutes=config["SIGNIN_LINK_MINUTES"],
        unconfirmed_days=config["UNCONFIRMED_ACCOUNT_DAYS"],
        ip_days=config["IP_RETENTION_DAYS"],
        session_days=config["PERMANENT_SESSION_LIFETIME"].days,
        support_days=config["SUPPORT_RETENTION_DAYS"],
        notice_days=config["NOTICE_RETENTION_DAYS"],
        notification_days=config["NOTIFICATION_DAYS"],
        network_places=places,
        stats_min_count=config["STATS_MIN_COUNT"],
    )


def first_version() -> PolicyVersion:
    """Version 1 from the bundled text with this site's settings, not stored.

    Until an admin publishes version 2 (which stores it first), version 1 is this text:
    reading the policy never writes, and an emptied database (as in tests) has a policy.
    """
    source = _first_version_source()
    return PolicyVersion(
        version=1,
        summary=FIRST_SUMMARY,
        body=source,
        html=markdown.render(source),
        published_at=None,
    )


def ensure_first_version() -> None:
    """Store version 1 if no version is stored yet (seed-demo, publishing); the caller commits."""
    if db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0:
        first = first_version()
        first.published_at = utcnow()
        db.session.add(first)
        db.session.flush()
        forget_current()


def current_version() -> PolicyVersion:
    """The current (latest) version; version 1 from the bundled text when none is stored."""
    latest = select(PolicyVersion).order_by(PolicyVersion.version.desc()).limit(1)
    return db.session.scalar(latest) or first_version()


def get_version(number: int) -> PolicyVersion:
    """One version, or NotFound."""
    policy = db.session.get(PolicyVersion, number)
    if policy is None and number == 1 and not history_stored():
        return first_version()
    if policy is None:
        raise NotFound(_("There is no such version of the privacy policy."))
    return policy


def history_stored() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(PolicyVersion)))


def history() -> list:
    """Every version's number, date and summary, newest first (bodies not loaded)."""
    rows = list(
        db.session.execute(
            select(
                PolicyVersion.version, PolicyVersion.published_at, PolicyVersion.summary
            ).order_by(PolicyVersion.version.desc())
        )
    )
    return rows or [HistoryRow(1, None, FIRST_SUMMARY)]


def cached_current() -> CurrentPolicy | None:
    """The current version's number and summary, from this app's cache when fresh."""
    entry = current_app.extensions.get("privacy_policy")
    if entry is not None and entry[0] > time.monotonic():
        return entry[1]
    row = db.session.execute(
        select(PolicyVersion.version, PolicyVersion.summary)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    ).first()
    current = CurrentPolicy(row.version, row.summary) if row else CurrentPolicy(1, FIRST_SUMMARY)
    expires = time.monotonic() + current_app.config["PAGE_CACHE_SECONDS"]
    current_app.extensions["privacy_policy"] = (expires, current)
    return current


def forget_current() -> None:
    """Drop this app's cached current version (after publishing one)."""
    current_app.extensions.pop("privacy_policy", None)


def publish_version(admin: User, summary: str, body: str) -> PolicyVersion:
    """An admin publishes the next version of the policy; the caller commits.

    This app's cached current version is dropped; other processes see it within
    PAGE_CACHE_SECONDS.
    """
    require_admin(admin)
    summary, body = summary.strip(), body.strip() + "\n"
    if not summary:
        raise ServiceError(_("Say in one line what changed."), field="summary")
    current = current_version()
    if body == current.body:
        raise ServiceError(_("This text is the same as the current version."), field="body")
    ensure_first_version()
    policy = PolicyVersion(
        version=current.version + 1,
        published_at=utcnow(),
        summary=summary,
        body=body,
        html=markdown.render(body),
    )
    db.session.add(policy)
    try:
        db.session.flush()
    except IntegrityError:
        raise ServiceError(
            _("Someone published a version meanwhile; reload and try again.")
        ) from None
    forget_current()
    return policy


def version_for_registration(shown: str | None) -> int | None:
    """The version a registering visitor was shown: the form's number if real, else current."""
    current = cached_current()
    if current is None:
        return None
    number = whole_number(shown)
    if number is not None and 1 <= number <= current.version:
        return number
    return current.version


def notice_for(user: User) -> CurrentPolicy | None:
    """The current version if this member last saw an older one (None counts as 1)."""
    current = cached_current()
    if current is None or current.version <= (user.policy_version_seen or 1):
        return None
    return current


def record_seen(user: User, version: int) -> None:
    """Remember that the member saw this version (never going back); the caller commits."""
    current = cached_current()
    if current is None or not 1 <= version <= current.version:
        return
    user.policy_version_seen = max(version, user.policy_version_seen or 1)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed" or "same"
    old: int | None
    new: int | None
    text: str


def changes(policy: PolicyVersion) -> tuple[PolicyVersion | None, list[list[DiffLine]]]:
    """The version before `policy` and the groups of changed lines (with context) since it."""
    if policy.version == 1:
        return None, []
    before = get_version(policy.version - 1)
    old, new = before.body.splitlines(), policy.body.splitlines()
    groups = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for opcodes in matcher.get_grouped_opcodes(2):
        lines = []
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                same = range(i2 - i1)
                lines += [DiffLine("same", i1 + k + 1, j1 + k + 1, old[i1 + k]) for k in same]
                continue
            lines += [DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2)]
            lines += [DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2)]
        groups.append(lines)
    return before, groups


@dataclass(frozen=True)
class HistoryRow:
    version: int
    published_at: datetime | None
    summary: str


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    set_when: str
    lifetime: str
    attributes: str


def site_cookies() -> list[Cookie]:
    """Every cookie the site can set, described from the configuration."""
    config = current_app.config
    attributes = ["HttpOnly"] if config["SESSION_COOKIE_HTTPONLY"] else []
    attributes.append(f"SameSite={config['SESSION_COOKIE_SAMESITE']}")
    attributes.append("Secure" if config["SESSION_COOKIE_SECURE"] else "Secure over HTTPS")
    days = config["PERMANENT_SESSION_LIFETIME"].days
    return [
        Cookie(
            name=config["SESSION_COOKIE_NAME"],
            purpose=(
                "Holds the random key of your signed-in session (never your member number), "
                "and protects your forms against other sites."
            ),
            set_when="When you sign in, never before. Signing out removes it and ends the "
            "session on the server, so a copy of it signs in no one.",
            lifetime=f"{days} days from signing in, or until you sign out",
            attributes=", ".join(attributes),
        )
    ]
