"""The head of a topic or category request: the few columns that route it and key its
cached page, with the viewer's own facts (how far they read a topic, whether they watch it,
what they thanked) in the same one query. No ORM entity: the page's own queries load those
when the page is rendered, which the page cache makes rare."""

from flask_babel import gettext as _
from sqlalchemy import Select, String, bindparam, cast, func, null, select

from ..extensions import db, read_columns
from ..models import Category, Thanks, Topic, TopicRead, User, Watch
from . import NotFound


def _is_staff(viewer: User | None) -> bool:
    return bool(viewer and viewer.is_staff)


_HEAD = (Topic.id, Topic.slug, Topic.revision, Topic.last_position, Topic.hidden)
# Built once: constructing a statement costs more than running it on every topic view.
_HEAD_FOR_VISITOR = select(
    *_HEAD, null().label("seen"), null().label("watch"), null().label("thanked")
).where(Topic.id == bindparam("topic"))


def _head_for_member(ids_joined) -> Select:
    # `thanked`: the ids of the posts the member thanked in the topic, "3,17", for the
    # thanks buttons (services/thanks.thanked_in), in this query rather than one more.
    thanked = (
        select(ids_joined)
        .where(Thanks.member_id == bindparam("user"), Thanks.topic_id == Topic.id)
        .scalar_subquery()
    )
    return (
        select(
            *_HEAD,
            TopicRead.seen_position.label("seen"),
            Watch.id.label("watch"),
            thanked.label("thanked"),
        )
        .outerjoin(
            TopicRead,
            (TopicRead.topic_id == Topic.id) & (TopicRead.user_id == bindparam("user")),
        )
        .outerjoin(Watch, (Watch.topic_id == Topic.id) & (Watch.member_id == bindparam("user")))
        .where(Topic.id == bindparam("topic"))
    )


_HEAD_FOR_MEMBER = {
    "sqlite": _head_for_member(func.group_concat(Thanks.post_id)),
    "postgresql": _head_for_member(func.string_agg(cast(Thanks.post_id, String), ",")),
}


def topic_head(topic_id: int, viewer: User | None):
    """The few columns that route a topic request and key its cached page (no ORM entity).

    A row with id, slug, revision, last_position, hidden, and `seen`: how far a signed-in
    viewer had read the topic (None for visitors and on a first visit), `watch` (not None
    when they watch it) and `thanked`, the posts they thanked in it, in the same query.
    NotFound as for visible_topic.
    """
    if viewer is not None and viewer.is_authenticated:
        statement = _HEAD_FOR_MEMBER[db.engine.dialect.name]
        head = read_columns(statement, {"topic": topic_id, "user": viewer.id})
    else:
        head = read_columns(_HEAD_FOR_VISITOR, {"topic": topic_id})
    head = head.first()
    if head is None or (head.hidden and not _is_staff(viewer)):
        raise NotFound(_("There is no such topic."))
    return head


_CATEGORY_HEAD = (Category.id, Category.slug, Category.revision, Category.topic_count)
_CATEGORY_FOR_VISITOR = select(*_CATEGORY_HEAD, null().label("watch")).where(
    Category.slug == bindparam("slug")
)
_CATEGORY_FOR_MEMBER = (
    select(*_CATEGORY_HEAD, Watch.id.label("watch"))
    .outerjoin(Watch, (Watch.category_id == Category.id) & (Watch.member_id == bindparam("member")))
    .where(Category.slug == bindparam("slug"))
)


def category_head(slug: str, viewer: User | None):
    """A row with the category's id, slug, revision and topic_count, and `watch` (not None
    when a signed-in viewer watches it), or NotFound."""
    if viewer is not None and viewer.is_authenticated:
        row = read_columns(_CATEGORY_FOR_MEMBER, {"slug": slug, "member": viewer.id})
    else:
        row = read_columns(_CATEGORY_FOR_VISITOR, {"slug": slug})
    head = row.first()
    if head is None:
        raise NotFound(_("There is no such category."))
    return head
