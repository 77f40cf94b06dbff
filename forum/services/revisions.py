"""Revisions: the text of a post before each edit, by its author or by a moderator."""

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, PostRevision, User, utcnow


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
    """A post's earlier texts, newest first, with who changed them."""
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post_id)
            .options(joinedload(PostRevision.editor))
            .order_by(PostRevision.edited_at.desc(), PostRevision.id.desc())
        )
    )
