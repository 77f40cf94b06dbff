"""Re-rendering stored HTML from its source text, after a change to the renderer.

Posts, published support answers and announcements are rendered once, when written, and
the HTML is stored (see markdown.py); this brings every stored copy up to date.
"""

from collections.abc import Callable

from sqlalchemy import func, select, update

from .. import markdown
from ..extensions import db
from ..models import Announcement, Post, SupportAnswer, Topic
from . import notifications

# model -> (its source column, its HTML column), all rendered with render_post.
RENDERED = {
    Post: (Post.body, Post.html),
    SupportAnswer: (SupportAnswer.answer_source, SupportAnswer.answer_html),
    Announcement: (Announcement.body, Announcement.html),
}


def rendered_count() -> int:
    """How many rows rerender() goes through (for a progress bar)."""
    return sum(db.session.scalar(select(func.count()).select_from(m)) for m in RENDERED)


def _rerender_batch(model, after: int, batch: int) -> tuple[int, int, int]:
    """Re-render one batch of `model` after id `after`: (last id, rows read, rows changed)."""
    source, html = RENDERED[model]
    extra = (Post.topic_id,) if model is Post else ()
    rows = db.session.execute(
        select(model.id, source, html, *extra)
        .where(model.id > after)
        .order_by(model.id)
        .limit(batch)
    ).all()
    changed, topics = 0, set()
    for row in rows:
        fresh = markdown.render_post(row[1], notifications.members_named if model is Post else None)
        if fresh != row[2]:
            db.session.execute(update(model).where(model.id == row[0]).values({html.key: fresh}))
            changed += 1
            if model is Post:
                topics.add(row[3])
    if topics:  # cached topic pages key on the revision: show the new HTML at once
        db.session.execute(
            update(Topic).where(Topic.id.in_(topics)).values(revision=Topic.revision + 1)
        )
    return (rows[-1][0] if rows else after), len(rows), changed


def rerender(progress: Callable[[int], None] = lambda n: None, batch: int = 500) -> int:
    """Re-render every post, support answer and announcement; commit per batch.

    Returns how many stored copies changed. Only rows whose HTML differs are written.
    """
    changed = 0
    for model in RENDERED:
        after = 0
        while True:
            after, read, done = _rerender_batch(model, after, batch)
            db.session.commit()
            changed += done
            progress(read)
            if read < batch:
                break
    return changed
