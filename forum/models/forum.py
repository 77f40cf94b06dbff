"""The forum itself: categories hold topics, topics hold posts, posts keep earlier revisions."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogs import N_
from ..extensions import db
from ..sealing import Sealed
from .base import ip_address, network_tag, personal, utcnow
from .user import User


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    # An archived category stays readable but takes no new topics or replies.
    archived: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Who may start topics here: "everyone" (members) or "staff" only; anyone may reply.
    topic_starters: Mapped[str] = mapped_column(
        String(16), default="everyone", server_default="everyone"
    )
    # Counters kept on the row so the index page is one query.
    topic_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    post_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_post_at: Mapped[datetime | None]
    # Bumped by every write that changes what the category page shows (pagecache keys on it).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL", use_alter=True)
    )

    last_topic: Mapped["Topic | None"] = relationship(
        foreign_keys=[last_topic_id], post_update=True, lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Topic(db.Model):
    __tablename__ = "topics"
    __table_args__ = (
        # The category page: pinned first, then by latest activity.
        Index("ix_topics_category_listing", "category_id", "pinned", "last_post_at"),
        Index("ix_topics_last_post_at", "last_post_at"),
        # Hidden topics, which are few: search leaves their posts out by this set.
        Index(
            "ix_topics_hidden", "id", sqlite_where=text("hidden"), postgresql_where=text("hidden")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(
        String(200),
        info=personal(
            "content",
            N_("the title of a topic you started, shown to everyone"),
            N_("until you or a moderator delete it, or you delete your account"),
            N_("everyone (hidden topics: staff only)"),
            purge="account-deletion",
        ),
    )
    slug: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Visible posts, for display; last_position numbers every post ever made, for paging.
    post_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The position of the latest post readers may see (not hidden, held or deleted): what
    # "unread" compares reading progress with (services/latest.py).
    last_visible_position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Bumped by every write to the topic or its posts (pagecache keys on it).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pinned: Mapped[bool] = mapped_column(default=False, server_default=false())
    locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    hidden: Mapped[bool] = mapped_column(default=False, server_default=false())

    category: Mapped[Category] = relationship(foreign_keys=[category_id], lazy="raise")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Topic {self.id} {self.slug}>"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        # Pages of a topic are ranges of positions: no OFFSET scan, whatever the page.
        UniqueConstraint("topic_id", "position", name="uq_posts_topic_position"),
        Index("ix_posts_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(
        Text,
        info=personal(
            "content",
            N_("the post you wrote, shown to everyone"),
            N_("until you or a moderator delete it, or you delete your account"),
            N_("everyone (hidden posts: staff only)"),
            purge="account-deletion",
        ),
    )
    # Rendered and sanitized once, when the post is written: the same words as `body`.
    html: Mapped[str] = mapped_column(
        Text,
        info=personal(
            "content",
            N_("the post you wrote, prepared for display"),
            N_("exactly as long as the post it is made from"),
            N_("everyone (hidden posts: staff only)"),
            purge="account-deletion",
        ),
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    hidden: Mapped[bool] = mapped_column(default=False, server_default=false())
    ip: Mapped[str | None] = mapped_column(
        Sealed("ip"),
        info=ip_address(
            N_("looking into abuse of posting; never used to identify visitors"),
            purge="remove_old_ips",
        ),
    )
    network_tag: Mapped[str | None] = mapped_column(
        String(16), info=network_tag(purge="remove_old_ips")
    )
    # A deleted post keeps its place (and permalink) with its words erased; `deleted_by`
    # says who deleted it ("author" or "moderator"), for the placeholder shown instead.
    deleted_at: Mapped[datetime | None]
    deleted_by: Mapped[str | None] = mapped_column(String(16))
    # How many members thanked the post (models/thanks.py), kept on the row for the page.
    thank_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    topic: Mapped[Topic] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(lazy="raise")

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def __repr__(self) -> str:
        return f"<Post {self.id} in {self.topic_id}>"


class PostRevision(db.Model):
    """A post's text before an edit, kept for staff (by its author or by a moderator)."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(
        Text,
        info=personal(
            "content",
            N_("earlier versions of a post you edited, so moderators can see what changed"),
            N_("as long as the post; erased with it"),
            N_("moderators and admins"),
            purge="account-deletion",
        ),
    )
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    editor: Mapped[User | None] = relationship(lazy="raise")


class PostDeletion(db.Model):
    """A member deleting one of their own posts: kept for their own history (their data
    export), never shown to staff. No words of the post are kept."""

    __tablename__ = "post_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"),
        index=True,
        info=personal(
            "activity",
            N_("your own record of the posts you deleted, for your data export"),
            N_("until you delete your account"),
            N_("you only"),
            purge="account-deletion",
        ),
    )
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    # The whole topic went with it (a first post without replies).
    whole_topic: Mapped[bool] = mapped_column(default=False, server_default=false())
