"""The moderators' pages: the queue, a post's and a topic's moderation, members and
suspensions, and the moderation log."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..forms.staff import (
    ModeratorEditForm,
    MoveForm,
    ReasonForm,
    ResolveForm,
    RoleForm,
    SuspendForm,
)
from ..security import admin_required, staff_required
from ..services import NotFound
from ..services import moderation as service
from ..services import staff as staff_service
from .actions import act

bp = Blueprint("moderation", __name__, url_prefix="/staff")

TOPIC_CHANGES = "any(hide, unhide, lock, unlock, pin, unpin)"


def _or_404(call, *args):
    try:
        return call(*args)
    except NotFound as exc:
        abort(404, exc.message)


@bp.get("/reports")
@staff_required
def queue():
    """Open reports and held posts, oldest first."""
    page = _or_404(service.queue_page, request.args.get("page"))
    return render_template("staff/queue.html", page=page, form=ResolveForm())


@bp.post("/reports/<int:report_id>/resolve")
@staff_required
def resolve(report_id):
    report = _or_404(service.get_report, report_id)

    def page(form):
        return render_template(
            "staff/queue.html", page=service.queue_page(None), form=form, failed=report.id
        )

    return act(
        ResolveForm(),
        lambda f: service.resolve_report(report, current_user, f.resolution.data, f.reason.data),
        "Done: the decision is in the moderation log.",
        url_for("moderation.queue"),
        page,
    )


def _post_page(post, **forms):
    forms.setdefault("hide_form", ReasonForm(prefix="hide"))
    forms.setdefault("edit_form", ModeratorEditForm(prefix="edit", data={"body": post.body}))
    return render_template(
        "staff/post.html",
        post=post,
        revisions=service.revisions(post.id),
        sharing=service.members_sharing_tag(post.network_tag),
        can_reveal=staff_service.can_see_personal(current_user),
        **forms,
    )


@bp.get("/posts/<int:post_id>")
@staff_required
def post(post_id):
    """One post for moderators: hide or show it, edit it, its revisions and network tag."""
    return _post_page(_or_404(service.get_post, post_id))


@bp.post("/posts/<int:post_id>/<any(hide, unhide):change>")
@staff_required
def set_post_hidden(post_id, change):
    p = _or_404(service.get_post, post_id)
    return act(
        ReasonForm(prefix="hide"),
        lambda f: service.set_post_hidden(p, current_user, change == "hide", f.reason.data),
        "The post is hidden." if change == "hide" else "The post is shown again.",
        url_for("moderation.post", post_id=p.id),
        lambda form: _post_page(p, hide_form=form),
    )


@bp.post("/posts/<int:post_id>/edit")
@staff_required
def edit_post(post_id):
    p = _or_404(service.get_post, post_id)
    return act(
        ModeratorEditForm(prefix="edit"),
        lambda f: service.edit_post(p, current_user, f.body.data, f.reason.data),
        "The post was edited; the earlier text is kept below.",
        url_for("moderation.post", post_id=p.id),
        lambda form: _post_page(p, edit_form=form),
    )


def _topic_page(topic, **forms):
    forms.setdefault("flag_form", ReasonForm(prefix="flag"))
    move_form = forms.setdefault("move_form", MoveForm(prefix="move"))
    move_form.category.choices = [
        SelectChoice(c.id, c.name)
        for c in service.list_categories_for_staff()
        if c.id != topic.category_id
    ]
    return render_template("staff/topic.html", topic=topic, **forms)


@bp.get("/topics/<int:topic_id>")
@staff_required
def topic(topic_id):
    """One topic for moderators: hide, lock, pin or move it."""
    return _topic_page(_or_404(service.get_topic, topic_id))


@bp.post(f"/topics/<int:topic_id>/<{TOPIC_CHANGES}:change>")
@staff_required
def set_topic_flag(topic_id, change):
    t = _or_404(service.get_topic, topic_id)
    return act(
        ReasonForm(prefix="flag"),
        lambda f: service.set_topic_flag(t, current_user, change, f.reason.data),
        f"You {service.ACTIONS[change + '_topic']}.",
        url_for("moderation.topic", topic_id=t.id),
        lambda form: _topic_page(t, flag_form=form),
    )


@bp.post("/topics/<int:topic_id>/move")
@staff_required
def move_topic(topic_id):
    t = _or_404(service.get_topic, topic_id)
    return act(
        MoveForm(prefix="move"),
        lambda f: service.move_topic(t, current_user, f.category.data, f.reason.data),
        "The topic was moved.",
        url_for("moderation.topic", topic_id=t.id),
        lambda form: _topic_page(t, move_form=form),
    )


@bp.get("/members")
@staff_required
def members():
    """Members by name (no addresses), filtered by a name or by staff/suspended."""
    q = (request.args.get("q") or "").strip()[:32]
    role = request.args.get("role") if request.args.get("role") in ("staff", "suspended") else None
    page = _or_404(service.members_page, request.args.get("page"), q, role)
    return render_template("staff/members.html", page=page, q=q, role=role)


def _member_page(member, **forms):
    forms.setdefault("suspend_form", SuspendForm(prefix="suspend"))
    forms.setdefault("unsuspend_form", ReasonForm(prefix="unsuspend"))
    forms.setdefault("role_form", RoleForm(prefix="role", role=member.role))
    activity = service.member_activity(member)
    return render_template(
        "staff/member.html",
        member=member,
        activity=activity,
        can_reveal=staff_service.can_see_personal(current_user),
        **forms,
    )


@bp.get("/members/<username>")
@staff_required
def member(username):
    """A member as moderators see them: role, suspension, recent posts and network tags."""
    return _member_page(_or_404(service.get_member, username))


@bp.post("/members/<username>/suspend")
@staff_required
def suspend(username):
    m = _or_404(service.get_member, username)
    return act(
        SuspendForm(prefix="suspend"),
        lambda f: service.suspend(m, current_user, f.days.data, f.reason.data),
        f"{m.username} is suspended.",
        url_for("moderation.member", username=m.username),
        lambda form: _member_page(m, suspend_form=form),
    )


@bp.post("/members/<username>/unsuspend")
@staff_required
def unsuspend(username):
    m = _or_404(service.get_member, username)
    return act(
        ReasonForm(prefix="unsuspend"),
        lambda f: service.unsuspend(m, current_user, f.reason.data),
        f"{m.username} can write again.",
        url_for("moderation.member", username=m.username),
        lambda form: _member_page(m, unsuspend_form=form),
    )


@bp.post("/members/<username>/role")
@admin_required
def set_role(username):
    m = _or_404(service.get_member, username)
    return act(
        RoleForm(prefix="role"),
        lambda f: service.set_role(m, current_user, f.role.data, f.reason.data),
        f"{m.username}'s role was changed.",
        url_for("moderation.member", username=m.username),
        lambda form: _member_page(m, role_form=form),
    )


@bp.get("/log")
@staff_required
def log():
    """The moderation log, newest first, filtered by action, staff member or member."""
    args = request.args
    filters = {
        "action": args.get("action") if args.get("action") in service.ACTIONS else None,
        "actor": (args.get("actor") or "").strip()[:32] or None,
        "member": (args.get("member") or "").strip()[:32] or None,
    }
    page = _or_404(
        service.log_page, args.get("page"), filters["action"], filters["actor"], filters["member"]
    )
    return render_template(
        "staff/log.html",
        page=page,
        actions=service.ACTIONS,
        filters={k: v for k, v in filters.items() if v},
    )
