"""Disclosure: the confidentiality agreement, reveals of personal data, and their audit log."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.disclosure import AcceptAgreementForm, PublishAgreementForm, RevealForm
from ..security import admin_required, staff_required
from ..services import disclosure
from .actions import act, run

bp = Blueprint("disclosure", __name__, url_prefix="/staff")


@bp.route("/agreement", methods=["GET", "POST"])
@staff_required
def agreement():
    """The confidentiality agreement: read and accept the current version."""
    current = disclosure.current_agreement()
    form = AcceptAgreementForm(version=current.version)
    if request.method == "GET":
        return _agreement_page(current, form=form)
    return act(
        form,
        lambda f: disclosure.accept_agreement(current_user, f.version.data),
        _("You accepted version %(version)s of the agreement.", version=current.version),
        url_for("disclosure.agreement"),
        lambda f: _agreement_page(disclosure.current_agreement(), form=f),
    )


def _agreement_page(current, form=None, publish_form=None) -> str:
    return render_template(
        "staff/disclosure/agreement.html",
        agreement=current,
        accepted=disclosure.accepted_version(current_user),
        history=disclosure.agreement_history(),
        acceptances=disclosure.acceptances(current.version) if current_user.is_admin else None,
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
        lambda f: disclosure.publish_agreement(current_user, f.body.data),
        _("The new version is published: staff must accept it again."),
        url_for("disclosure.agreement"),
        lambda f: _agreement_page(disclosure.current_agreement(), publish_form=f),
    )


@bp.route("/reveal", methods=["GET", "POST"])
@staff_required
def reveal():
    """Show one piece of personal data, after a reason; each reveal is in the audit log."""
    values = request.values
    target = disclosure.check_revealable(
        current_user, values.get("source", ""), values.get("id"), values.get("field", "")
    )
    if not disclosure.can_see_personal(current_user):
        return render_template("staff/disclosure/reveal.html", target=target, form=None), 403
    form = RevealForm()
    shown, revealed = run(
        form,
        lambda f: disclosure.reveal(
            current_user, target.source, target.source_id, target.field, f.reason.data
        ),
    )
    status = 422 if request.method == "POST" and not shown else 200
    response = render_template(
        "staff/disclosure/reveal.html",
        target=target,
        form=form,
        shown=shown,
        revealed=revealed,
        sources=disclosure.SOURCE_NAMES,
        fields=disclosure.FIELD_NAMES,
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/audit")
@admin_required
def audit():
    """Every reveal of personal data: who, whose, which field, why, when."""
    args = request.args
    staff_name = (args.get("staff") or "").strip()[:32] or None
    subject = (args.get("member") or "").strip()[:32] or None
    return render_template(
        "staff/disclosure/audit.html",
        page=disclosure.audit_page(args.get("page"), staff_name, subject),
        filters={k: v for k, v in {"staff": staff_name, "member": subject}.items() if v},
        sources=disclosure.SOURCE_NAMES,
        fields=disclosure.FIELD_NAMES,
    )
