"""Sanctions: the staff's pages of members, suspensions and roles."""

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.moderation import ReasonForm
from ..forms.sanctions import MessageForm, RoleForm, SuspendForm
from ..security import admin_required, staff_required
from ..services import disclosure, sanctions
from .actions import act

bp = Blueprint("sanctions", __name__, url_prefix="/staff")


@bp.get("/members")
@staff_required
def members():
    """Members by name (no addresses), filtered by a name or by staff/suspended."""
    q = (request.args.get("q") or "").strip()[:32]
    role = request.args.get("role") if request.args.get("role") in ("staff", "suspended") else None
    page = sanctions.members_page(request.args.get("page"), q, role)
    return render_template("staff/sanctions/members.html", page=page, q=q, role=role)


def _member_page(member, **forms):
    forms.setdefault("suspend_form", SuspendForm(prefix="suspend"))
    forms.setdefault("unsuspend_form", ReasonForm(prefix="unsuspend"))
    forms.setdefault("role_form", RoleForm(prefix="role", role=member.role))
    forms.setdefault("message_form", MessageForm(prefix="message"))
    activity = sanctions.member_activity(member)
    return render_template(
        "staff/sanctions/member.html",
        member=member,
        activity=activity,
        can_reveal=disclosure.can_see_personal(current_user),
        **forms,
    )


@bp.get("/members/<username>")
@staff_required
def member(username):
    """A member as moderators see them: role, suspension, recent posts and network tags."""
    return _member_page(sanctions.member_for_staff(username))


@bp.post("/members/<username>/suspend")
@staff_required
def suspend(username):
    """Stop a member writing for a number of days."""
    m = sanctions.member_for_staff(username)
    return act(
        SuspendForm(prefix="suspend"),
        lambda f: sanctions.suspend(m, current_user, f.days.data, f.reason.data),
        _("%(username)s is suspended.", username=m.username),
        url_for("sanctions.member", username=m.username),
        lambda form: _member_page(sanctions.member_for_staff(username), suspend_form=form),
        mail=True,
    )


@bp.post("/members/<username>/unsuspend")
@staff_required
def unsuspend(username):
    """Lift a suspension."""
    m = sanctions.member_for_staff(username)
    return act(
        ReasonForm(prefix="unsuspend"),
        lambda f: sanctions.unsuspend(m, current_user, f.reason.data),
        _("%(username)s can write again.", username=m.username),
        url_for("sanctions.member", username=m.username),
        lambda form: _member_page(sanctions.member_for_staff(username), unsuspend_form=form),
        mail=True,
    )


@bp.post("/members/<username>/message")
@staff_required
def message(username):
    """Write to a member: mailed through the outbox, their address never shown."""
    m = sanctions.member_for_staff(username)
    return act(
        MessageForm(prefix="message"),
        lambda f: sanctions.message_member(m, current_user, f.body.data),
        _("Your message to %(username)s is on its way.", username=m.username),
        url_for("sanctions.member", username=m.username),
        lambda form: _member_page(sanctions.member_for_staff(username), message_form=form),
        mail=True,
    )


@bp.post("/members/<username>/role")
@admin_required
def set_role(username):
    """Admins make a member a moderator or an admin, and back."""
    m = sanctions.member_for_staff(username)
    return act(
        RoleForm(prefix="role"),
        lambda f: sanctions.set_role(m, current_user, f.role.data, f.reason.data),
        _("The role of %(username)s was changed.", username=m.username),
        url_for("sanctions.member", username=m.username),
        lambda form: _member_page(sanctions.member_for_staff(username), role_form=form),
    )
