"""The head of a topic or category request: the few columns that route it and key its
cached page, with the viewer's own facts (how far they read a topic, whether they watch it,
what they thanked), and the signed-in member themselves, all in one query.

The member: Flask-Login loads the member a session names on first use of current_user
(services/accounts.member_for_session, one query). A page view asks for its head first, so
when the request's member is not loaded yet the head's query loads them too: a member's
topic page is then one query, as a visitor's is. No page entity is loaded: the page's own
queries load those when it is rendered, which the page cache makes rare.
"""

from flask import current_app, g, session
from flask_babel import gettext as _
from flask_login import current_user
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


def _with_member(statements: dict, params: dict):
    """Run statements[_JOINED] for the member the session names, when that member is not
    loaded yet, and make them the request's member (a visitor when the key is stale); the
    row (member first, then the head), or None when the caller must ask for the head alone:
    no session, the member loaded already, or the key named no one."""
    raw = session.get("_user_id")
    if "_login_user" in g or not isinstance(raw, str) or not 0 < len(raw) <= 100:
        return None
    params = {**params, "key": session_key_hash(raw), "now": utcnow()}
    row = db.session.execute(statements[_JOINED], params).first()
    user = row[0] if row is not None else None
    if user is not None:
        user.session_key = raw
    # What Flask-Login's own loading ends with (None: the anonymous visitor).
    current_app.login_manager._update_request_context_with_user(user)
    return row


def _head(statements: dict, params: dict, found):
    """The head row for the request's viewer, or None when `found(row)` says there is no
    such page."""
    row = _with_member(statements, params)
    if row is not None:
        return row if found(row) else None
    if current_user.is_authenticated:
        return read_columns(statements[_BOUND], {**params, "user": current_user.id}).first()
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


def topic_head(topic_id: int):
    """The few columns that route a topic request and key its cached page.

    A row with id, slug, revision, last_position, hidden, and `seen`: how far a signed-in
    viewer had read the topic (None for visitors and on a first visit), `watch` (not None
    when they watch it) and `thanked`, the posts they thanked in it. NotFound as for
    forum.visible_topic.
    """
    statements = _TOPIC[db.engine.dialect.name]
    head = _head(statements, {"topic": topic_id}, lambda row: row.id is not None)
    if head is None or (head.hidden and not _is_staff(current_user)):
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


def category_head(slug: str):
    """A row with the category's id, slug, revision and topic_count, and `watch` (not None
    when a signed-in viewer watches it), or NotFound."""
    head = _head(_CATEGORY, {"slug": slug}, lambda row: row.id is not None)
    if head is None:
        raise NotFound(_("There is no such category."))
    return head
