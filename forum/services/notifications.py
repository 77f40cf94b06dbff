"""Notifications: a new post tells the people it concerns, once each.

Who, in this order (a member is told once per post, by the first that applies): the authors
of the posts it quotes ("quote"), the members it @mentions outside code and quotes, at most
MENTION_LIMIT ("mention"), the topic's author ("reply") and whoever watches the topic or
its category ("watched"). Never its own author, never for a hidden post or topic. Replies
and watched posts landing in a topic the member has not opened since are one notice with a
count. Mail goes at once for the kinds a member chose "at once" for, one per topic until
they open it (services/notice_mail.py). The caller commits.
"""

from flask import current_app
from sqlalchemy import func, or_, select, update

from .. import markdown
from ..extensions import db
from ..models import Notice, Post, Topic, User, Watch, utcnow
from ..models.notices import MAIL_CHOICE
from . import notice_mail

GROUPED = ("reply", "watched")


def members_named(keys: list[str]) -> dict[str, str]:
    """Lower-cased names to the usernames of the members who have them (one query)."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(User.username_key, User.username).where(User.username_key.in_(keys))
    )
    return dict(rows.all())


def render(body: str) -> tuple[str, list[str], list[int]]:
    """A post's HTML with its @mentions linked; who it mentions; which posts it quotes."""
    return markdown.render_post_noting(body, members_named)


def mentions_in(body: str) -> tuple[list[str], list[int]]:
    """Who a post's text mentions, and the posts it quotes."""
    _, names, quoted = render(body)
    return names, quoted


def post_written(
    post: Post, topic: Topic, author: User, names: list[str], quoted: list[int]
) -> None:
    """Tell everyone a new post concerns (see the module's docstring)."""
    if post.hidden or topic.hidden:
        return
    told: dict[int, str] = {}
    for member_id in _quoted_authors(quoted, post.id):
        told.setdefault(member_id, "quote")
    for member_id in _mentioned(names):
        told.setdefault(member_id, "mention")
    if topic.author_id is not None and post.position > 1:
        told.setdefault(topic.author_id, "reply")
    watchers = select(Watch.member_id).where(
        or_(Watch.topic_id == topic.id, Watch.category_id == topic.category_id)
    )
    for member_id in db.session.scalars(watchers):
        told.setdefault(member_id, "watched")
    told.pop(author.id, None)
    if told:
        _tell(told, post, topic, author)


def post_edited(post: Post, topic: Topic, author: User, before: str, after: str) -> None:
    """An edit tells only those the new text mentions or quotes and the old one did not."""
    old_names, old_quoted = mentions_in(before)
    names, quoted = mentions_in(after)
    names = [n for n in names if n not in old_names]
    quoted = [q for q in quoted if q not in old_quoted]
    if post.hidden or topic.hidden or not (names or quoted):
        return
    told: dict[int, str] = {}
    for member_id in _quoted_authors(quoted, post.id):
        told.setdefault(member_id, "quote")
    for member_id in _mentioned(names):
        told.setdefault(member_id, "mention")
    told.pop(author.id, None)
    # Anyone already told of this post (by a mention or quote) is not told again.
    already = db.session.scalars(select(Notice.member_id).where(Notice.post_id == post.id))
    for member_id in already:
        told.pop(member_id, None)
    if told:
        _tell(told, post, topic, author)


def _quoted_authors(post_ids: list[int], own_id: int) -> list[int]:
    ids = [i for i in post_ids if i != own_id][: current_app.config["MENTION_LIMIT"]]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Post.author_id)
            .join(Topic, Topic.id == Post.topic_id)
            .where(
                Post.id.in_(ids),
                Post.author_id.is_not(None),
                Post.hidden.is_(False),
                Post.deleted_at.is_(None),
                Topic.hidden.is_(False),
            )
            .distinct()
        )
    )


def _mentioned(names: list[str]) -> list[int]:
    keys = [n.lower() for n in names][: current_app.config["MENTION_LIMIT"]]
    if not keys:
        return []
    return list(db.session.scalars(select(User.id).where(User.username_key.in_(keys))))


def _tell(told: dict[int, str], post: Post, topic: Topic, author: User) -> None:
    now = utcnow()
    members = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(told))))}
    # Unread groups of replies in this topic: one more post each, no new notice.
    grouped = [m for m, kind in told.items() if kind in GROUPED]
    groups = {}
    if grouped:
        groups = {
            n.member_id: n
            for n in db.session.scalars(
                select(Notice).where(
                    Notice.topic_id == topic.id,
                    Notice.member_id.in_(grouped),
                    Notice.kind.in_(GROUPED),
                    Notice.read_at.is_(None),
                )
            )
        }
    for group in groups.values():
        group.count += 1
        group.created_at = now
        group.actor_id = author.id
    # Members with an unread notice of this topic already mailed get no second mail.
    mailed = set(
        db.session.scalars(
            select(Notice.member_id).where(
                Notice.topic_id == topic.id,
                Notice.member_id.in_(list(told)),
                Notice.read_at.is_(None),
                Notice.mailed.is_(True),
            )
        )
    )
    new = []
    for member_id, kind in told.items():
        if member_id in groups or member_id not in members:
            continue
        member = members[member_id]
        notice = Notice(
            member_id=member_id,
            kind=kind,
            post_id=post.id,
            topic_id=topic.id,
            actor_id=author.id,
            created_at=now,
        )
        choice = getattr(member, f"mail_{MAIL_CHOICE[kind]}")
        if choice == "now" and member.confirmed_at is not None and member_id not in mailed:
            notice_mail.at_once(member, kind, post, topic, author)
            notice.mailed = True
            mailed.add(member_id)
        new.append(notice)
    db.session.add_all(new)
    if new:
        db.session.execute(
            update(User)
            .where(User.id.in_([n.member_id for n in new]))
            .values(unread_notices=User.unread_notices + 1)
            .execution_options(synchronize_session=False)
        )
        for notice in new:
            db.session.expire(members[notice.member_id], ["unread_notices"])
    db.session.flush()


def count_unread(member: User) -> int:
    """The member's unread notices, counted (the row's counter is what pages show)."""
    return db.session.scalar(
        select(func.count(Notice.id)).where(Notice.member_id == member.id, Notice.read_at.is_(None))
    )
