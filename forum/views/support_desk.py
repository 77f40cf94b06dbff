"""The support desk, the staff side of support: the inbox, one request with its history,
replies, notes, states, and publishing an answer on the public pages."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms import add_service_error
from ..forms.support_desk import AnswerForm, NoteForm, ReplyForm, StateForm, WithdrawForm
from ..models.support import KINDS, STATES
from ..security import staff_required
from ..services import Forbidden, NotFound, ServiceError, disclosure, support_desk, support_guard
from .actions import send_mail_after_response

bp = Blueprint("support_desk", __name__, url_prefix="/staff")


def _detail_url(support_request) -> str:
    return url_for("support_desk.request_detail", request_id=support_request.id)


@bp.get("/support")
@staff_required
def inbox():
    """Every request, oldest first, filtered by kind, state and subject."""
    args = request.args
    filters = {
        "kind": args.get("kind") if args.get("kind") in KINDS else None,
        "state": args.get("state") if args.get("state") in STATES else None,
        "q": support_desk.clean_search(args.get("q")) or None,
        "order": "newest" if args.get("order") == "newest" else None,
    }
    newest = bool(filters["order"])
    page = support_desk.inbox_page(
        filters["kind"], filters["state"], filters["q"], args.get("page"), newest, current_user
    )
    privacy_open = support_desk.open_privacy_requests() if current_user.is_admin else 0
    return render_template(
        "staff/support/inbox.html",
        page=page,
        filters={k: v for k, v in filters.items() if v},
        kinds=support_desk.kinds_for(current_user),
        states=STATES,
        privacy_open=privacy_open,
    )


def _request_page(support_request, status: int = 200, **forms):
    forms.setdefault("reply_form", ReplyForm(prefix="reply"))
    forms.setdefault("note_form", NoteForm(prefix="note"))
    forms.setdefault("state_form", StateForm(prefix="state", state=support_request.state))
    forms.setdefault("withdraw_form", WithdrawForm(prefix="withdraw"))
    page = render_template(
        "staff/support/request.html",
        req=support_request,
        can_reveal=disclosure.can_see_personal(current_user),
        reply_to=bool(support_desk.reply_address(support_request)),
        **forms,
    )
    return page, status


@bp.get("/support/<int:request_id>")
@staff_required
def request_detail(request_id):
    """One request: the message, its history, and what staff can do with it."""
    return _request_page(support_desk.request_for(request_id, current_user))


def _staff_action(request_id: int, form, name: str, action, success: str):
    """Validate one of the request page's forms, run the service, commit or show errors."""
    support_request = support_desk.request_for(request_id, current_user)
    if form.validate_on_submit():
        try:
            action(support_request, form)
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
            support_request = support_desk.request_for(request_id, current_user)
        else:
            db.session.commit()
            send_mail_after_response()
            flash(success)
            return redirect(_detail_url(support_request), code=303)
    return _request_page(support_request, 422, **{name: form})


@bp.post("/support/<int:request_id>/reply")
@staff_required
def reply(request_id):
    """Reply to the sender by email; the reply is kept in the history."""
    return _staff_action(
        request_id,
        ReplyForm(prefix="reply"),
        "reply_form",
        lambda r, f: support_desk.reply(r, current_user, f.body.data),
        _("Your reply is on its way."),
    )


@bp.post("/support/<int:request_id>/note")
@staff_required
def note(request_id):
    """Add an internal note."""
    return _staff_action(
        request_id,
        NoteForm(prefix="note"),
        "note_form",
        lambda r, f: support_desk.add_note(r, current_user, f.body.data),
        _("Note added."),
    )


@bp.post("/support/<int:request_id>/state")
@staff_required
def change_state(request_id):
    """Mark a request new, answered or closed."""
    return _staff_action(
        request_id,
        StateForm(prefix="state"),
        "state_form",
        lambda r, f: support_desk.set_state(r, current_user, f.state.data),
        _("State changed."),
    )


@bp.route("/support/<int:request_id>/publish", methods=["GET", "POST"])
@staff_required
def publish(request_id):
    """Write the public version, preview it, then publish it (or save changes to it)."""
    support_request = support_desk.request_for(request_id, current_user)
    support_desk.check_publishable(support_request)
    draft = support_desk.draft_from(support_request) if request.method == "GET" else None
    form = AnswerForm(data=draft.__dict__ if draft else None)
    preview = None
    if form.validate_on_submit():
        draft = support_desk.AnswerDraft(form.title.data, form.question.data, form.answer.data)
        try:
            if form.publish.data:
                answer = support_desk.publish(
                    support_request, current_user, draft, cleared=form.cleared.data
                )
            else:
                preview = support_desk.preview(support_request, draft)
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
            support_request = support_desk.request_for(request_id, current_user)
        else:
            if preview is None:
                db.session.commit()
                flash(_("Published."))
                return redirect(
                    url_for("support.answer", answer_id=answer.id, slug=answer.slug), code=303
                )
    status = 422 if request.method == "POST" and preview is None else 200
    shown = support_desk.AnswerDraft(
        form.title.data or "", form.question.data or "", form.answer.data or ""
    )
    hits = support_desk.identifying(support_request, shown)
    page = render_template(
        "staff/support/publish.html",
        req=support_request,
        form=form,
        preview=preview,
        hits=hits,
        marked={f: support_guard.marked(getattr(shown, f), hits[f]) for f in hits},
    )
    return page, status


@bp.post("/support/<int:request_id>/withdraw")
@staff_required
def withdraw(request_id):
    """Take a published answer off the public pages."""
    return _staff_action(
        request_id,
        WithdrawForm(prefix="withdraw"),
        "withdraw_form",
        lambda r, f: support_desk.withdraw(r, current_user),
        _("The answer was withdrawn from the public pages."),
    )
