"""Reports: members tell the moderators about a post, and a new member's first post is held
for review. The moderators decide on them in the queue (services/moderation.py)."""

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, Report, User, utcnow
from . import Forbidden, NotFound, ServiceError
from .text import clean_body

REPORT_MIN, REPORT_MAX = 5, 1000


def report_post(post: Post, reporter: User, reason: str) -> Report:
    """A member tells the moderators about a post."""
    if reporter.suspended():
        raise Forbidden(_("You are suspended: you cannot report posts until it ends."))
    if post.author_id == reporter.id:
        raise ServiceError(_("This is your own post: edit it instead."))
    reason = clean_body(reason or "").strip()
    if len(reason) < REPORT_MIN:
        raise ServiceError(_("Say what is wrong with the post (a few words)."), field="reason")
    if len(reason) > REPORT_MAX:
        raise ServiceError(
            _("A report is at most %(limit)s characters.", limit=format_number(REPORT_MAX)),
            field="reason",
        )
    already = db.session.scalar(
        select(Report.id).where(
            Report.post_id == post.id,
            Report.reporter_id == reporter.id,
            Report.resolved_at.is_(None),
        )
    )
    if already is not None:
        raise ServiceError(_("You have already reported this post; the moderators will look."))
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


def open_report_count() -> int:
    return db.session.scalar(select(func.count(Report.id)).where(Report.resolved_at.is_(None)))


def get_report(report_id: int) -> Report:
    report = db.session.scalar(
        select(Report).where(Report.id == report_id).options(joinedload(Report.post))
    )
    if report is None:
        raise NotFound(_("There is no such report."))
    return report


def close_reports(post_id: int, staff: User, resolution: str) -> None:
    """Mark every open report of a post resolved by `staff` with `resolution`."""
    db.session.execute(
        update(Report)
        .where(Report.post_id == post_id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=staff.id, resolution=resolution)
    )


def reports_by(user: User) -> list[Report]:
    """The reports a member made, for their export."""
    return list(
        db.session.scalars(
            select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at)
        )
    )
