"""Your data: everything the forum holds about a member, as one JSON-ready mapping.

Staff's internal notes on a support request are left out: they are the staff's working
notes about a request, not something the sender wrote or was sent. Replies, changes of
state and publishing are in each request's history.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..extensions import db
from ..links import site_url
from ..models import (
    LoginToken,
    ModerationLog,
    Post,
    PostRevision,
    SupportRequest,
    Topic,
    User,
    utcnow,
)
from .disclosure import reveals_of
from .erasure import deletions_by
from .images import images_of
from .notices import notices_of
from .reading import progress_of
from .reports import reports_by
from .thanks import thanks_given
from .transparency import disclosures_of
from .watching import watches_of


def _time(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def export_member(user: User) -> dict:
    """What the forum stores about `user`, read in a handful of queries; writes nothing."""
    return {
        "exported_at": _time(utcnow()),
        "profile": _profile(user),
        "posts": _posts(user),
        "topics_started": _topics(user),
        "support_requests": _support_requests(user),
        "sign_in_history": _sign_ins(user),
        # How far you read each topic you opened: the "new since your last visit" marker.
        "topics_read": progress_of(user),
        # Every time a staff member looked at this member's email or an address: who, why.
        "staff_reveals": _reveals(user),
        # Requests for your data from outside the staff, what was handed over, and to whom
        # (a notice a legal order deferred appears here once its day has come).
        "disclosures": disclosures_of(user),
        "reports": _reports(user),
        "moderation": _moderation(user),
        # What you were told about moderation, and whether you get it by mail.
        "notices": notices_of(user),
        "notices_by_mail": user.notice_mail,
        # What you watch, and how you chose to be told (mail per kind, the private feed).
        "watching": watches_of(user),
        "notification_settings": {
            "mail_replies": user.mail_replies,
            "mail_mentions": user.mail_mentions,
            "mail_watched": user.mail_watched,
            "mail_includes_text": user.mail_text,
            "watch_own_topics_and_replies": user.auto_watch,
            "private_feed_on": user.feed_key_hash is not None,
        },
        # Pictures you uploaded, as links to the files (re-encoded, without metadata).
        "pictures": [
            {
                "url": site_url("images.original", image_id=i.id),
                "uploaded_at": _time(i.created_at),
                "format": i.format,
                "width": i.width,
                "height": i.height,
            }
            for i in images_of(user)
        ],
        # The posts you thanked (their authors see that you did; no one else does).
        "thanks_given": thanks_given(user),
        # Posts you deleted: when, and where; their words were erased then.
        "deleted_posts": [
            {
                "deleted_at": _time(d.deleted_at),
                "post_id": d.post_id,
                "topic_id": d.topic_id,
                "whole_topic": d.whole_topic,
            }
            for d in deletions_by(user)
        ],
    }


def _profile(user: User) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "joined": _time(user.created_at),
        "confirmed": _time(user.confirmed_at),
        "announcements_by_email": user.announcements,
        "language": user.locale,
        "time_zone": user.timezone,
        "policy_version_seen": user.policy_version_seen,
        "post_count": user.post_count,
        "signup_ip": user.signup_ip,
        "suspended_until": _time(user.suspended_until),
        "suspension_reason": user.suspension_reason,
        "email_change_pending": _pending_email(user),
    }


def _pending_email(user: User) -> str | None:
    """The new address of the latest email change still waiting for its link to be used."""
    return db.session.scalar(
        select(LoginToken.new_email)
        .where(
            LoginToken.user_id == user.id,
            LoginToken.purpose == "email",
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > utcnow(),
        )
        .order_by(LoginToken.created_at.desc(), LoginToken.id.desc())
        .limit(1)
    )


def _revisions(user: User) -> dict[int, list[dict]]:
    """Earlier versions of the member's posts, by post, oldest first (one query)."""
    rows = db.session.scalars(
        select(PostRevision)
        .join(Post, Post.id == PostRevision.post_id)
        .where(Post.author_id == user.id)
        .order_by(PostRevision.edited_at, PostRevision.id)
    )
    found: dict[int, list[dict]] = {}
    for rev in rows:
        found.setdefault(rev.post_id, []).append(
            {
                "body": rev.body,
                "replaced_at": _time(rev.edited_at),
                "edited_by_you": rev.editor_id == user.id,
                "reason": rev.reason,
            }
        )
    return found


def _posts(user: User) -> list[dict]:
    posts = db.session.scalars(
        select(Post)
        .join(Post.topic)
        .where(Post.author_id == user.id, Post.deleted_at.is_(None))
        .options(contains_eager(Post.topic))
        .order_by(Post.created_at, Post.id)
    )
    revisions = _revisions(user)
    return [
        {
            "id": post.id,
            "topic_id": post.topic_id,
            "topic_title": post.topic.title,
            "body": post.body,
            "created_at": _time(post.created_at),
            "edited_at": _time(post.edited_at),
            "hidden": post.hidden,
            "ip": post.ip,
            "network_tag": post.network_tag,
            # Each earlier text, kept when the post was edited (by you or a moderator).
            "earlier_versions": revisions.get(post.id, []),
        }
        for post in posts
    ]


def _topics(user: User) -> list[dict]:
    topics = db.session.scalars(
        select(Topic).where(Topic.author_id == user.id).order_by(Topic.created_at, Topic.id)
    )
    return [
        {"id": t.id, "title": t.title, "created_at": _time(t.created_at), "hidden": t.hidden}
        for t in topics
    ]


def _support_requests(user: User) -> list[dict]:
    requests = db.session.scalars(
        select(SupportRequest)
        .where(SupportRequest.user_id == user.id)
        .options(selectinload(SupportRequest.events), joinedload(SupportRequest.about))
        .order_by(SupportRequest.created_at, SupportRequest.id)
    )
    return [
        {
            "reference": r.reference,
            "kind": r.kind,
            "state": r.state,
            "subject": r.subject,
            "message": r.message,
            "created_at": _time(r.created_at),
            "updated_at": _time(r.updated_at),
            "ip": r.ip,
            "about": r.about.username if r.about is not None else None,
            # Internal staff notes are not the sender's: see the module's docstring.
            "history": [
                {"action": e.action, "body": e.body, "at": _time(e.created_at)}
                for e in r.events
                if e.action != "note"
            ],
        }
        for r in requests
    ]


def _sign_ins(user: User) -> list[dict]:
    # Rows are deleted with their address after IP_RETENTION_DAYS: this is all there is.
    tokens = db.session.scalars(
        select(LoginToken)
        .where(LoginToken.user_id == user.id)
        .order_by(LoginToken.created_at, LoginToken.id)
    )
    return [
        {
            "purpose": t.purpose,
            "new_email": t.new_email,
            "created_at": _time(t.created_at),
            "used_at": _time(t.used_at),
            "ip": t.ip,
            "network_tag": t.network_tag,
        }
        for t in tokens
    ]


def _reveals(user: User) -> list[dict]:
    return [
        {
            "at": _time(r.created_at),
            "staff": r.staff.username if r.staff else None,
            "field": r.field,
            "kept_in": f"{r.source} {r.source_id}",
            "reason": r.reason,
        }
        for r in reveals_of(user)
    ]


def _reports(user: User) -> list[dict]:
    return [
        {
            "post_id": r.post_id,
            "reason": r.reason,
            "created_at": _time(r.created_at),
            "resolution": r.resolution,
        }
        for r in reports_by(user)
    ]


def _moderation(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(ModerationLog)
        .where(ModerationLog.member_id == user.id)
        .order_by(ModerationLog.created_at, ModerationLog.id)
    )
    return [
        {
            "at": _time(row.created_at),
            "action": row.action,
            "reason": row.reason,
            "detail": row.detail,
            # What a staff member wrote to you (action "message"), as it was mailed.
            "message": row.message,
            "post_id": row.post_id,
            "topic_id": row.topic_id,
        }
        for row in rows
    ]
