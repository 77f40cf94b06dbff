"""Personal data under guard: the confidentiality agreement, reveals, and their audit log.

No staff page shows a member's email or any network address by itself. A staff member who
has accepted the current version of the agreement may reveal one value at a time, giving a
reason; each reveal writes one audit record that admins read and the member finds in their
data export.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import markdown
from ..extensions import db
from ..models import (
    AgreementAcceptance,
    AgreementVersion,
    DisclosureRecord,
    LoginToken,
    Post,
    RevealLog,
    User,
    utcnow,
)
from . import Forbidden, NotFound, ServiceError
from .pagination import Page, paged
from .support_desk import reply_address, request_for
from .text import clean_body, clean_line, whole_number

AGREEMENT_V1 = Path(__file__).resolve().parent.parent / "confidentiality_v1.md"
REASON_MIN, REASON_MAX = 5, 500
AGREEMENT_MAX = 20_000

# What can be revealed: where the value is kept, and which fields of it.
SOURCES = {
    "member": ("email", "ip"),
    "post": ("ip",),
    "signin": ("ip",),
    "support": ("email", "ip"),
}
SOURCE_NAMES = {
    "member": _l("an account"),
    "post": _l("a post"),
    "signin": _l("a sign-in request"),
    "support": _l("a support request"),
}
FIELD_NAMES = {"email": _l("Email address"), "ip": _l("IP address")}


def current_agreement() -> AgreementVersion:
    """The current version of the agreement; before any is saved, version 1 from the bundled
    text (saved by the first acceptance or publication: reading writes nothing)."""
    latest = db.session.scalar(
        select(AgreementVersion).order_by(AgreementVersion.version.desc()).limit(1)
    )
    if latest is None:
        body = AGREEMENT_V1.read_text(encoding="utf-8").replace(
            "{site}", current_app.config["SITE_NAME"]
        )
        latest = AgreementVersion(
            version=1, body=body, html=markdown.render(body), published_at=utcnow()
        )
    return latest


def _save_first(agreement: AgreementVersion) -> None:
    """Save version 1 if it was only read from the bundled text so far."""
    if agreement not in db.session:
        db.session.add(agreement)
        db.session.flush()


def get_agreement(version: int) -> AgreementVersion:
    agreement = db.session.get(AgreementVersion, version)
    if agreement is None:
        raise NotFound(_("There is no such version of the agreement."))
    return agreement


def agreement_history() -> list:
    return list(
        db.session.execute(
            select(AgreementVersion.version, AgreementVersion.published_at).order_by(
                AgreementVersion.version.desc()
            )
        )
    )


def accepted_version(user: User) -> int | None:
    """The latest agreement version `user` accepted (read once per loaded member: a request
    loads its member afresh, so this lasts one request)."""
    if "_accepted_agreement" not in user.__dict__:
        user._accepted_agreement = db.session.scalar(
            select(func.max(AgreementAcceptance.version)).where(
                AgreementAcceptance.user_id == user.id
            )
        )
    return user._accepted_agreement


def current_version_number() -> int:
    number = db.session.scalar(select(func.max(AgreementVersion.version)))
    return number or current_agreement().version


def can_see_personal(user) -> bool:
    """Staff who accepted the current version of the agreement (each look still logged)."""
    if not (user and user.is_staff):
        return False
    accepted = accepted_version(user)
    return accepted is not None and accepted >= current_version_number()


def accept_agreement(user: User, version) -> None:
    """Record that a staff member accepted `version` (as sent by the form, or an int); it
    must be the current one."""
    if not user.is_staff:
        raise Forbidden(_("The agreement is for staff."))
    version = whole_number(str(version)) or 0
    current = current_agreement()
    if version != current.version:
        raise ServiceError(_("A newer version was published meanwhile: read it, then accept it."))
    _save_first(current)
    exists = db.session.scalar(
        select(AgreementAcceptance.id).where(
            AgreementAcceptance.user_id == user.id, AgreementAcceptance.version == version
        )
    )
    if exists is None:
        db.session.add(AgreementAcceptance(user_id=user.id, version=version, accepted_at=utcnow()))
    user.__dict__.pop("_accepted_agreement", None)


def publish_agreement(admin: User, body: str) -> AgreementVersion:
    """Publish a new version; every staff member must accept it before seeing personal data."""
    if not admin.is_admin:
        raise Forbidden(_("Only admins publish the agreement."))
    body = clean_body(body or "").strip()
    if len(body) < 20:
        raise ServiceError(_("Write the agreement (at least 20 characters)."), field="body")
    if len(body) > AGREEMENT_MAX:
        raise ServiceError(
            _("The agreement is at most %(limit)s characters.", limit=format_number(AGREEMENT_MAX)),
            field="body",
        )
    current = current_agreement()
    if body == current.body:
        raise ServiceError(_("This is the current text: change something first."), field="body")
    _save_first(current)
    new = AgreementVersion(version=current.version + 1, body=body, html=markdown.render(body))
    db.session.add(new)
    db.session.flush()
    return new


def acceptances(version: int) -> list:
    """Who accepted a version, and when (for admins)."""
    return list(
        db.session.execute(
            select(User.username, AgreementAcceptance.accepted_at)
            .join(User, User.id == AgreementAcceptance.user_id)
            .where(AgreementAcceptance.version == version)
            .order_by(AgreementAcceptance.accepted_at)
        )
    )


@dataclass(frozen=True)
class Revealable:
    """A value that can be revealed: where it is kept and whose it is (not the value)."""

    source: str
    source_id: int
    field: str
    subject_id: int | None
    subject_name: str | None
    created_at: datetime | None


def _load(source: str, source_id: int, viewer: User):
    """The row keeping the value (NotFound when there is none; Forbidden for a support
    request `viewer` may not handle)."""
    if source == "support":
        return request_for(source_id, viewer)
    model = {"member": User, "post": Post, "signin": LoginToken}[source]
    row = db.session.get(model, source_id)
    if row is None:
        raise NotFound(_("There is no such record."))
    return row


def _owner_id(source: str, row) -> int | None:
    if source == "member":
        return row.id
    if source == "post":
        return row.author_id
    return row.user_id


def _value(source: str, row, field: str) -> str | None:
    if field == "ip":
        return row.signup_ip if source == "member" else row.ip
    if source == "member":
        return row.email

    return reply_address(row)


def check_revealable(viewer: User, source: str, source_id, field: str) -> Revealable:
    """What the reveal form is about, checked; NotFound for unknown sources or fields,
    Forbidden for a privacy request's sender shown to anyone but an admin."""
    if source not in SOURCES or field not in SOURCES[source]:
        raise NotFound(_("There is nothing of that kind to reveal."))
    try:
        source_id = int(source_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such record.")) from None
    if not 0 < source_id < 2**31:
        raise NotFound(_("There is no such record."))
    row = _load(source, source_id, viewer)
    owner_id = _owner_id(source, row)
    owner = db.session.get(User, owner_id) if owner_id else None
    return Revealable(
        source,
        source_id,
        field,
        owner_id,
        owner.username if owner else None,
        getattr(row, "created_at", None),
    )


def reveal(
    staff: User,
    source: str,
    source_id,
    field: str,
    reason: str,
    disclosure_id: int | None = None,
) -> str | None:
    """The value asked for, after writing one audit record; the caller commits.

    None means nothing is kept any more (erased on schedule); the look is logged all the same.
    `disclosure_id` names the disclosure record (services/transparency.py) it answers.
    """
    if not can_see_personal(staff):
        raise Forbidden(_("Accept the confidentiality agreement before revealing personal data."))
    target = check_revealable(staff, source, source_id, field)
    reason = clean_line(reason or "")
    if len(reason) < REASON_MIN:
        raise ServiceError(_("Say why you need to see this (a few words)."), field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("A reason is at most %(reason_max)s characters.", reason_max=REASON_MAX),
            field="reason",
        )
    row = _load(source, target.source_id, staff)
    db.session.add(
        RevealLog(
            staff_id=staff.id,
            subject_id=target.subject_id,
            source=source,
            source_id=target.source_id,
            field=field,
            reason=reason,
            created_at=utcnow(),
            disclosure_id=disclosure_id,
        )
    )
    db.session.flush()
    return _value(source, row, field)


def audit_page(raw_page: str | None, staff_name: str | None, subject_name: str | None) -> Page:
    """The audit log, newest first, filtered by the staff member or the member concerned."""
    query = select(RevealLog)
    count = select(func.count(RevealLog.id))
    for column, name in ((RevealLog.staff_id, staff_name), (RevealLog.subject_id, subject_name)):
        if name:
            user_id = select(User.id).where(User.username_key == name.lower()).scalar_subquery()
            query, count = query.where(column == user_id), count.where(column == user_id)
    query = query.options(joinedload(RevealLog.staff), joinedload(RevealLog.subject)).order_by(
        RevealLog.created_at.desc(), RevealLog.id.desc()
    )
    return paged(query, count, raw_page, current_app.config["LOG_PER_PAGE"])


def reveals_of(user: User) -> list[RevealLog]:
    """Every reveal of this member's data, for their export; those made for a disclosure
    whose notice is deferred only once the member has been told of it."""
    untold = select(DisclosureRecord.id).where(DisclosureRecord.told_at.is_(None))
    return list(
        db.session.scalars(
            select(RevealLog)
            .where(
                RevealLog.subject_id == user.id,
                RevealLog.disclosure_id.is_(None) | RevealLog.disclosure_id.not_in(untold),
            )
            .options(joinedload(RevealLog.staff))
            .order_by(RevealLog.created_at)
        )
    )
