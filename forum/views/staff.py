"""The staff's pages: the desk, the confidentiality agreement and reveals of personal data,
the audit log, categories, the support desk (inbox, requests, replies, publishing), the
policy and announcements."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import add_service_error
from ..forms.announcements import AnnouncementForm
from ..forms.privacy import PolicyForm
from ..forms.staff import (
    AcceptAgreementForm,
    ArchiveForm,
    CategoryForm,
    PublishAgreementForm,
    RevealForm,
)
from ..forms.support import AnswerForm, NoteForm, ReplyForm, StateForm, WithdrawForm
from ..models.support import KINDS, STATES
from ..security import admin_required, staff_required
from ..services import Forbidden, NotFound, ServiceError
from ..services import announcements as announcements_service
from ..services import moderation as moderation_service
from ..services import privacy as privacy_service
from ..services import staff as staff_service
from ..services import support as service
from .actions import act, run, send_mail_after_response

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("")
@staff_required
def desk():
    """Where staff start: what waits for them, and their pages."""
    return render_template(
        "staff/desk.html",
        open_reports=moderation_service.open_report_count(),
        new_requests=service.count_new(),
        can_reveal=staff_service.can_see_personal(current_user),
    )


@bp.route("/agreement", methods=["GET", "POST"])
@staff_required
def agreement():
    """The confidentiality agreement: read and accept the current version."""
    current = staff_service.current_agreement()
    db.session.commit()  # version 1 is published on first sight
    form = AcceptAgreementForm(version=current.version)
    if request.method == "GET":
        return _agreement_page(current, form=form)
    return act(
        form,
        lambda f: staff_service.accept_agreement(current_user, f.version.data),
        f"You accepted version {current.version} of the agreement.",
        url_for("staff.agreement"),
        lambda f: _agreement_page(current, form=f),
    )


def _agreement_page(current, form=None, publish_form=None) -> str:
    return render_template(
        "staff/agreement.html",
        agreement=current,
        accepted=staff_service.accepted_version(current_user),
        history=staff_service.agreement_history(),
        acceptances=staff_service.acceptances(current.version) if current_user.is_admin else None,
        form=form or AcceptAgreementForm(version=current.version),
        publish_form=publish_form
        or PublishAgreementForm(prefix="publish", data={"body": current.body}),
    )


@bp.post("/agreement/publish")
@admin_required
def publish_agreement():
    """Admins publish a new version; everyone must accept it again."""
    return act(
        PublishAgreementForm(prefix="publish"),
        lambda f: staff_service.publish_agreement(current_user, f.body.data),
        "The new version is published: staff must accept it again.",
        url_for("staff.agreement"),
        lambda f: _agreement_page(staff_service.current_agreement(), publish_form=f),
    )


@bp.route("/reveal", methods=["GET", "POST"])
@staff_required
def reveal():
    """Show one piece of personal data, after a reason; each reveal is in the audit log."""
    values = request.values
    try:
        target = staff_service.check_revealable(
            current_user, values.get("source", ""), values.get("id"), values.get("field", "")
        )
    except NotFound as exc:
        abort(404, exc.message)
    except Forbidden as exc:
        abort(403, exc.message)
    if not staff_service.can_see_personal(current_user):
        return render_template("staff/reveal.html", target=target, form=None), 403
    form = RevealForm()
    shown, revealed = run(
        form,
        lambda f: staff_service.reveal(
            current_user, target.source, target.source_id, target.field, f.reason.data
        ),
    )
    status = 422 if request.method == "POST" and not shown else 200
    response = render_template(
        "staff/reveal.html",
        target=target,
        form=form,
        shown=shown,
        revealed=revealed,
        sources=staff_service.SOURCE_NAMES,
        fields=staff_service.FIELD_NAMES,
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/audit")
@admin_required
def audit():
    """Every reveal of personal data: who, whose, which field, why, when."""
    args = request.args
    staff_name = (args.get("staff") or "").strip()[:32] or None
    subject = (args.get("member") or "").strip()[:32] or None
    try:
        page = staff_service.audit_page(args.get("page"), staff_name, subject)
    except NotFound as exc:
        abort(404, exc.message)
    return render_template(
        "staff/audit.html",
        page=page,
        filters={k: v for k, v in {"staff": staff_name, "member": subject}.items() if v},
        sources=staff_service.SOURCE_NAMES,
        fields=staff_service.FIELD_NAMES,
    )


def _categories_page(new_form=None, failed=None, failed_form=None):
    categories = moderation_service.list_categories_for_staff()
    forms = {
        c.id: failed_form
        if failed == c.id and failed_form is not None
        else CategoryForm(prefix=f"c{c.id}", obj=c)
        for c in categories
    }
    return render_template(
        "staff/categories.html",
        categories=categories,
        forms=forms,
        new_form=new_form or CategoryForm(prefix="new"),
    )


@bp.route("/categories", methods=["GET", "POST"])
@admin_required
def categories():
    """Admins create, rename, describe, reorder and archive categories."""
    if request.method == "GET":
        return _categories_page()
    return act(
        CategoryForm(prefix="new"),
        lambda f: moderation_service.create_category(current_user, f.name.data, f.description.data),
        "The category is created.",
        url_for("staff.categories"),
        lambda f: _categories_page(new_form=f),
    )


def _category_or_404(category_id: int):
    try:
        return moderation_service.get_category(category_id)
    except NotFound as exc:
        abort(404, exc.message)


@bp.post("/categories/<int:category_id>")
@admin_required
def update_category(category_id):
    category = _category_or_404(category_id)
    return act(
        CategoryForm(prefix=f"c{category_id}"),
        lambda f: moderation_service.update_category(
            current_user, category, f.name.data, f.description.data, f.position.data or 0
        ),
        "The category is saved.",
        url_for("staff.categories"),
        lambda f: _categories_page(failed=category_id, failed_form=f),
    )


@bp.post("/categories/<int:category_id>/<any(archive, unarchive):change>")
@admin_required
def archive_category(category_id, change):
    category = _category_or_404(category_id)
    form = ArchiveForm()
    if form.validate_on_submit():
        try:
            moderation_service.set_category_archived(
                current_user, category, change == "archive", form.reason.data
            )
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message)
        else:
            db.session.commit()
            flash("The category is archived." if change == "archive" else "The category is open.")
        return redirect(url_for("staff.categories"), code=303)
    return _categories_page(), 422


def _request_or_404(request_id: int):
    try:
        return service.request_for(request_id, current_user)
    except NotFound as exc:
        abort(404, exc.message)
    except Forbidden as exc:
        abort(403, exc.message)


def _detail_url(support_request) -> str:
    return url_for("staff.support_request", request_id=support_request.id)


@bp.get("/support")
@staff_required
def inbox():
    """Every request, oldest first, filtered by kind, state and subject."""
    args = request.args
    filters = {
        "kind": args.get("kind") if args.get("kind") in KINDS else None,
        "state": args.get("state") if args.get("state") in STATES else None,
        "q": service.clean_search(args.get("q")) or None,
        "order": "newest" if args.get("order") == "newest" else None,
    }
    try:
        newest = bool(filters["order"])
        page = service.inbox_page(
            filters["kind"], filters["state"], filters["q"], args.get("page"), newest, current_user
        )
    except NotFound as exc:
        abort(404, exc.message)
    privacy_open = service.open_privacy_requests() if current_user.is_admin else 0
    return render_template(
        "staff/inbox.html",
        page=page,
        filters={k: v for k, v in filters.items() if v},
        kinds=KINDS,
        states=STATES,
        privacy_open=privacy_open,
    )


def _request_page(support_request, status: int = 200, **forms):
    forms.setdefault("reply_form", ReplyForm(prefix="reply"))
    forms.setdefault("note_form", NoteForm(prefix="note"))
    forms.setdefault("state_form", StateForm(prefix="state", state=support_request.state))
    forms.setdefault("withdraw_form", WithdrawForm(prefix="withdraw"))
    page = render_template(
        "staff/request.html",
        req=support_request,
        can_reveal=staff_service.can_see_personal(current_user),
        reply_to=bool(service.reply_address(support_request)),
        **forms,
    )
    return page, status


@bp.get("/support/<int:request_id>")
@staff_required
def support_request(request_id):
    """One request: the message, its history, and what staff can do with it."""
    return _request_page(_request_or_404(request_id))


def _staff_action(request_id: int, form, name: str, action, success: str):
    """Validate one of the request page's forms, run the service, commit or show errors."""
    support_request = _request_or_404(request_id)
    if form.validate_on_submit():
        try:
            action(support_request, form)
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
            support_request = _request_or_404(request_id)
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
        lambda r, f: service.reply(r, current_user, f.body.data),
        "Your reply is on its way.",
    )


@bp.post("/support/<int:request_id>/note")
@staff_required
def note(request_id):
    """Add an internal note."""
    return _staff_action(
        request_id,
        NoteForm(prefix="note"),
        "note_form",
        lambda r, f: service.add_note(r, current_user, f.body.data),
        "Note added.",
    )


@bp.post("/support/<int:request_id>/state")
@staff_required
def change_state(request_id):
    """Mark a request new, answered or closed."""
    return _staff_action(
        request_id,
        StateForm(prefix="state"),
        "state_form",
        lambda r, f: service.set_state(r, current_user, f.state.data),
        "State changed.",
    )


@bp.route("/support/<int:request_id>/publish", methods=["GET", "POST"])
@staff_required
def publish(request_id):
    """Write the public version, preview it, then publish it (or save changes to it)."""
    support_request = _request_or_404(request_id)
    try:
        service.check_publishable(support_request)
    except Forbidden as exc:
        abort(403, exc.message)
    draft = service.draft_from(support_request) if request.method == "GET" else None
    form = AnswerForm(data=draft.__dict__ if draft else None)
    preview = None
    if form.validate_on_submit():
        draft = service.AnswerDraft(form.title.data, form.question.data, form.answer.data)
        try:
            if form.publish.data:
                answer = service.publish(support_request, current_user, draft)
            else:
                preview = service.preview(support_request, draft)
        except Forbidden as exc:
            db.session.rollback()
            abort(403, exc.message)
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
        else:
            if preview is None:
                db.session.commit()
                flash("Published.")
                return redirect(
                    url_for("support.answer", answer_id=answer.id, slug=answer.slug), code=303
                )
    status = 422 if request.method == "POST" and preview is None else 200
    page = render_template("staff/publish.html", req=support_request, form=form, preview=preview)
    return page, status


@bp.post("/support/<int:request_id>/withdraw")
@staff_required
def withdraw(request_id):
    """Take a published answer off the public pages."""
    return _staff_action(
        request_id,
        WithdrawForm(prefix="withdraw"),
        "withdraw_form",
        lambda r, f: service.withdraw(r, current_user),
        "The answer was withdrawn from the public pages.",
    )


@bp.route("/privacy", methods=["GET", "POST"])
@staff_required
def privacy_policy():
    """Admins publish a new version of the privacy policy, starting from the current text."""
    if not current_user.is_admin:
        abort(403)
    current = privacy_service.current_version()
    form = PolicyForm(data={"body": current.body} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            policy = privacy_service.publish_version(form.summary.data, form.body.data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            flash(f"Version {policy.version} of the privacy policy is published.")
            return redirect(url_for("privacy.changes", number=policy.version), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("staff/privacy.html", form=form, current=current), status


@bp.route("/announcements", methods=["GET", "POST"])
@staff_required
def announcements():
    """Admins publish an announcement, on the page and feed, and by email if ticked."""
    if not current_user.is_admin:
        abort(403)
    form = AnnouncementForm()
    if form.validate_on_submit():
        try:
            announcement, queued = announcements_service.publish(
                current_user,
                form.title.data,
                form.body.data,
                form.send_mail.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            add_service_error(form, exc)
        else:
            if queued:
                send_mail_after_response()
            emailed = f" and is on its way to {queued} members by email" if queued else ""
            flash(f"The announcement is published{emailed}.")
            return redirect(
                url_for("announcements.show", announcement_id=announcement.id), code=303
            )
    status = 422 if request.method == "POST" else 200
    page = render_template(
        "staff/announcements.html",
        form=form,
        announcements=announcements_service.latest(),
        next_mailing_at=announcements_service.next_mailing_at(),
    )
    return page, status
