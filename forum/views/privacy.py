"""The privacy center: the versioned policy, its changes, the cookies and the data ledger."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms.privacy import PolicySeenForm
from ..security import member_required, safe_redirect_target
from ..services import ledger, privacy

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def policy():
    """The current privacy policy, and the list of earlier versions."""
    current = privacy.current_version()
    return render_template(
        "privacy/policy.html", policy=current, current=current, history=privacy.history()
    )


@bp.get("/privacy/v/<int:number>")
def version(number):
    """One version of the policy, as it was published."""
    policy = privacy.get_version(number)
    return render_template(
        "privacy/policy.html",
        policy=policy,
        current=privacy.current_version(),
        history=privacy.history(),
    )


@bp.get("/privacy/v/<int:number>/changes")
def changes(number):
    """What changed between this version and the one before."""
    policy = privacy.get_version(number)
    before, groups = privacy.changes(policy)
    return render_template("privacy/changes.html", policy=policy, before=before, groups=groups)


@bp.post("/privacy/seen")
@member_required
def seen():
    """Dismiss the notice of a new version: the member has seen it."""
    form = PolicySeenForm()
    if form.validate_on_submit():
        privacy.record_seen(current_user, form.version.data)
        db.session.commit()
    target = form.next.data or request.referrer
    return redirect(safe_redirect_target(target, url_for("privacy.policy")), code=303)


@bp.get("/privacy/cookies")
def cookies():
    """Every cookie the site can set: what for, when, and for how long."""
    return render_template("privacy/cookies.html", cookies=privacy.site_cookies())


@bp.get("/privacy/data")
def data():
    """What the forum stores about people, generated from the models' declarations."""
    return render_template("privacy/data.html", tables=ledger.ledger(db.metadata))
