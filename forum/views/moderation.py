"""Moderation: the queue, a post's and a topic's moderation, and the moderation log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..forms.moderation import ModeratorEditForm, MoveForm, ReasonForm, ResolveForm
from ..security import staff_required
from ..services import categories, disclosure, moderation, reports, revisions, sanctions
from .actions import act, run, send_mail_after_response

bp = Blueprint("moderation", __name__, url_prefix="/staff")

TOPIC_CHANGES = "any(hide, unhide, lock, unlock, pin, unpin)"


@bp.get("/reports")
@staff_required
def queue():
    """Open reports and held posts, oldest first."""
    page = moderation.queue_page(request.args.get("page"))
    return render_template("staff/moderation/queue.html", page=page, form=ResolveForm())


@bp.post("/reports/<int:report_id>/resolve")
@staff_required
def resolve(report_id):
    """Decide on one report: hide the post, dismiss the report, or approve a held post."""
    report = reports.get_report(report_id)

    def page(form):
        return render_template(
            "staff/moderation/queue.html",
            page=moderation.queue_page(None),
            form=form,
            failed=report_id,
        )

    return act(
        ResolveForm(),
        lambda f: moderation.resolve_report(report, current_user, f.resolution.data, f.reason.data),
        _("Done: the decision is in the moderation log."),
        url_for("moderation.queue"),
        page,
        mail=True,
    )


def _post_page(post, **forms):
    hide_form = forms.setdefault("hide_form", ReasonForm(prefix="hide"))
    if not post.hidden:
        hide_form.reason.label.text = "Why hide it (told to the author, kept in the log)"
    forms.setdefault("edit_form", ModeratorEditForm(prefix="edit", data={"body": post.body}))
    delete_form = forms.setdefault("delete_form", ReasonForm(prefix="delete"))
    delete_form.reason.label.text = _("Why delete it (told to the author, kept in the log)")
    return render_template(
        "staff/moderation/post.html",
        post=post,
        revisions=revisions.revisions(post.id),
        sharing=sanctions.members_sharing_tag(post.network_tag),
        can_reveal=disclosure.can_see_personal(current_user),
        **forms,
    )


@bp.get("/posts/<int:post_id>")
@staff_required
def post(post_id):
    """One post for moderators: hide or show it, edit it, its revisions and network tag."""
    return _post_page(moderation.post_for_moderation(post_id))


@bp.post("/posts/<int:post_id>/<any(hide, unhide):change>")
@staff_required
def set_post_hidden(post_id, change):
    """Hide a post from everyone but staff, or show it again."""
    p = moderation.post_for_moderation(post_id)
    return act(
        ReasonForm(prefix="hide"),
        lambda f: moderation.set_post_hidden(p, current_user, change == "hide", f.reason.data),
        _("The post is hidden.") if change == "hide" else _("The post is shown again."),
        url_for("moderation.post", post_id=p.id),
        lambda form: _post_page(moderation.post_for_moderation(post_id), hide_form=form),
        mail=True,
    )


@bp.post("/posts/<int:post_id>/delete")
@staff_required
def delete_post(post_id):
    """Delete a post for good (spam): its words erased, a placeholder kept, logged."""
    p = moderation.post_for_moderation(post_id)
    topic_id, category_slug = p.topic_id, p.topic.category.slug
    form = ReasonForm(prefix="delete")
    done, whole_topic = run(form, lambda f: moderation.delete_post(p, current_user, f.reason.data))
    if not done:
        return _post_page(moderation.post_for_moderation(post_id), delete_form=form), 422
    send_mail_after_response()
    if whole_topic:
        flash(_("The post was deleted, and its topic with it (nothing else was in it)."))
        return redirect(url_for("forum.category", slug=category_slug), code=303)
    flash(_("The post was deleted; a placeholder keeps its place."))
    return redirect(url_for("moderation.topic", topic_id=topic_id), code=303)


@bp.post("/posts/<int:post_id>/edit")
@staff_required
def edit_post(post_id):
    """Change a post's text; the earlier text is kept as a revision."""
    p = moderation.post_for_moderation(post_id)
    return act(
        ModeratorEditForm(prefix="edit"),
        lambda f: moderation.edit_post_as_moderator(p, current_user, f.body.data, f.reason.data),
        _("The post was edited; the earlier text is kept below."),
        url_for("moderation.post", post_id=p.id),
        lambda form: _post_page(moderation.post_for_moderation(post_id), edit_form=form),
    )


# The topic's changes, each its own form (Enter in a reason field does that form's one
# thing): the label of its button, and whether it takes something away (styled as such).
FLAG_BUTTONS = {
    "lock": ("Lock", False),
    "unlock": ("Unlock", False),
    "pin": ("Pin", False),
    "unpin": ("Unpin", False),
    "hide": ("Hide the topic", True),
    "unhide": ("Show the topic", False),
}


def _flag_form(change: str, form=None):
    form = form or ReasonForm(prefix=change)
    verb = FLAG_BUTTONS[change][0].split()[0].lower()
    told = "told to the author, kept in the log" if change in ("hide", "lock") else "for the log"
    form.reason.label.text = f"Why {verb} it ({told})"
    return form


def _topic_page(topic, failed: tuple[str, object] | None = None, move_form=None):
    changes = [
        "unlock" if topic.locked else "lock",
        "unpin" if topic.pinned else "pin",
        "unhide" if topic.hidden else "hide",
    ]
    flag_forms = [
        (
            change,
            *FLAG_BUTTONS[change],
            _flag_form(change, failed[1] if failed and failed[0] == change else None),
        )
        for change in changes
    ]
    move_form = move_form or MoveForm(prefix="move")
    # The list starts on no category: a move is chosen, never defaulted to.
    move_form.category.choices = [SelectChoice("", _("Choose a category"))] + [
        SelectChoice(str(c.id), c.name)
        for c in categories.all_categories()
        if c.id != topic.category_id
    ]
    return render_template(
        "staff/moderation/topic.html", topic=topic, flag_forms=flag_forms, move_form=move_form
    )


@bp.get("/topics/<int:topic_id>")
@staff_required
def topic(topic_id):
    """One topic for moderators: hide, lock, pin or move it."""
    return _topic_page(moderation.topic_for_moderation(topic_id))


@bp.post(f"/topics/<int:topic_id>/<{TOPIC_CHANGES}:change>")
@staff_required
def set_topic_flag(topic_id, change):
    """Hide, show, lock, unlock, pin or unpin a topic."""
    t = moderation.topic_for_moderation(topic_id)
    return act(
        ReasonForm(prefix=change),
        lambda f: moderation.set_topic_flag(t, current_user, change, f.reason.data),
        {
            "hide": _("You hid a topic."),
            "unhide": _("You showed a topic again."),
            "lock": _("You locked a topic."),
            "unlock": _("You unlocked a topic."),
            "pin": _("You pinned a topic."),
            "unpin": _("You unpinned a topic."),
        }[change],
        url_for("moderation.topic", topic_id=t.id),
        lambda form: _topic_page(moderation.topic_for_moderation(topic_id), (change, form)),
        mail=True,
    )


@bp.post("/topics/<int:topic_id>/move")
@staff_required
def move_topic(topic_id):
    """Move a topic to another category."""
    t = moderation.topic_for_moderation(topic_id)
    return act(
        MoveForm(prefix="move"),
        lambda f: moderation.move_topic(t, current_user, f.category.data, f.reason.data),
        _("The topic was moved."),
        url_for("moderation.topic", topic_id=t.id),
        lambda form: _topic_page(moderation.topic_for_moderation(topic_id), move_form=form),
        mail=True,
    )


@bp.get("/log")
@staff_required
def log():
    """The moderation log, newest first, filtered by action, staff member or member."""
    args = request.args
    filters = {
        "action": args.get("action") if args.get("action") in moderation.ACTIONS else None,
        "actor": (args.get("actor") or "").strip()[:32] or None,
        "member": (args.get("member") or "").strip()[:32] or None,
    }
    page = moderation.log_page(
        args.get("page"), filters["action"], filters["actor"], filters["member"]
    )
    return render_template(
        "staff/moderation/log.html",
        page=page,
        actions=moderation.ACTIONS,
        filters={k: v for k, v in filters.items() if v},
    )
