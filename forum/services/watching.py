"""Watching: members follow topics and categories, and are told of what is new in them.

A member watches their own topics and the topics they reply to, unless they turned that off
(`users.auto_watch`). The caller commits.
"""

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Category, Topic, User, Watch, utcnow
from . import Forbidden, NotFound


def _check_member(member: User) -> None:
    if not (member and member.is_authenticated):
        raise Forbidden(_("Only members can watch."))


def _find(member: User, topic: Topic | None, category: Category | None) -> Watch | None:
    where = Watch.topic_id == topic.id if topic is not None else Watch.category_id == category.id
    return db.session.scalar(select(Watch).where(Watch.member_id == member.id, where))


def watch(member: User, topic: Topic | None = None, category: Category | None = None) -> None:
    """Start watching a topic or a category (nothing changes when already watching)."""
    _check_member(member)
    if (topic is None) == (category is None):
        raise NotFound(_("There is nothing to watch here."))
    if _find(member, topic, category) is None:
        db.session.add(
            Watch(
                member_id=member.id,
                topic_id=topic.id if topic is not None else None,
                category_id=category.id if category is not None else None,
                created_at=utcnow(),
            )
        )
        db.session.flush()


def stop(member: User, topic: Topic | None = None, category: Category | None = None) -> None:
    """Stop watching a topic or a category (nothing changes when not watching)."""
    _check_member(member)
    found = _find(member, topic, category) if (topic or category) else None
    if found is not None:
        db.session.delete(found)


def stop_by_id(member: User, watch_id: int) -> None:
    """Stop one of the member's watches, from the list on /account/watching."""
    _check_member(member)
    db.session.execute(delete(Watch).where(Watch.id == watch_id, Watch.member_id == member.id))


def auto_watch(member: User, topic_id: int, new_topic: bool = False) -> None:
    """A member who writes in a topic watches it, unless they turned that off."""
    if not member.auto_watch:
        return
    exists = None
    if not new_topic:  # no one watches a topic being started
        exists = db.session.scalar(
            select(Watch.id).where(Watch.member_id == member.id, Watch.topic_id == topic_id)
        )
    if exists is None:
        db.session.add(Watch(member_id=member.id, topic_id=topic_id, created_at=utcnow()))


def watched_by(member: User) -> list[Watch]:
    """What the member watches, categories first, then topics, newest first."""
    _check_member(member)
    return list(
        db.session.scalars(
            select(Watch)
            .where(Watch.member_id == member.id)
            .options(joinedload(Watch.topic), joinedload(Watch.category))
            .order_by(Watch.category_id.is_(None), Watch.created_at.desc(), Watch.id.desc())
        )
    )


def watches_of(user: User) -> list[dict]:
    """What the member watches, for their export."""
    return [
        {
            "since": f"{w.created_at:%Y-%m-%dT%H:%M:%SZ}",
            "topic": w.topic.title if w.topic else None,
            "category": w.category.name if w.category else None,
        }
        for w in watched_by(user)
    ]
