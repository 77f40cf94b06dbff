"""Moderation: the queue of reports and held posts, hiding, locking, pinning, moving and
editing posts and topics, and the moderation log. Every action writes exactly one record to
the log (who, what, when, why); the caller commits.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..catalogs import N_
from ..extensions import db
from ..models import Category, ModerationLog, Post, Report, Topic, User, utcnow
from . import (
    NotFound,
    ServiceError,
    erasure,
    moderation_notices,
    notices,
    notifications,
    require_staff,
)
from .counters import recount_category, recount_topic, touch_topic
from .forum import check_body
from .pagination import Page, paged
from .reports import close_reports
from .revisions import keep_revision
from .text import clean_line

REASON_MAX = 500

# Shown in the moderation log through gettext (after "ada": "ada hid a post").
ACTIONS = {
    "hide_post": N_("hid a post"),
    "unhide_post": N_("showed a post again"),
    "edit_post": N_("edited a post"),
    "delete_post": N_("deleted a post"),
    "delete_topic": N_("deleted a topic"),
    "delete_pictures": N_("deleted pictures"),
    "delete_account": N_("deleted an account"),
    "remove_spammer": N_("removed a spammer"),
    "hide_topic": N_("hid a topic"),
    "unhide_topic": N_("showed a topic again"),
    "lock_topic": N_("locked a topic"),
    "unlock_topic": N_("unlocked a topic"),
    "pin_topic": N_("pinned a topic"),
    "unpin_topic": N_("unpinned a topic"),
    "move_topic": N_("moved a topic"),
    "dismiss_report": N_("dismissed a report"),
    "approve_post": N_("approved a held post"),
    "suspend": N_("suspended a member"),
    "unsuspend": N_("lifted a suspension"),
    "set_role": N_("changed a role"),
    "message": N_("wrote to a member"),
    "create_category": N_("created a category"),
    "update_category": N_("changed a category"),
    "archive_category": N_("archived a category"),
    "unarchive_category": N_("reopened a category"),
}
RESOLUTIONS = ("hide", "dismiss", "approve")


def check_reason(raw: str | None, required: bool = True) -> str:
    """A cleaned reason for the log; refused when missing (if `required`) or too long."""
    reason = clean_line(raw or "")
    if required and not reason:
        raise ServiceError(_("Give a reason: it goes into the moderation log."), field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(
            _("A reason is at most %(reason_max)s characters.", reason_max=REASON_MAX),
            field="reason",
        )
    return reason


def _log_post(actor: User, action: str, post: Post, reason: str, detail: str = "") -> None:
    """Log an action on a post, with its topic and author."""
    log_action(
        actor,
        action,
        reason,
        detail,
        post_id=post.id,
        topic_id=post.topic_id,
        member_id=post.author_id,
    )


def log_action(actor: User, action: str, reason: str = "", detail: str = "", **targets) -> None:
    """Add one record to the moderation log (the caller commits)."""
    db.session.add(
        ModerationLog(
            actor_id=actor.id,
            action=action,
            reason=reason,
            detail=detail[:200],
            created_at=utcnow(),
            **targets,
        )
    )


# Reports and the queue


def _close_reports(post: Post, staff: User, resolution: str) -> None:
    """Close a post's open reports, telling each reporter what became of it."""
    moderation_notices.reports_handled(post, staff, resolution)
    close_reports(post.id, staff, resolution)


def queue_page(raw_page: str | None) -> Page:
    """Open reports, oldest first, with their post, its topic and author, and the reporter."""
    open_ = Report.resolved_at.is_(None)
    query = (
        select(Report)
        .where(open_)
        .options(
            joinedload(Report.post).joinedload(Post.topic),
            joinedload(Report.post).joinedload(Post.author),
            joinedload(Report.reporter),
        )
        .order_by(Report.created_at, Report.id)
    )
    count = select(func.count(Report.id)).where(open_)
    return paged(query, count, raw_page, current_app.config["LOG_PER_PAGE"])


def resolve_report(report: Report, staff: User, resolution: str, reason: str) -> None:
    """Hide the post, dismiss the report, or approve a held post (one log record)."""
    require_staff(staff)
    if report.resolved_at is not None:
        raise ServiceError(_("This report was already dealt with."))
    if resolution not in RESOLUTIONS:
        raise ServiceError(_("Choose what to do with the report."), field="resolution")
    post = post_for_moderation(report.post_id)
    if resolution == "approve" and report.kind != "review":
        raise ServiceError(
            _("Only a held post is approved: hide it or leave it."), field="resolution"
        )
    if resolution == "hide" and post.hidden:
        # A held post rejected (or a post hidden meanwhile): it stays hidden, the queue closes.
        reason = check_reason(reason)
        _close_reports(post, staff, "hidden")
        _log_post(staff, "hide_post", post, reason, f"report {report.id}")
    elif resolution == "hide":
        set_post_hidden(post, staff, True, reason, report=report)
    elif resolution == "approve":
        approve_post(post, staff, reason)
    else:
        reason = check_reason(reason, required=False)
        _close_reports(post, staff, "dismissed")
        _log_post(staff, "dismiss_report", post, reason, f"report {report.id}")


# Posts and topics


def post_for_moderation(post_id: int) -> Post:
    """Any post, hidden or not, with its topic, category and author (NotFound if none)."""
    post = db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(joinedload(Post.topic).joinedload(Topic.category), joinedload(Post.author))
    )
    if post is None:
        raise NotFound(_("There is no such post."))
    return post


def topic_for_moderation(topic_id: int) -> Topic:
    """Any topic, hidden or not, with its category and author (NotFound if none)."""
    topic = db.session.scalar(
        select(Topic)
        .where(Topic.id == topic_id)
        .options(joinedload(Topic.category), joinedload(Topic.author))
    )
    if topic is None:
        raise NotFound(_("There is no such topic."))
    return topic


def _first_post_id(topic_id: int) -> int | None:
    return db.session.scalar(
        select(Post.id).where(Post.topic_id == topic_id).order_by(Post.position).limit(1)
    )


def set_post_hidden(
    post: Post, staff: User, hidden: bool, reason: str, report: Report | None = None
) -> None:
    """Hide a post from everyone but staff, or show it again."""
    require_staff(staff)
    reason = check_reason(reason)
    if post.hidden == hidden:
        raise ServiceError(
            _("The post is already hidden.") if hidden else _("The post is not hidden.")
        )
    post.hidden = hidden
    db.session.flush()
    recount_topic(post.topic_id)
    recount_category(post.topic.category_id)
    if hidden:
        _close_reports(post, staff, "hidden")
        notices.forget_post(post)
        moderation_notices.post_hidden(post, staff, reason)
    action = "hide_post" if hidden else "unhide_post"
    _log_post(staff, action, post, reason, f"report {report.id}" if report else "")


def approve_post(post: Post, staff: User, reason: str) -> None:
    """Let a held post (and a topic it started) be seen; closes its review."""
    require_staff(staff)
    reason = check_reason(reason, required=False)
    post.hidden = False
    topic = post.topic
    if topic.hidden and _first_post_id(topic.id) == post.id:
        topic.hidden = False
    db.session.flush()
    recount_topic(post.topic_id)
    recount_category(topic.category_id)
    _close_reports(post, staff, "approved")
    _log_post(staff, "approve_post", post, reason)
    author = db.session.get(User, post.author_id) if post.author_id else None
    if author is not None:
        names, quoted = notifications.mentions_in(post.body)
        notifications.post_written(post, topic, author, names, quoted)


def edit_post_as_moderator(post: Post, staff: User, body: str, reason: str) -> None:
    """A moderator changes a post; the text before is kept as a revision."""
    require_staff(staff)
    if post.deleted:
        raise ServiceError(_("This post was deleted: there is nothing to edit."))
    reason = check_reason(reason)
    body = check_body(body)
    if body == post.body:
        raise ServiceError(_("The text is unchanged."), field="body")
    keep_revision(post, staff, reason)
    post.body = body
    post.html = notifications.render(body)[0]
    post.edited_at = utcnow()
    touch_topic(post.topic_id)
    _log_post(staff, "edit_post", post, reason)


def delete_post(post: Post, staff: User, reason: str) -> bool:
    """Erase a post for good (spam): a placeholder "deleted by a moderator" keeps its
    place, or the whole topic goes when nothing else is left in it (True). The author is
    told, the log keeps the reason; counters, search, feeds and pictures follow."""
    require_staff(staff)
    reason = check_reason(reason)
    # Claim the post: a second moderator deleting it at the same moment waits here (the row
    # is locked; on SQLite the write transaction opens), then finds it deleted.
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.deleted_at.is_(None))
        .values(topic_id=Post.topic_id)
        .execution_options(synchronize_session=False)
    )
    if post.deleted or claimed.rowcount != 1:
        raise ServiceError(_("This post is already deleted."))
    moderation_notices.post_deleted(post, staff, reason)
    moderation_notices.reports_handled(post, staff, "deleted")
    post_id, topic_id, author_id = post.id, post.topic_id, post.author_id
    category_id = db.session.scalar(select(Topic.category_id).where(Topic.id == topic_id))
    whole_topic = erasure.delete_post(post, staff, by="moderator")
    if whole_topic:
        # The post and topic rows are gone: the log says which by number only.
        log_action(
            staff,
            "delete_post",
            reason,
            f"post {post_id} and its topic {topic_id}",
            member_id=author_id,
            category_id=category_id,
        )
    else:
        _log_post(staff, "delete_post", post, reason)
    return whole_topic


_TOPIC_FLAGS = {
    "hide": ("hidden", True),
    "unhide": ("hidden", False),
    "lock": ("locked", True),
    "unlock": ("locked", False),
    "pin": ("pinned", True),
    "unpin": ("pinned", False),
}


def set_topic_flag(topic: Topic, staff: User, change: str, reason: str) -> None:
    """Hide, show, lock, unlock, pin or unpin a topic."""
    require_staff(staff)
    if change not in _TOPIC_FLAGS:
        raise NotFound(_("There is no such action."))
    reason = check_reason(reason)
    column, value = _TOPIC_FLAGS[change]
    if getattr(topic, column) == value:
        raise ServiceError(
            {
                "hide": _("The topic is already hidden."),
                "unhide": _("The topic is not hidden."),
                "lock": _("The topic is already locked."),
                "unlock": _("The topic is not locked."),
                "pin": _("The topic is already pinned."),
                "unpin": _("The topic is not pinned."),
            }[change]
        )
    setattr(topic, column, value)
    db.session.flush()
    touch_topic(topic.id)
    recount_category(topic.category_id)
    if change == "hide":
        notices.forget_topic(topic)
    moderation_notices.topic_changed(topic, staff, change, reason)
    log_action(
        staff,
        f"{change}_topic",
        reason,
        topic_id=topic.id,
        category_id=topic.category_id,
        member_id=topic.author_id,
    )


def move_topic(topic: Topic, staff: User, category_id, reason: str) -> None:
    """Move a topic to another category."""
    require_staff(staff)
    reason = check_reason(reason)
    try:
        target = db.session.get(Category, int(category_id))
    except (TypeError, ValueError):
        target = None
    if target is None:
        raise ServiceError(_("Choose a category to move the topic to."), field="category")
    if target.id == topic.category_id:
        raise ServiceError(_("The topic is already in that category."), field="category")
    old = topic.category_id
    topic.category_id = target.id
    db.session.flush()
    touch_topic(topic.id)
    recount_category(old)
    recount_category(target.id)
    moderation_notices.topic_changed(topic, staff, "move", reason, target.name)
    log_action(
        staff,
        "move_topic",
        reason,
        f"to {target.name}",
        topic_id=topic.id,
        category_id=target.id,
        member_id=topic.author_id,
    )


# The log


def log_page(
    raw_page: str | None, action: str | None, actor: str | None, member: str | None
) -> Page:
    """The moderation log, newest first, filtered by action, by staff member or by member."""
    query, count = select(ModerationLog), select(func.count(ModerationLog.id))
    if action in ACTIONS:
        query = query.where(ModerationLog.action == action)
        count = count.where(ModerationLog.action == action)
    for column, name in ((ModerationLog.actor_id, actor), (ModerationLog.member_id, member)):
        if name:
            user_id = select(User.id).where(User.username_key == name.lower()).scalar_subquery()
            query, count = query.where(column == user_id), count.where(column == user_id)
    query = query.options(
        joinedload(ModerationLog.actor), joinedload(ModerationLog.member)
    ).order_by(ModerationLog.created_at.desc(), ModerationLog.id.desc())
    return paged(query, count, raw_page, current_app.config["LOG_PER_PAGE"])
