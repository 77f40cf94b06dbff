"""Disclosures on the record: admins record each request for a member's personal data from
outside the staff, what was handed over, and the member is told (at once, or once a date a
legal order sets has come, by `purge`).

The values handed over are read through the staff reveal path (services/disclosure.reveal):
the admin must have accepted the confidentiality agreement, and each value is one audit
record, which the member sees in their export once they are told.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    DISCLOSURE_FIELDS,
    DISCLOSURE_KINDS,
    DisclosureRecord,
    LoginToken,
    Post,
    User,
    utcnow,
)
from . import ServiceError, notices, require_admin
from .disclosure import can_see_personal, reveal
from .pagination import Page, paged
from .text import clean_body, clean_line
from .transparency_report import half_of

REQUESTER_MIN, REQUESTER_MAX = 3, 200
BASIS_MIN, BASIS_MAX = 5, 1000
EARLIEST = date(2000, 1, 1)
# The longest a notice may be deferred: an order for longer is recorded again when it ends.
LONGEST_DEFERRAL_DAYS = 10 * 366
FIELD_NAMES = {
    "email": _l("email address"),
    "signup_ip": _l("network address at registration"),
    "post_ips": _l("network addresses kept beside posts"),
    "signin_ips": _l("network addresses kept beside sign-in requests"),
}
KIND_NAMES = {"authority": _l("an authority, under law"), "protection": _l("to protect someone")}
PER_PAGE = 50


@dataclass(frozen=True)
class DisclosureDraft:
    """What an admin records, as the form gave it (checked by record_disclosure)."""

    member_name: str
    kind: str
    requester: str
    basis: str
    received_on: date | None
    fields_asked: list[str] = field(default_factory=list)
    fields_given: list[str] = field(default_factory=list)
    notify_after: date | None = None


def _checked(draft: DisclosureDraft, today: date) -> tuple[User, str, str]:
    """The member, requester and basis, or a ServiceError naming the field at fault."""
    name = clean_line(draft.member_name or "")[:64].lower()
    member = db.session.scalar(select(User).where(User.username_key == name)) if name else None
    if member is None:
        raise ServiceError(_("There is no member with that username."), field="member")
    if draft.kind not in DISCLOSURE_KINDS:
        raise ServiceError(_("Choose who asked: an authority or someone to protect."), "kind")
    requester = clean_line(draft.requester or "")
    if not REQUESTER_MIN <= len(requester) <= REQUESTER_MAX:
        raise ServiceError(
            _(
                "Say who asked, in %(min)d to %(max)d characters.",
                min=REQUESTER_MIN,
                max=REQUESTER_MAX,
            ),
            field="requester",
        )
    basis = clean_body(draft.basis or "").strip()
    if not BASIS_MIN <= len(basis) <= BASIS_MAX:
        raise ServiceError(
            _(
                "Give the authority or the reason, in %(min)d to %(max)d characters.",
                min=BASIS_MIN,
                max=BASIS_MAX,
            ),
            field="basis",
        )
    if draft.received_on is None or not EARLIEST <= draft.received_on <= today:
        raise ServiceError(_("The request came in on a day between 2000 and today."), "received_on")
    asked, given = set(draft.fields_asked), set(draft.fields_given)
    if not asked or not asked <= set(DISCLOSURE_FIELDS):
        raise ServiceError(_("Tick what was asked for."), field="fields_asked")
    if not given <= asked:
        raise ServiceError(_("Hand over only what was asked for."), field="fields_given")
    later = draft.notify_after
    if later is not None and not today < later <= today + timedelta(LONGEST_DEFERRAL_DAYS):
        raise ServiceError(
            _("A deferred notice needs a day after today and within ten years."), "notify_after"
        )
    return member, requester, basis


def record_disclosure(
    admin: User, draft: DisclosureDraft, now: datetime | None = None
) -> tuple[DisclosureRecord, dict[str, list[str]]]:
    """Record a request and hand over what it gets, through the reveal path (each value one
    audit record); tell the member now unless notice is deferred. The caller commits."""
    require_admin(admin)
    now = now or utcnow()
    member, requester, basis = _checked(draft, now.date())
    given = [f for f in DISCLOSURE_FIELDS if f in draft.fields_given]
    asked = [f for f in DISCLOSURE_FIELDS if f in draft.fields_asked]
    if given and not can_see_personal(admin):
        raise ServiceError(_("Accept the confidentiality agreement before handing anything over."))
    record = DisclosureRecord(
        created_at=now,
        recorded_by_id=admin.id,
        member_id=member.id,
        received_on=draft.received_on,
        kind=draft.kind,
        requester=requester,
        basis=basis,
        fields_asked=",".join(asked),
        fields_given=",".join(given),
        outcome="refused" if not given else "full" if given == asked else "partial",
        notify_after=draft.notify_after,
    )
    db.session.add(record)
    db.session.flush()
    reason = f"Disclosure #{record.id} to {requester}"[:500]
    values = {f: _hand_over(admin, member, f, reason, record.id) for f in given}
    record.handed_over = json.dumps(values) if given else None
    if draft.notify_after is None:
        _tell(record, member, now)
    return record, values


def _hand_over(admin: User, member: User, name: str, reason: str, record_id: int) -> list[str]:
    """The values of one field, each read through one logged reveal."""
    if name in ("email", "signup_ip"):
        places = [("member", member.id, "email" if name == "email" else "ip")]
    elif name == "post_ips":
        ids = select(Post.id).where(Post.author_id == member.id, Post.ip.is_not(None))
        places = [("post", i, "ip") for i in db.session.scalars(ids.order_by(Post.id))]
    else:
        ids = select(LoginToken.id).where(
            LoginToken.user_id == member.id, LoginToken.ip.is_not(None)
        )
        places = [("signin", i, "ip") for i in db.session.scalars(ids.order_by(LoginToken.id))]
    found = [reveal(admin, *place, reason, disclosure_id=record_id) for place in places]
    return [value for value in found if value is not None]


def _tell(record: DisclosureRecord, member: User, now: datetime) -> None:
    """Tell the member of a record: the one place a disclosure reaches their notices."""
    # Written in the member's language (the notice is kept as text).
    with force_locale(member.locale or "en"):
        given = [str(FIELD_NAMES[f]) for f in record.field_list("given")]
        when = f"{record.received_on:%Y-%m-%d}"
        if given:
            text = _(
                "On %(day)s, %(requester)s asked for your personal data (%(basis)s). "
                "Handed over: %(given)s. Your data export shows exactly what.",
                day=when,
                requester=record.requester,
                basis=record.basis,
                given=", ".join(given),
            )
        else:
            text = _(
                "On %(day)s, %(requester)s asked for your personal data (%(basis)s). "
                "The request was refused: nothing was handed over.",
                day=when,
                requester=record.requester,
                basis=record.basis,
            )
    notices.tell(member, None, "disclosure", text, "/account/data")
    record.told_at = now


def tell_deferred(now: datetime | None = None) -> int:
    """Tell members of the records whose deferred notice is due (run by `purge`, which
    commits)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(DisclosureRecord).where(
            DisclosureRecord.told_at.is_(None),
            DisclosureRecord.member_id.is_not(None),
            DisclosureRecord.notify_after <= now.date(),
        )
    ).all()
    for record in due:
        _tell(record, db.session.get(User, record.member_id), now)
    return len(due)


def records_page(admin: User, raw_page: str | None) -> Page:
    """Every record, newest first, for admins (without the values handed over)."""
    require_admin(admin)
    query = (
        select(DisclosureRecord)
        .options(joinedload(DisclosureRecord.member), joinedload(DisclosureRecord.recorded_by))
        .order_by(DisclosureRecord.received_on.desc(), DisclosureRecord.id.desc())
    )
    return paged(query, select(func.count(DisclosureRecord.id)), raw_page, PER_PAGE)


def disclosures_of(user: User) -> list[dict]:
    """The records about a member that they have been told of, oldest first (their export)."""
    rows = db.session.scalars(
        select(DisclosureRecord)
        .where(DisclosureRecord.member_id == user.id, DisclosureRecord.told_at.is_not(None))
        .order_by(DisclosureRecord.received_on, DisclosureRecord.id)
    )
    return [
        {
            "received_on": r.received_on.isoformat(),
            "requested_by": r.requester,
            "kind": r.kind,
            "authority_or_reason": r.basis,
            "fields_asked": r.field_list("asked"),
            "fields_handed_over": r.field_list("given"),
            "outcome": r.outcome,
            "handed_over": json.loads(r.handed_over) if r.handed_over else {},
            "notice_deferred_until": r.notify_after.isoformat() if r.notify_after else None,
            "told_at": f"{r.told_at:%Y-%m-%dT%H:%M:%SZ}",
        }
        for r in rows
    ]


def forget_member(user: User) -> None:
    """On account deletion: the records lose the member, the values and the basis, and keep
    their counts (one record per half-year still counts the member among those affected, so
    published numbers do not change). The caller commits."""
    rows = db.session.scalars(
        select(DisclosureRecord)
        .where(DisclosureRecord.member_id == user.id)
        .order_by(DisclosureRecord.received_on, DisclosureRecord.id)
    ).all()
    counted = set()
    for record in rows:
        half = half_of(record.received_on)
        complied = record.outcome != "refused"
        record.counts_member = complied and half not in counted
        if complied:
            counted.add(half)
        record.member_id = None
        record.handed_over = None
        record.basis = ""
    # An admin who recorded requests and deletes their own account: the records stay.
    db.session.execute(
        update(DisclosureRecord)
        .where(DisclosureRecord.recorded_by_id == user.id)
        .values(recorded_by_id=None)
    )
    db.session.flush()
