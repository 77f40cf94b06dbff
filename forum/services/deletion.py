"""Deleting an account: the email, username and network addresses go from every table at once.

The member chooses what becomes of their posts: erased, or kept under "a former member".
Topics that others replied to stay either way, without an author.
"""

from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import (
    Category,
    LoginToken,
    ModerationLog,
    Notice,
    OutboxMessage,
    Post,
    PostDeletion,
    Report,
    RevealLog,
    SupportRequest,
    Topic,
    TopicRead,
    User,
    Watch,
)
from . import images, notices, thanks, transparency
from .counters import recount_category, recount_topic


def delete_account(user: User, erase_posts: bool) -> None:
    """Delete `user` and everything that names them; the caller commits."""
    # The thanks they gave go, and the posts' counts drop with them.
    thanks.forget_thanks_of([user.id])
    topic_ids = set(db.session.scalars(select(Post.topic_id).where(Post.author_id == user.id)))
    topic_ids |= set(db.session.scalars(select(Topic.id).where(Topic.author_id == user.id)))
    category_ids = set(db.session.scalars(select(Topic.category_id).where(Topic.id.in_(topic_ids))))
    # Those the member's posts notified: their counts follow the notices that go.
    told = set(db.session.scalars(select(Notice.member_id).where(Notice.actor_id == user.id)))
    if erase_posts:
        _erase_posts(user, topic_ids)
        images.erase_owned_by(user)
    else:
        images.disown(user)
    db.session.execute(
        update(Post)
        .where(Post.author_id == user.id)
        .values(author_id=None, ip=None, network_tag=None)
    )
    # A report's words are the reporter's: they go; the moderators' decisions stay, unsigned.
    db.session.execute(delete(Report).where(Report.reporter_id == user.id))
    db.session.execute(update(Topic).where(Topic.author_id == user.id).values(author_id=None))
    db.session.execute(
        update(Topic).where(Topic.last_poster_id == user.id).values(last_poster_id=None)
    )
    db.session.execute(
        update(Topic).where(Topic.id.in_(topic_ids)).values(revision=Topic.revision + 1)
    )
    for category_id in category_ids:
        recount_category(category_id)
    db.session.execute(delete(LoginToken).where(LoginToken.user_id == user.id))
    db.session.execute(delete(TopicRead).where(TopicRead.user_id == user.id))
    db.session.execute(delete(PostDeletion).where(PostDeletion.member_id == user.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.addressed_to(user.email)))
    # The requests stay for the staff who answered them, without anything that points back.
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.user_id == user.id)
        .values(user_id=None, email=None, ip=None, network_tag=None)
    )
    # A complaint that named them stays for the admins, naming no one now.
    db.session.execute(
        update(SupportRequest).where(SupportRequest.about_id == user.id).values(about_id=None)
    )
    db.session.execute(delete(Notice).where(Notice.member_id == user.id))
    db.session.execute(delete(Watch).where(Watch.member_id == user.id))
    db.session.execute(update(Notice).where(Notice.actor_id == user.id).values(actor_id=None))
    # What staff wrote to the member was theirs to read: the log keeps that a message went.
    db.session.execute(
        update(ModerationLog).where(ModerationLog.member_id == user.id).values(message=None)
    )
    # The logs keep what staff did, no longer whom it concerned (the database's ON DELETE
    # SET NULL does the same; done here so that it holds whatever the engine's settings).
    for column in (ModerationLog.member_id, ModerationLog.actor_id):
        db.session.execute(update(ModerationLog).where(column == user.id).values({column: None}))
    for column in (RevealLog.subject_id, RevealLog.staff_id):
        db.session.execute(update(RevealLog).where(column == user.id).values({column: None}))
    # Disclosure records keep their counts for the transparency page, not the member.
    transparency.forget_member(user)
    db.session.execute(delete(User).where(User.id == user.id))
    told.discard(user.id)
    notices.recount(told)
    if user in db.session:
        db.session.expunge(user)


def wipe_deleted_data() -> None:
    """On SQLite, move everything out of the write-ahead log and truncate it, so that what a
    deletion removed (already zeroed in the database by secure_delete) is not left in the
    -wal file either. Run after the deletion is committed; nothing to do on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _erase_posts(user: User, topic_ids: set[int]) -> None:
    """Delete the member's posts, then topics left empty; fix the topics' counters."""
    thanks.forget_thanks_for(select(Post.id).where(Post.author_id == user.id))
    db.session.execute(delete(Post).where(Post.author_id == user.id))
    left = select(Post.id).where(Post.topic_id == Topic.id).exists()
    empty = set(db.session.scalars(select(Topic.id).where(Topic.id.in_(topic_ids), ~left)))
    if empty:
        db.session.execute(
            update(Category).where(Category.last_topic_id.in_(empty)).values(last_topic_id=None)
        )
        db.session.execute(delete(Topic).where(Topic.id.in_(empty)))
    for topic_id in topic_ids - empty:
        recount_topic(topic_id)
