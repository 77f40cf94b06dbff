"""The head of a topic or category request: the few columns that route it and key its
cached page, with the viewer's own facts (how far they read a topic, whether they watch it,
what they thanked), and the signed-in member themselves, all in one query.

The member: Flask-Login loads the member a session names on first use of current_user
(services/accounts.member_for_session, one query). A page view asks for its head first, so
when the request's member is not loaded yet the view asks for the head with the session's
key (the *_with_member functions) and the same query reads the member: a member's topic page
is then one query, as a visitor's is. No page entity is loaded: the page's own
queries load those when it is rendered, which the page cache makes rare.
"""

from flask_babel import gettext as _
from sqlalchemy import Select, String, bindparam, cast, func, null, select

from ..extensions import db, read_columns
from ..models import Category, Thanks, Topic, TopicRead, User, Watch, utcnow
from . import NotFound
from .accounts import member_select, session_key_hash

# How the SQL names a member's id: bound (the member is loaded already) or the member
# loaded in the same query.
_BOUND, _JOINED = "bound", "joined"


def _is_staff(viewer: User | None) -> bool:
    return bool(viewer and viewer.is_staff)


def _with_member(statement, params: dict, session_key: str):
    """(member, head) from a statement reading both (None, None: the key names no one)."""
    params = {**params, "key": session_key_hash(session_key), "now": utcnow()}
    row = db.session.execute(statement, params).first()
    if row is None:
        return None, None
    member = row[0]
    member.session_key = session_key
    return member, (row if row.id is not None else None)


def _alone(statements: dict, params: dict, viewer: User | None):
    if viewer is not None and viewer.is_authenticated:
        return read_columns(statements[_BOUND], {**params, "user": viewer.id}).first()
    return read_columns(statements["visitor"], params).first()


_HEAD = (Topic.id, Topic.slug, Topic.revision, Topic.last_position, Topic.hidden)


def _topic_statement(ids_joined, member) -> Select:
    # `thanked`: the ids of the posts the member thanked in the topic, "3,17", for the
    # thanks buttons (services/thanks.thanked_in), in this query rather than one more.
    thanked = (
        select(ids_joined)
        .where(Thanks.member_id == member, Thanks.topic_id == Topic.id)
        .scalar_subquery()
    )
    columns = (
        *_HEAD,
        TopicRead.seen_position.label("seen"),
        Watch.id.label("watch"),
        thanked.label("thanked"),
    )
    if member is User.id:
        statement = member_select(*columns).outerjoin(Topic, Topic.id == bindparam("topic"))
    else:
        statement = select(*columns).where(Topic.id == bindparam("topic"))
    return statement.outerjoin(
        TopicRead, (TopicRead.topic_id == Topic.id) & (TopicRead.user_id == member)
    ).outerjoin(Watch, (Watch.topic_id == Topic.id) & (Watch.member_id == member))


def _topic_statements(ids_joined) -> dict:
    return {
        "visitor": select(
            *_HEAD, null().label("seen"), null().label("watch"), null().label("thanked")
        ).where(Topic.id == bindparam("topic")),
        _BOUND: _topic_statement(ids_joined, bindparam("user")),
        _JOINED: _topic_statement(ids_joined, User.id),
    }


# Built once: constructing a statement costs more than running it on every view.
_TOPIC = {
    "sqlite": _topic_statements(func.group_concat(Thanks.post_id)),
    "postgresql": _topic_statements(func.string_agg(cast(Thanks.post_id, String), ",")),
}


def topic_head(topic_id: int, viewer: User | None):
    """The few columns that route a topic request and key its cached page, or None.

    A row with id, slug, revision, last_position, hidden, and `seen`: how far a signed-in
    viewer had read the topic (None for visitors and on a first visit), `watch` (not None
    when they watch it) and `thanked`, the posts they thanked in it.
    """
    return _alone(_TOPIC[db.engine.dialect.name], {"topic": topic_id}, viewer)


def topic_head_with_member(topic_id: int, session_key: str):
    """(member, head): the member a live session key names, and the topic's head as they
    see it, in one query; (None, None) when the key names no one."""
    statement = _TOPIC[db.engine.dialect.name][_JOINED]
    return _with_member(statement, {"topic": topic_id}, session_key)


def visible_topic_head(head, viewer: User | None):
    """The head, or NotFound when there is no such topic or it is hidden from the viewer."""
    if head is None or (head.hidden and not _is_staff(viewer)):
        raise NotFound(_("There is no such topic."))
    return head


_CATEGORY_HEAD = (Category.id, Category.slug, Category.revision, Category.topic_count)


def _category_statement(member) -> Select:
    if member is User.id:
        statement = member_select(*_CATEGORY_HEAD, Watch.id.label("watch")).outerjoin(
            Category, Category.slug == bindparam("slug")
        )
    else:
        statement = select(*_CATEGORY_HEAD, Watch.id.label("watch")).where(
            Category.slug == bindparam("slug")
        )
    return statement.outerjoin(
        Watch, (Watch.category_id == Category.id) & (Watch.member_id == member)
    )


_CATEGORY = {
    "visitor": select(*_CATEGORY_HEAD, null().label("watch")).where(
        Category.slug == bindparam("slug")
    ),
    _BOUND: _category_statement(bindparam("user")),
    _JOINED: _category_statement(User.id),
}


def category_head(slug: str, viewer: User | None):
    """A row with the category's id, slug, revision and topic_count, and `watch` (not None
    when a signed-in viewer watches it), or None."""
    return _alone(_CATEGORY, {"slug": slug}, viewer)


def category_head_with_member(slug: str, session_key: str):
    """(member, head), as topic_head_with_member."""
    return _with_member(_CATEGORY[_JOINED], {"slug": slug}, session_key)


def existing_category_head(head):
    """The head, or NotFound when there is no such category."""
    if head is None:
        raise NotFound(_("There is no such category."))
    return head
