"""Moderation: reports and the queue, hiding, locking, pinning, moving, editing with
revisions, suspensions, roles and categories. Every action writes exactly one record to the
moderation log (who, what, when, why); the caller commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from .. import markdown
from ..extensions import db
from ..models import (
    ROLES,
    Category,
    LoginToken,
    ModerationLog,
    Post,
    PostRevision,
    Report,
    Topic,
    User,
    utcnow,
)
from . import Forbidden, NotFound, ServiceError
from .forum import (
    Page,
    _check_body,
    paged,
    recount_category,
    recount_topic,
    touch_topic,
)
from .text import clean_body, clean_line, slugify

REASON_MAX = 500
REPORT_MIN, REPORT_MAX = 5, 1000
SUSPEND_MAX_DAYS = 3650
CATEGORY_NAME_MAX, CATEGORY_DESCRIPTION_MAX = 80, 500

ACTIONS = {
    "hide_post": "hid a post",
    "unhide_post": "showed a post again",
    "edit_post": "edited a post",
    "hide_topic": "hid a topic",
    "unhide_topic": "showed a topic again",
    "lock_topic": "locked a topic",
    "unlock_topic": "unlocked a topic",
    "pin_topic": "pinned a topic",
    "unpin_topic": "unpinned a topic",
    "move_topic": "moved a topic",
    "dismiss_report": "dismissed a report",
    "approve_post": "approved a held post",
    "suspend": "suspended a member",
    "unsuspend": "lifted a suspension",
    "set_role": "changed a role",
    "create_category": "created a category",
    "update_category": "changed a category",
    "archive_category": "archived a category",
    "unarchive_category": "reopened a category",
}
RESOLUTIONS = ("hide", "dismiss", "approve")


def _require_staff(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.is_staff):
        raise Forbidden("This is for moderators and admins.")


def _require_admin(actor: User) -> None:
    if not (actor and actor.is_authenticated and actor.is_admin):
        raise Forbidden("This is for admins.")


def _reason(raw: str | None, required: bool = True) -> str:
    reason = clean_line(raw or "")
    if required and not reason:
        raise ServiceError("Give a reason: it goes into the moderation log.", field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"A reason is at most {REASON_MAX} characters.", field="reason")
    return reason


def _log_post(actor: User, action: str, post: Post, reason: str, detail: str = "") -> None:
    """Log an action on a post, with its topic and author."""
    _log(
        actor,
        action,
        reason,
        detail,
        post_id=post.id,
        topic_id=post.topic_id,
        member_id=post.author_id,
    )


def _log(actor: User, action: str, reason: str = "", detail: str = "", **targets) -> None:
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


def report_post(post: Post, reporter: User, reason: str) -> Report:
    """A member tells the moderators about a post."""
    if reporter.suspended():
        raise Forbidden("You are suspended: you cannot report posts until it ends.")
    if post.author_id == reporter.id:
        raise ServiceError("This is your own post: edit it instead.")
    reason = clean_body(reason or "").strip()
    if len(reason) < REPORT_MIN:
        raise ServiceError("Say what is wrong with the post (a few words).", field="reason")
    if len(reason) > REPORT_MAX:
        raise ServiceError(f"A report is at most {REPORT_MAX:,} characters.", field="reason")
    already = db.session.scalar(
        select(Report.id).where(
            Report.post_id == post.id,
            Report.reporter_id == reporter.id,
            Report.resolved_at.is_(None),
        )
    )
    if already is not None:
        raise ServiceError("You have already reported this post; the moderators will look.")
    report = Report(post_id=post.id, reporter_id=reporter.id, reason=reason, created_at=utcnow())
    db.session.add(report)
    db.session.flush()
    return report


def hold_for_review(post: Post) -> Report:
    """Put a new member's first post in the queue (it is hidden until approved)."""
    report = Report(
        post_id=post.id,
        reporter_id=None,
        kind="review",
        reason="The first post of a member who joined less than a day ago.",
        created_at=utcnow(),
    )
    db.session.add(report)
    return report


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


def open_report_count() -> int:
    return db.session.scalar(select(func.count(Report.id)).where(Report.resolved_at.is_(None)))


def get_report(report_id: int) -> Report:
    report = db.session.scalar(
        select(Report).where(Report.id == report_id).options(joinedload(Report.post))
    )
    if report is None:
        raise NotFound("There is no such report.")
    return report


def _close_reports(post_id: int, staff: User, resolution: str) -> None:
    db.session.execute(
        update(Report)
        .where(Report.post_id == post_id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=staff.id, resolution=resolution)
    )


def resolve_report(report: Report, staff: User, resolution: str, reason: str) -> None:
    """Hide the post, dismiss the report, or approve a held post (one log record)."""
    _require_staff(staff)
    if report.resolved_at is not None:
        raise ServiceError("This report was already dealt with.")
    if resolution not in RESOLUTIONS:
        raise ServiceError("Choose what to do with the report.", field="resolution")
    post = get_post(report.post_id)
    if resolution == "approve" and report.kind != "review":
        raise ServiceError("Only a held post is approved: hide it or leave it.", field="resolution")
    if resolution == "hide" and post.hidden:
        # A held post rejected (or a post hidden meanwhile): it stays hidden, the queue closes.
        reason = _reason(reason)
        _close_reports(post.id, staff, "hidden")
        _log_post(staff, "hide_post", post, reason, f"report {report.id}")
    elif resolution == "hide":
        set_post_hidden(post, staff, True, reason, report=report)
    elif resolution == "approve":
        approve_post(post, staff, reason)
    else:
        reason = _reason(reason, required=False)
        _close_reports(post.id, staff, "dismissed")
        _log_post(staff, "dismiss_report", post, reason, f"report {report.id}")


# Posts and topics


def get_post(post_id: int) -> Post:
    post = db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(joinedload(Post.topic).joinedload(Topic.category), joinedload(Post.author))
    )
    if post is None:
        raise NotFound("There is no such post.")
    return post


def get_topic(topic_id: int) -> Topic:
    topic = db.session.scalar(
        select(Topic)
        .where(Topic.id == topic_id)
        .options(joinedload(Topic.category), joinedload(Topic.author))
    )
    if topic is None:
        raise NotFound("There is no such topic.")
    return topic


def _first_post_id(topic_id: int) -> int | None:
    return db.session.scalar(
        select(Post.id).where(Post.topic_id == topic_id).order_by(Post.position).limit(1)
    )


def set_post_hidden(
    post: Post, staff: User, hidden: bool, reason: str, report: Report | None = None
) -> None:
    """Hide a post from everyone but staff, or show it again."""
    _require_staff(staff)
    reason = _reason(reason)
    if post.hidden == hidden:
        raise ServiceError("The post is already hidden." if hidden else "The post is not hidden.")
    post.hidden = hidden
    db.session.flush()
    recount_topic(post.topic_id)
    recount_category(post.topic.category_id)
    if hidden:
        _close_reports(post.id, staff, "hidden")
    action = "hide_post" if hidden else "unhide_post"
    _log_post(staff, action, post, reason, f"report {report.id}" if report else "")


def approve_post(post: Post, staff: User, reason: str) -> None:
    """Let a held post (and a topic it started) be seen; closes its review."""
    _require_staff(staff)
    reason = _reason(reason, required=False)
    post.hidden = False
    topic = post.topic
    if topic.hidden and _first_post_id(topic.id) == post.id:
        topic.hidden = False
    db.session.flush()
    recount_topic(post.topic_id)
    recount_category(topic.category_id)
    _close_reports(post.id, staff, "approved")
    _log_post(staff, "approve_post", post, reason)


def edit_post(post: Post, staff: User, body: str, reason: str) -> None:
    """A moderator changes a post; the text before is kept as a revision."""
    _require_staff(staff)
    reason = _reason(reason)
    body = _check_body(body)
    if body == post.body:
        raise ServiceError("The text is unchanged.", field="body")
    keep_revision(post, staff, reason)
    post.body = body
    post.html = markdown.render_post(body)
    post.edited_at = utcnow()
    touch_topic(post.topic_id)
    _log_post(staff, "edit_post", post, reason)


def keep_revision(post: Post, editor: User, reason: str = "") -> None:
    """Keep the post's current text before it changes (every edit, by anyone)."""
    db.session.add(
        PostRevision(
            post_id=post.id,
            body=post.body,
            edited_at=utcnow(),
            editor_id=editor.id,
            reason=reason,
        )
    )
    db.session.flush()
    keep = current_app.config["REVISIONS_PER_POST"]
    newest = (
        select(PostRevision.id)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.edited_at.desc(), PostRevision.id.desc())
        .limit(keep)
    )
    db.session.execute(
        delete(PostRevision).where(PostRevision.post_id == post.id, PostRevision.id.not_in(newest))
    )


def revisions(post_id: int) -> list[PostRevision]:
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post_id)
            .options(joinedload(PostRevision.editor))
            .order_by(PostRevision.edited_at.desc(), PostRevision.id.desc())
        )
    )


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
    _require_staff(staff)
    if change not in _TOPIC_FLAGS:
        raise NotFound("There is no such action.")
    reason = _reason(reason)
    column, value = _TOPIC_FLAGS[change]
    if getattr(topic, column) == value:
        raise ServiceError(f"The topic is already {column if value else 'not ' + column}.")
    setattr(topic, column, value)
    db.session.flush()
    touch_topic(topic.id)
    recount_category(topic.category_id)
    _log(
        staff,
        f"{change}_topic",
        reason,
        topic_id=topic.id,
        category_id=topic.category_id,
        member_id=topic.author_id,
    )


def move_topic(topic: Topic, staff: User, category_id, reason: str) -> None:
    """Move a topic to another category."""
    _require_staff(staff)
    reason = _reason(reason)
    try:
        target = db.session.get(Category, int(category_id))
    except (TypeError, ValueError):
        target = None
    if target is None:
        raise ServiceError("Choose a category to move the topic to.", field="category")
    if target.id == topic.category_id:
        raise ServiceError("The topic is already in that category.", field="category")
    old = topic.category_id
    topic.category_id = target.id
    db.session.flush()
    touch_topic(topic.id)
    recount_category(old)
    recount_category(target.id)
    _log(
        staff,
        "move_topic",
        reason,
        f"to {target.name}",
        topic_id=topic.id,
        category_id=target.id,
        member_id=topic.author_id,
    )


# Members


def get_member(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username_key == (username or "").lower()))
    if user is None:
        raise NotFound("There is no such member.")
    return user


def suspend(member: User, staff: User, days, reason: str, now: datetime | None = None) -> None:
    """Stop a member writing for a number of days; they are told until when and why."""
    _require_staff(staff)
    if member.is_staff:
        raise Forbidden("Staff cannot be suspended: an admin can change their role first.")
    reason = _reason(reason)
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ServiceError("Give a number of days.", field="days") from None
    if not 1 <= days <= SUSPEND_MAX_DAYS:
        raise ServiceError(f"A suspension lasts 1 to {SUSPEND_MAX_DAYS} days.", field="days")
    member.suspended_until = (now or utcnow()) + timedelta(days=days)
    member.suspension_reason = reason
    _log(
        staff,
        "suspend",
        reason,
        f"until {member.suspended_until:%Y-%m-%d %H:%M} UTC",
        member_id=member.id,
    )


def unsuspend(member: User, staff: User, reason: str) -> None:
    _require_staff(staff)
    reason = _reason(reason)
    if not member.suspended():
        raise ServiceError("This member is not suspended.")
    member.suspended_until = None
    member.suspension_reason = None
    _log(staff, "unsuspend", reason, member_id=member.id)


def set_role(member: User, admin: User, role: str, reason: str) -> None:
    """Admins make members moderators or admins, and back."""
    _require_admin(admin)
    reason = _reason(reason)
    if role not in ROLES:
        raise ServiceError("Choose a role.", field="role")
    if member.id == admin.id:
        raise Forbidden("You cannot change your own role: ask another admin.")
    if member.role == role:
        raise ServiceError(f"{member.username} is already {role}.", field="role")
    if member.confirmed_at is None:
        raise ServiceError("This account was never confirmed.", field="role")
    old, member.role = member.role, role
    if role != "member":
        member.suspended_until = member.suspension_reason = None
    _log(admin, "set_role", reason, f"{old} to {role}", member_id=member.id)


def members_page(raw_page: str | None, search: str | None, role: str | None) -> Page:
    """Members by name, filtered by a name prefix or a role (no emails)."""
    query, count = select(User), select(func.count(User.id))
    if search:
        prefix = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = User.username_key.like(prefix + "%", escape="\\")
        query, count = query.where(condition), count.where(condition)
    if role == "staff":
        condition = User.role.in_(("moderator", "admin"))
        query, count = query.where(condition), count.where(condition)
    elif role == "suspended":
        condition = User.suspended_until > utcnow()
        query, count = query.where(condition), count.where(condition)
    query = query.order_by(User.username_key)
    return paged(query, count, raw_page, current_app.config["LOG_PER_PAGE"])


@dataclass(frozen=True)
class MemberActivity:
    posts: list
    signins: list


def member_activity(member: User, limit: int = 20) -> MemberActivity:
    """A member's latest posts and sign-in requests with their network tags (no addresses)."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.author_id == member.id)
        .options(joinedload(Post.topic))
        .order_by(Post.created_at.desc())
        .limit(limit)
    )
    signins = db.session.execute(
        select(LoginToken.id, LoginToken.purpose, LoginToken.created_at, LoginToken.network_tag)
        .where(LoginToken.user_id == member.id)
        .order_by(LoginToken.created_at.desc())
        .limit(limit)
    )
    return MemberActivity(list(posts), list(signins))


def members_sharing_tag(tag: str | None, limit: int = 50) -> list:
    """Other accounts that wrote or signed in from the same network this period."""
    if not tag:
        return []
    by_posts = select(Post.author_id).where(Post.network_tag == tag)
    by_signins = select(LoginToken.user_id).where(LoginToken.network_tag == tag)
    return list(
        db.session.scalars(
            select(User.username)
            .where(User.id.in_(by_posts.union(by_signins)))
            .order_by(User.username_key)
            .limit(limit)
        )
    )


# Categories (admins)


def _category_fields(name: str, description: str) -> tuple[str, str]:
    name = clean_line(name or "")
    if not 2 <= len(name) <= CATEGORY_NAME_MAX:
        raise ServiceError(f"A name is 2 to {CATEGORY_NAME_MAX} characters long.", field="name")
    description = clean_line(description or "")
    if len(description) > CATEGORY_DESCRIPTION_MAX:
        raise ServiceError(
            f"A description is at most {CATEGORY_DESCRIPTION_MAX} characters.",
            field="description",
        )
    return name, description


def _free_slug(name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)[:70] or "category"
    slug, n = base, 1
    while True:
        taken = db.session.scalar(select(Category.id).where(Category.slug == slug))
        if taken is None or taken == exclude_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def list_categories_for_staff() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def get_category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound("There is no such category.")
    return category


def create_category(admin: User, name: str, description: str) -> Category:
    _require_admin(admin)
    name, description = _category_fields(name, description)
    last = db.session.scalar(select(func.max(Category.position))) or 0
    category = Category(
        name=name, slug=_free_slug(name), description=description, position=last + 1
    )
    db.session.add(category)
    db.session.flush()
    _log(admin, "create_category", "", name, category_id=category.id)
    return category


def update_category(
    admin: User, category: Category, name: str, description: str, position, reason: str = ""
) -> None:
    """Rename, describe or reorder a category (a new name gives it a new address)."""
    _require_admin(admin)
    name, description = _category_fields(name, description)
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise ServiceError("The position is a whole number.", field="position") from None
    if not 0 <= position <= 10_000:
        raise ServiceError("The position is between 0 and 10,000.", field="position")
    changes = []
    if name != category.name:
        changes.append(f"renamed from {category.name}")
        category.name, category.slug = name, _free_slug(name, category.id)
    if description != category.description:
        changes.append("description")
        category.description = description
    if position != category.position:
        changes.append(f"position {position}")
        category.position = position
    if not changes:
        raise ServiceError("Nothing changed.")
    category.revision = Category.revision + 1
    _log(
        admin,
        "update_category",
        _reason(reason, False),
        "; ".join(changes),
        category_id=category.id,
    )


def set_category_archived(admin: User, category: Category, archived: bool, reason: str) -> None:
    """An archived category stays readable but takes no new topics or replies."""
    _require_admin(admin)
    reason = _reason(reason, required=False)
    if category.archived == archived:
        raise ServiceError("Nothing changed.")
    category.archived = archived
    category.revision = Category.revision + 1
    db.session.execute(
        update(Topic).where(Topic.category_id == category.id).values(revision=Topic.revision + 1)
    )
    action = "archive_category" if archived else "unarchive_category"
    _log(admin, action, reason, category.name, category_id=category.id)


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


def reports_by(user: User) -> list[Report]:
    """The reports a member made, for their export."""
    return list(
        db.session.scalars(
            select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at)
        )
    )
