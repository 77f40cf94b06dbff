"""What members are told about moderation, in whole sentences written in the member's
language (services/notices.tell keeps and mails them): their post hidden or deleted, their
topic hidden, locked or moved, a suspension and its end, what became of their report, a
staff message, a thanks (only with THANKS_NOTIFY on)."""

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Post, Report, Topic, User
from .notices import tell


def _member(user_id: int | None) -> User | None:
    # From the session's identity map when the caller loaded it: relationships may not be.
    return db.session.get(User, user_id) if user_id is not None else None


def _topic(post: Post) -> Topic:
    return db.session.get(Topic, post.topic_id)


def post_hidden(post: Post, staff: User, reason: str) -> None:
    """Tell the author their post was hidden, with the reason."""
    tell(
        _member(post.author_id),
        staff,
        "post_hidden",
        _l(
            "Your post #%(position)s in “%(title)s” was hidden by the moderators. "
            "Reason: %(reason)s",
            position=post.position,
            title=_topic(post).title,
            reason=reason,
        ),
        f"/t/{post.topic_id}/{_topic(post).slug}",
    )


def post_deleted(post: Post, staff: User, reason: str) -> None:
    """Tell the author their post was deleted, with the reason (before it goes)."""
    tell(
        _member(post.author_id),
        staff,
        "post_deleted",
        _l(
            "Your post #%(position)s in “%(title)s” was deleted by the moderators. "
            "Reason: %(reason)s",
            position=post.position,
            title=_topic(post).title,
            reason=reason,
        ),
    )


def topic_changed(topic: Topic, staff: User, change: str, reason: str, detail: str = "") -> None:
    """Tell the author their topic was hidden, locked or moved (`detail`: the category it
    went to), with the reason."""
    kind = {"hide": "topic_hidden", "lock": "topic_locked", "move": "topic_moved"}.get(change)
    if kind is None:
        return
    sentence = {
        "hide": _l(
            "Your topic “%(title)s” was hidden by the moderators. Reason: %(reason)s",
            title=topic.title,
            reason=reason,
        ),
        "lock": _l(
            "Your topic “%(title)s” was locked by the moderators. Reason: %(reason)s",
            title=topic.title,
            reason=reason,
        ),
        "move": _l(
            "Your topic “%(title)s” was moved to %(category)s by the moderators. "
            "Reason: %(reason)s",
            title=topic.title,
            category=detail,
            reason=reason,
        ),
    }[change]
    tell(
        _member(topic.author_id),
        staff,
        kind,
        sentence,
        f"/t/{topic.id}/{topic.slug}",
    )


def suspended(member: User, staff: User) -> None:
    """Tell a member until when and why they are suspended."""
    tell(
        member,
        staff,
        "suspended",
        _l(
            "You are suspended until %(until)s UTC: you can read but not write until then. "
            "Reason: %(reason)s",
            until=member.suspended_until.strftime("%Y-%m-%d %H:%M"),
            reason=member.suspension_reason,
        ),
    )


def unsuspended(member: User, staff: User) -> None:
    tell(member, staff, "unsuspended", _l("Your suspension was lifted: you can write again."))


# What became of a report, as the reporter is told it (a whole sentence per outcome).
REPORT_OUTCOMES = {
    "hidden": lambda **names: _l(
        "Your report about post #%(position)s in “%(title)s” was handled: the post was "
        "hidden. Thank you.",
        **names,
    ),
    "dismissed": lambda **names: _l(
        "Your report about post #%(position)s in “%(title)s” was handled: the moderators "
        "looked and left the post as it is. Thank you.",
        **names,
    ),
    "deleted": lambda **names: _l(
        "Your report about post #%(position)s in “%(title)s” was handled: the post was "
        "deleted. Thank you.",
        **names,
    ),
}


def reports_handled(post: Post, staff: User, resolution: str) -> None:
    """Tell every member whose report of `post` is still open what became of it (not the
    moderators' reason, which is for the log); a held post's review tells no one."""
    if resolution not in REPORT_OUTCOMES:
        return
    reporters = (
        select(Report.reporter_id)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None), Report.kind == "report")
        .scalar_subquery()
    )
    for reporter in db.session.scalars(select(User).where(User.id.in_(reporters))):
        tell(
            reporter,
            staff,
            "report_handled",
            REPORT_OUTCOMES[resolution](position=post.position, title=_topic(post).title),
            f"/t/{post.topic_id}/{_topic(post).slug}",
        )


def staff_message(member: User, staff: User, text: str) -> None:
    """Keep a copy of a staff message on the member's list (the mail goes by itself)."""
    tell(member, staff, "staff_message", _l("A message from the staff: %(text)s", text=text))


def thanked(post: Post, member: User) -> None:
    """Tell the author that `member` thanked their post (only with THANKS_NOTIFY on)."""
    author = _member(post.author_id)
    # Stored as text: written in the author's language, one whole sentence to translate.
    with force_locale((author.locale if author else None) or "en"):
        text = _(
            "%(name)s thanked your post #%(num)d in “%(topic)s”.",
            name=member.username,
            num=post.position,
            topic=_topic(post).title,
        )
    tell(author, member, "thanks", text, f"/p/{post.id}/thanked-by")
