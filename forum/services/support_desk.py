"""The support desk, the staff side of support: the inbox, replies, notes, states, and
publishing a request's answer on the public pages.

Writers flush and queue mail; their callers commit, then ask the mail layer to send after
the response. Whether a request may be published is decided here, whoever asks.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import markdown
from ..extensions import db
from ..models import User, utcnow
from ..models.support import (
    ADMIN_KINDS,
    KINDS,
    STATES,
    SupportAnswer,
    SupportEvent,
    SupportRequest,
)
from . import Forbidden, NotFound, ServiceError, support_guard
from . import mail as mail_service
from .pagination import Page, parse_page
from .support import MESSAGE_MAX, SUBJECT_MAX, checked_text, clean_search, like_pattern
from .text import slugify

REPLY_MAX = 20_000
# States staff set by hand; "published" only comes with publishing.
MANUAL_STATES = ("new", "answered", "closed")


@dataclass(frozen=True)
class AnswerDraft:
    """The public version of a request, as staff wrote it."""

    title: str
    question: str
    answer: str


def reply_address(request: SupportRequest) -> str | None:
    """Where a reply goes: the member's current address, or the one the visitor gave."""
    return request.user.email if request.user is not None else request.email


def may_handle(request: SupportRequest, staff: User | None) -> bool:
    """Staff handle requests; privacy requests and complaints about staff are for admins
    only, and a complaint is never shown to the staff member it names (not even once they
    are an admin)."""
    if not (staff and staff.is_staff):
        return False
    if request.about_id is not None and request.about_id == staff.id:
        return False
    return request.kind not in ADMIN_KINDS or staff.is_admin


def check_can_handle(request: SupportRequest, staff: User | None) -> None:
    """Raise Forbidden unless `staff` may read and act on this request."""
    if not may_handle(request, staff):
        raise Forbidden(
            _("The support desk is for staff.")
            if not (staff and staff.is_staff)
            else _("This request is for admins only, and not for everyone among them.")
        )


def visible_to(staff: User) -> list:
    """The WHERE clauses that keep to the requests `staff` may see (as may_handle)."""
    clauses = [or_(SupportRequest.about_id.is_(None), SupportRequest.about_id != staff.id)]
    if not staff.is_admin:
        clauses.append(SupportRequest.kind.not_in(ADMIN_KINDS))
    return clauses


def kinds_for(staff: User) -> dict[str, str]:
    """The kinds of request `staff` may see, for the inbox's filter."""
    return {k: v for k, v in KINDS.items() if staff.is_admin or k not in ADMIN_KINDS}


def inbox_page(
    kind: str | None,
    state: str | None,
    search: str | None,
    raw_page: str | None,
    newest: bool,
    staff: User,
) -> Page:
    """A page of the inbox as `staff` may see it (privacy requests for admins only),
    filtered by kind, state and subject; oldest first by default."""
    query = select(SupportRequest).where(*visible_to(staff))
    if kind in KINDS:
        query = query.where(SupportRequest.kind == kind)
    if state in STATES:
        query = query.where(SupportRequest.state == state)
    term = clean_search(search)
    if term:
        query = query.where(SupportRequest.subject.ilike(like_pattern(term), escape="\\"))
    per_page = current_app.config["SUPPORT_PER_PAGE"]
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    number = parse_page(raw_page, last=pages)
    if number > pages:
        raise NotFound(_("There is no such page."))
    order = SupportRequest.created_at.desc() if newest else SupportRequest.created_at
    items = db.session.scalars(
        query.order_by(order, SupportRequest.id.desc() if newest else SupportRequest.id)
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return Page(list(items), number, pages)


def open_privacy_requests() -> int:
    """How many privacy requests are not closed yet: admins are told in the inbox."""
    return db.session.scalar(
        select(func.count())
        .select_from(SupportRequest)
        .where(SupportRequest.kind == "privacy", SupportRequest.state != "closed")
    )


def count_new(staff: User) -> int:
    """How many requests that `staff` may see wait for a first look."""
    return db.session.scalar(
        select(func.count())
        .select_from(SupportRequest)
        .where(SupportRequest.state == "new", *visible_to(staff))
    )


def get_request(request_id: int) -> SupportRequest:
    """A request with its sender, history and public version, or NotFound.

    It does not check who asks: pages and actions go through `request_for` and the
    writers' own checks.
    """
    request = db.session.scalar(
        select(SupportRequest)
        .where(SupportRequest.id == request_id)
        .options(
            joinedload(SupportRequest.user),
            joinedload(SupportRequest.about),
            joinedload(SupportRequest.answer),
            selectinload(SupportRequest.events).joinedload(SupportEvent.author),
        )
    )
    if request is None:
        raise NotFound(_("There is no such request."))
    return request


def request_for(request_id: int, staff: User) -> SupportRequest:
    """The request as `staff` may see it: NotFound, or Forbidden for a privacy request
    shown to anyone but an admin."""
    request = get_request(request_id)
    check_can_handle(request, staff)
    return request


def _record(request: SupportRequest, staff: User, action: str, body: str = "") -> None:
    event = SupportEvent(request_id=request.id, action=action, author_id=staff.id, body=body)
    db.session.add(event)
    request.updated_at = utcnow()


def reply(request: SupportRequest, staff: User, body: str) -> None:
    """Mail a reply to the sender and keep it in the history; the caller commits."""
    check_can_handle(request, staff)
    text = checked_text(body, "body", REPLY_MAX, _("The reply"))
    address = reply_address(request)
    if not address:
        raise ServiceError(_("The sender left no address: there is no one to reply to."))
    site = current_app.config["SITE_NAME"]
    mail_service.queue(
        address,
        f"[{request.reference}] Re: {request.subject}",
        "support_reply",
        locale=request.user.locale if request.user else None,
        request=request,
        body=text,
        site=site,
    )
    _record(request, staff, "reply", text)
    if request.state == "new":
        request.state = "answered"


def add_note(request: SupportRequest, staff: User, body: str) -> None:
    """Add an internal note, seen by staff only; the caller commits."""
    check_can_handle(request, staff)
    _record(request, staff, "note", checked_text(body, "body", REPLY_MAX, _("The note")))


def set_state(request: SupportRequest, staff: User, state: str) -> None:
    """Move a request to new, answered or closed; the caller commits."""
    check_can_handle(request, staff)
    if state not in MANUAL_STATES:
        raise ServiceError(_("A request becomes published only by publishing it."), field="state")
    if request.answer is not None and request.answer.published:
        raise ServiceError(_("Withdraw the published answer first."), field="state")
    if state != request.state:
        _record(request, staff, "state", f"{request.state} → {state}")
        request.state = state


def check_publishable(request: SupportRequest) -> None:
    """Raise Forbidden when the request may never be published, whoever asks."""
    if request.no_publish:
        raise Forbidden(_("The sender asked us not to publish this request."))
    if request.kind == "privacy":
        raise Forbidden(_("Privacy requests are never published."))
    if request.kind == "staff":
        raise Forbidden(_("Complaints about staff are never published."))


def draft_from(request: SupportRequest) -> AnswerDraft:
    """What the publish form starts from: the published version, or the request itself with
    the last reply staff sent as the answer."""
    if request.answer is not None:
        a = request.answer
        return AnswerDraft(a.title, a.question, a.answer_source)
    replies = [e.body for e in request.events if e.action == "reply"]
    return AnswerDraft(request.subject, request.message, replies[-1] if replies else "")


def identifying(request: SupportRequest, draft: AnswerDraft) -> dict[str, list]:
    """What in each field of the public version could identify the sender (the publishing
    guard), by field name; empty lists when nothing was found."""
    email = reply_address(request)
    name = request.user.username if request.user is not None else None
    return {
        field: support_guard.find(getattr(draft, field) or "", email, name)
        for field in ("title", "question", "answer")
    }


def _checked(draft: AnswerDraft) -> AnswerDraft:
    return AnswerDraft(
        title=checked_text(draft.title, "title", SUBJECT_MAX, _("The title"), line=True),
        question=checked_text(draft.question, "question", MESSAGE_MAX, _("The question")),
        answer=checked_text(draft.answer, "answer", MESSAGE_MAX, _("The answer")),
    )


def preview(request: SupportRequest, draft: AnswerDraft) -> str:
    """The answer rendered as it would be published; writes nothing."""
    check_publishable(request)
    return markdown.render_post(_checked(draft).answer)


def publish(
    request: SupportRequest, staff: User, draft: AnswerDraft, *, cleared: bool
) -> SupportAnswer:
    """Publish (or update) the public version of a request; the caller commits. `cleared`:
    staff ticked that they removed what identifies the sender (refused without it)."""
    check_can_handle(request, staff)
    check_publishable(request)
    draft = _checked(draft)
    if cleared is not True:
        raise ServiceError(
            _("Tick “I removed what identifies the sender” once you have checked."),
            field="cleared",
        )
    answer = request.answer
    now = utcnow()
    action = "edited" if answer is not None and answer.published else "published"
    if answer is None:
        answer = SupportAnswer(request_id=request.id, published_at=now)
        db.session.add(answer)
        request.answer = answer
    elif not answer.published:
        answer.published_at = now
    answer.kind = request.kind
    answer.title = draft.title
    answer.slug = slugify(draft.title, fallback="answer")
    answer.question = draft.question
    answer.answer_source = draft.answer
    answer.answer_html = markdown.render_post(draft.answer)
    answer.published = True
    answer.updated_at = now
    request.state = "published"
    _record(request, staff, action)
    db.session.flush()
    return answer


def withdraw(request: SupportRequest, staff: User) -> None:
    """Take a published answer off every public page; the caller commits."""
    check_can_handle(request, staff)
    answer = request.answer
    if answer is None or not answer.published:
        raise ServiceError(_("This request has no published answer."))
    answer.published = False
    answer.updated_at = utcnow()
    request.state = "answered"
    _record(request, staff, "withdrawn")
