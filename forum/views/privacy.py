"""The privacy center: the versioned policy, its changes, the cookies and the data ledger."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms.privacy import PolicySeenForm
from ..security import member_required, safe_redirect_target
from ..services import NotFound, ledger
from ..services import privacy as service

bp = Blueprint("privacy", __name__)


def _version_or_404(number: int):
    try:
        return service.get_version(number)
    except NotFound as exc:
        abort(404, exc.message)


@bp.get("/privacy")
def policy():
    """The current privacy policy, and the list of earlier versions."""
    current = service.current_version()
    return render_template(
        "privacy/policy.html", policy=current, current=current, history=service.history()
    )


@bp.get("/privacy/v/<int:number>")
def version(number):
    """One version of the policy, as it was published."""
    policy = _version_or_404(number)
    return render_template(
        "privacy/policy.html",
        policy=policy,
        current=service.current_version(),
        history=service.history(),
    )


@bp.get("/privacy/v/<int:number>/changes")
def changes(number):
    """What changed between this version and the one before."""
    policy = _version_or_404(number)
    before, groups = service.changes(policy)
    return render_template("privacy/changes.html", policy=policy, before=before, groups=groups)


@bp.post("/privacy/seen")
@member_required
def seen():
    """Dismiss the notice of a new version: the member has seen it."""
    form = PolicySeenForm()
    if form.validate_on_submit():
        service.record_seen(current_user, form.version.data)
        db.session.commit()
    target = form.next.data or request.referrer
    return redirect(safe_redirect_target(target, url_for("privacy.policy")), code=303)


@bp.get("/privacy/cookies")
def cookies():
    """Every cookie the site can set: what for, when, and for how long."""
    return render_template("privacy/cookies.html", cookies=service.site_cookies())


@bp.get("/privacy/data")
def data():
    """What the forum stores about people, generated from the models' declarations."""
    return render_template("privacy/data.html", tables=ledger.ledger(db.metadata))
