"""Notification mail: at once or in a daily digest, per kind, only for members who chose it.

A mail names the topic and who wrote, and links to the post; it carries the post's text
only when the member ticked "include the text". Each has a one-click unsubscribe (RFC 8058)
for its kind, whose token is the member's random mail key (as announcements use): it works
without a session and turns only that kind off. Queued in the outbox with its cause; the
digest command commits its own batches.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from .. import markdown
from ..extensions import db
from ..links import site_url
from ..models import Notice, Post, Topic, User, utcnow
from ..models.notices import MAIL_CHOICE, MAIL_CHOICES, MAIL_WHEN
from . import ServiceError, mail

# A digest is sent at most once in this long, however often the command runs.
DIGEST_EVERY = timedelta(hours=20)
DIGEST_BATCH = 200
TEXT_LIMIT = 2000


def _subject(kind: str, topic: Topic, author: User | None, count: int = 1) -> str:
    name = author.username if author else _("a former member")
    subjects = {
        "reply": _("%(name)s replied to your topic “%(topic)s”", name=name, topic=topic.title),
        "quote": _("%(name)s quoted you in “%(topic)s”", name=name, topic=topic.title),
        "mention": _("%(name)s mentioned you in “%(topic)s”", name=name, topic=topic.title),
        "watched": _("%(name)s posted in “%(topic)s”", name=name, topic=topic.title),
    }
    return subjects[kind]


def unsubscribe_url(member: User, choice: str) -> str:
    return site_url("notices.unsubscribe", token=member.mail_key, choice=choice)


def at_once(member: User, kind: str, post: Post, topic: Topic, author: User) -> None:
    """Queue one notification mail; the caller commits."""
    choice = MAIL_CHOICE[kind]
    # In the member's language, not that of the request of whoever wrote the post.
    with force_locale(_locale(member)):
        title = _subject(kind, topic, author)
        mail.queue(
            member.email,
            f"{current_app.config['SITE_NAME']}: {title}"[:250].replace("\n", " "),
            "notification",
            unsubscribe_url=unsubscribe_url(member, choice),
            locale=_locale(member),
            items=[_item(kind, post, topic, author, member.mail_text)],
            choice=choice,
            account_url=site_url("accounts.account"),
        )


def _locale(member: User) -> str:
    return member.locale or "en"


def _item(kind, post, topic, author, with_text: bool, count: int = 1) -> dict:
    return {
        "title": _subject(kind, topic, author),
        "topic": topic.title,
        "author": author.username if author else _("a former member"),
        "count": count,
        "link": site_url("forum.post", post_id=post.id),
        "text": markdown.plain_text(post.html, TEXT_LIMIT) if with_text else None,
    }


def send_digests(now=None) -> int:
    """Mail each member who chose a digest their unread, unmailed notices of those kinds
    (one mail each, at most once in DIGEST_EVERY); commits per batch; returns mails queued."""
    now = now or utcnow()
    wants = or_(*(getattr(User, f"mail_{c}") == "digest" for c in MAIL_CHOICES))
    due = or_(User.last_digest_at.is_(None), User.last_digest_at < now - DIGEST_EVERY)
    queued, after = 0, 0
    while True:
        members = list(
            db.session.scalars(
                select(User)
                .where(wants, due, User.confirmed_at.is_not(None), User.id > after)
                .order_by(User.id)
                .limit(DIGEST_BATCH)
            )
        )
        for member in members:
            queued += _digest(member, now)
        db.session.commit()
        if len(members) < DIGEST_BATCH:
            return queued
        after = members[-1].id


def _digest(member: User, now) -> int:
    kinds = [k for k, c in MAIL_CHOICE.items() if getattr(member, f"mail_{c}") == "digest"]
    notices = list(
        db.session.scalars(
            select(Notice)
            .where(
                Notice.member_id == member.id,
                Notice.kind.in_(kinds),
                Notice.read_at.is_(None),
                Notice.mailed.is_(False),
                Notice.post_id.is_not(None),
            )
            .options(joinedload(Notice.post), joinedload(Notice.topic), joinedload(Notice.actor))
            .order_by(Notice.created_at)
        )
    )
    if not notices:
        return 0
    choices = sorted({MAIL_CHOICE[n.kind] for n in notices})
    with force_locale(_locale(member)):
        items = [
            _item(n.kind, n.post, n.topic, n.actor, member.mail_text, n.count) for n in notices
        ]
        count = ngettext("%(num)d new notification", "%(num)d new notifications", len(items))
        mail.queue(
            member.email,
            f"{current_app.config['SITE_NAME']}: {count}",
            "notification",
            # One header names one kind: the digest's is its first; the mail links each.
            unsubscribe_url=unsubscribe_url(member, choices[0]),
            locale=_locale(member),
            items=items,
            choice=choices[0],
            digest_choices={c: unsubscribe_url(member, c) for c in choices},
            account_url=site_url("accounts.account"),
        )
    for notice in notices:
        notice.mailed = True
    member.last_digest_at = now
    return 1


def check_unsubscribe(token: str, choice: str) -> None:
    """ServiceError unless the token is a live member's and the kind is one of ours."""
    if choice not in MAIL_CHOICES or not token or len(token) > 100:
        raise ServiceError(_("This unsubscribe link is not valid."))
    if db.session.scalar(select(User.id).where(User.mail_key == token)) is None:
        raise ServiceError(_("This unsubscribe link is not valid."))


def unsubscribe(token: str, choice: str) -> None:
    """Stop mail of this kind for the member the token names (idempotent); the caller commits."""
    check_unsubscribe(token, choice)
    db.session.execute(
        update(User).where(User.mail_key == token).values({f"mail_{choice}": "never"})
    )


def set_choices(member: User, choices: dict[str, str], with_text: bool, auto_watch: bool) -> None:
    """The member's mail per kind ("never", "now", "digest"), text or not, and auto-watch."""
    for choice in MAIL_CHOICES:
        value = choices.get(choice, "never")
        if value not in MAIL_WHEN:
            raise ServiceError(_("Choose never, at once or a daily digest."), field=choice)
        setattr(member, f"mail_{choice}", value)
    member.mail_text = bool(with_text)
    member.auto_watch = bool(auto_watch)
