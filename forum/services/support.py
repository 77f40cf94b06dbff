"""Support, the public side: visitors and members send requests; published answers are read
by everyone. The staff side (inbox, replies, publishing) is services/support_desk.py.

Writers flush and queue mail; their callers commit, then ask the mail layer to send after
the response.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..extensions import db
from ..models import User
from ..models.support import KINDS, SupportAnswer, SupportRequest
from . import NotFound, ServiceError, network
from . import mail as mail_service
from .members import normalize_email
from .text import clean_body, clean_line

SUBJECT_MAX = 200
MESSAGE_MAX = 20_000
SEARCH_MAX = 100
NAME_MAX = 32


@dataclass(frozen=True)
class Submission:
    """What a visitor or member typed into the support form."""

    kind: str
    subject: str
    message: str
    email: str | None
    no_publish: bool
    user: User | None
    ip: str | None
    # The username of the moderator or admin a complaint about staff is about, if given.
    about: str | None = None


def checked_text(value: str, field: str, limit: int, name: str, line: bool = False) -> str:
    """`value` cleaned (one line if `line`), refused on `field` when empty or over `limit`."""
    text = clean_line(value or "") if line else clean_body(value or "").strip()
    if not text:
        raise ServiceError(_("%(name)s cannot be empty.", name=name), field=field)
    if len(text) > limit:
        raise ServiceError(
            _("%(name)s is at most %(limit)s characters.", name=name, limit=format_number(limit)),
            field=field,
        )
    return text


def submit_request(form: Submission) -> SupportRequest:
    """Store a request and queue its confirmation mail when there is an address to send to."""
    if form.kind not in KINDS:
        raise ServiceError(_("Choose what kind of request this is."), field="kind")
    subject = checked_text(form.subject, "subject", SUBJECT_MAX, _("The subject"), line=True)
    message = checked_text(form.message, "message", MESSAGE_MAX, _("The message"))
    about = _named_staff(form.about) if form.kind == "staff" else None
    email = None
    if form.user is None and (form.email or "").strip():
        email = normalize_email(form.email)
    request = SupportRequest(
        kind=form.kind,
        subject=subject,
        message=message,
        email=email,
        user_id=form.user.id if form.user else None,
        no_publish=form.no_publish,
        about_id=about.id if about else None,
        ip=form.ip,
        network_tag=network.tag_for(form.ip),
    )
    db.session.add(request)
    db.session.flush()
    address = form.user.email if form.user else email
    if address:
        site = current_app.config["SITE_NAME"]
        mail_service.queue(
            address,
            _l("[%(ref)s] We received your request on %(site)s", ref=request.reference, site=site),
            "support_received",
            locale=form.user.locale if form.user else None,
            request=request,
        )
    return request


def _named_staff(raw: str | None) -> User | None:
    """The moderator or admin a complaint names (None when it names no one)."""
    name = clean_line(raw or "").lstrip("@")
    if not name:
        return None
    staff = None
    if len(name) <= NAME_MAX:
        staff = db.session.scalar(select(User).where(User.username_key == name.lower()))
    if staff is None or not staff.is_staff:
        raise ServiceError(
            _("There is no moderator or admin by that name: leave it empty if unsure."),
            field="about",
        )
    return staff


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds `term` anywhere, its wildcards escaped."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clean_search(raw: str | None) -> str:
    """A search term from a URL: one clean line, cut to SEARCH_MAX characters."""
    return clean_line(raw or "")[:SEARCH_MAX]


def published_answers(search: str | None) -> dict[str, list[SupportAnswer]]:
    """Published answers by kind, newest first, matching the search if there is one."""
    query = select(SupportAnswer).where(SupportAnswer.published.is_(True))
    term = clean_search(search)
    if term:
        pattern = like_pattern(term)
        query = query.where(
            or_(
                SupportAnswer.title.ilike(pattern, escape="\\"),
                SupportAnswer.question.ilike(pattern, escape="\\"),
                SupportAnswer.answer_source.ilike(pattern, escape="\\"),
            )
        )
    groups: dict[str, list[SupportAnswer]] = {}
    rows = db.session.scalars(
        query.order_by(SupportAnswer.published_at.desc(), SupportAnswer.id.desc())
    )
    for answer in rows:
        groups.setdefault(answer.kind, []).append(answer)
    return {kind: groups[kind] for kind in KINDS if kind in groups}


def get_answer(answer_id: int) -> SupportAnswer:
    """A published answer, or NotFound (withdrawn answers are gone from public view)."""
    answer = db.session.get(SupportAnswer, answer_id)
    if answer is None or not answer.published:
        raise NotFound(_("There is no such answer, or it was withdrawn."))
    return answer
