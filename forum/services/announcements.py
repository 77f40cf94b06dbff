"""Announcements: published at once on the page and the feed, emailed at most once a week.

Email goes only to members who ticked "announcements" and confirmed their address, through
the outbox (one row each, queued in chunks), each with a one-click unsubscribe link whose
token is the member's random mail key: it names no id, and changes with the address.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import markdown
from ..extensions import db
from ..links import site_url
from ..models import Announcement, User, utcnow
from . import NotFound, ServiceError, require_admin
from . import mail as mail_service

LATEST = 20
# Recipients are read and queued this many at a time, so memory stays bounded.
MAIL_CHUNK = 200


def latest(limit: int = LATEST) -> list[Announcement]:
    """The newest announcements, newest first (one query)."""
    query = select(Announcement).order_by(Announcement.created_at.desc(), Announcement.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def get(announcement_id: int) -> Announcement:
    """One announcement, or NotFound."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound(_("There is no such announcement."))
    return announcement


def next_mailing_at(now: datetime | None = None) -> datetime | None:
    """When the next announcement email may go (naive UTC), or None if it may go now."""
    last = db.session.scalar(select(Announcement.mailed_at).order_by(Announcement.mailed_at.desc()))
    if last is None:
        return None
    allowed = last + timedelta(days=current_app.config["ANNOUNCE_MIN_DAYS"])
    return allowed if allowed > (now or utcnow()) else None


def publish(author: User, title: str, body: str, send_mail: bool) -> tuple[Announcement, int]:
    """An admin publishes an announcement and, if asked, queues it for members; the caller
    commits.

    Returns the announcement and how many emails were queued. A mailing earlier than
    ANNOUNCE_MIN_DAYS after the last one is refused (ServiceError on "send_mail") and
    nothing is published. Links in the mail are built on SITE_URL.
    """
    require_admin(author)
    title, body = _checked(title, body)
    now = utcnow()
    if send_mail and (next_at := next_mailing_at(now)) is not None:
        when = f"{format_datetime(next_at, 'medium')} {get_timezone()}"
        raise ServiceError(
            _(
                "An announcement was emailed less than %(days)s days ago: the next email may "
                "go on %(next_at)s. You can publish it on the page without emailing it.",
                days=current_app.config["ANNOUNCE_MIN_DAYS"],
                next_at=when,
            ),
            field="send_mail",
        )
    announcement = Announcement(
        title=title,
        body=body,
        html=markdown.render_post(body),
        created_at=now,
        author_id=author.id,
        mailed_at=now if send_mail else None,
    )
    db.session.add(announcement)
    db.session.flush()
    queued = _queue_for_members(announcement) if send_mail else 0
    return announcement, queued


def _checked(title: str | None, body: str | None) -> tuple[str, str]:
    title, body = " ".join((title or "").split()), (body or "").strip() + "\n"
    if not title:
        raise ServiceError(_("An announcement needs a title."), field="title")
    if not body.strip():
        raise ServiceError(_("An announcement needs a text."), field="body")
    return title, body


@dataclass(frozen=True)
class MailPreview:
    """An announcement's mail as a member would get it: subject, plain text, HTML body."""

    subject: str
    text: str
    html: str


def _draft_mail(author: User, title: str | None, body: str | None) -> MailPreview:
    title, body = _checked(title, body)
    # Not stored: it has no id yet, so the mail links to the announcements page.
    draft = Announcement(title=title, body=body, html=markdown.render_post(body))
    unsubscribe_url = site_url("announcements.unsubscribe", token=author.mail_key)
    text, html = mail_service.render("announcement", title, unsubscribe_url, announcement=draft)
    found = _BODY.search(html)
    return MailPreview(title, text, _under_the_page(found.group(1) if found else html))


_BODY = re.compile(r"<body>(.*)</body>", re.DOTALL)
_HEADING = re.compile(r"<(/?)h([1-6])\b")


def _under_the_page(html: str) -> str:
    """The mail's headings moved three levels down, to sit under the page's own (an <h1>
    in the middle of a page would break its outline)."""
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 3, 6)}", html)


def mail_preview(author: User, title: str | None, body: str | None) -> MailPreview:
    """The mail an announcement would be, for the admin's page; writes nothing."""
    require_admin(author)
    return _draft_mail(author, title, body)


def send_test(author: User, title: str | None, body: str | None) -> None:
    """Queue the announcement's mail to the admin alone, marked as a test; nothing is
    published and the weekly mailing limit is untouched. The caller commits."""
    require_admin(author)
    if author.confirmed_at is None:
        raise ServiceError(_("Your own address is not confirmed yet: no test can go to it."))
    title, body = _checked(title, body)
    draft = Announcement(title=title, body=body, html=markdown.render_post(body))
    mail_service.queue(
        author.email,
        f"[Test] {title}",
        "announcement",
        unsubscribe_url=site_url("announcements.unsubscribe", token=author.mail_key),
        announcement=draft,
    )


def _queue_for_members(announcement: Announcement) -> int:
    """One outbox row per opted-in, confirmed member, read in chunks by id; no commit."""
    queued, after = 0, 0
    while True:
        chunk = db.session.execute(
            select(User.id, User.email, User.mail_key, User.locale)
            .where(User.announcements.is_(True), User.confirmed_at.is_not(None), User.id > after)
            .order_by(User.id)
            .limit(MAIL_CHUNK)
        ).all()
        for _user_id, email, mail_key, locale in chunk:
            mail_service.queue(
                email,
                announcement.title,
                "announcement",
                locale=locale,
                unsubscribe_url=site_url("announcements.unsubscribe", token=mail_key),
                announcement=announcement,
            )
        queued += len(chunk)
        db.session.flush()
        if len(chunk) < MAIL_CHUNK:
            return queued
        after = chunk[-1].id


def unsubscribe_token(user: User) -> str:
    """The token of a member's unsubscribe link: random, never expiring, naming no id."""
    return user.mail_key


def check_unsubscribe_token(token: str) -> None:
    """ServiceError unless the token is a live member's (the address may have changed)."""
    if not token or len(token) > 100 or not _subscriber(token):
        raise ServiceError(_("This unsubscribe link is not valid."))


def unsubscribe(token: str) -> None:
    """Stop announcements by email for the member the token names (idempotent); the caller
    commits."""
    db.session.execute(update(User).where(User.mail_key == token).values(announcements=False))


def _subscriber(token: str) -> bool:
    return db.session.scalar(select(User.id).where(User.mail_key == token)) is not None
