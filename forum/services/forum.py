"""Reading and writing the forum: categories, topics and posts.

Writers flush and leave the commit to their caller; readers issue a fixed, small
number of queries whatever the size of the forum.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, String, bindparam, cast, func, null, select, update
from sqlalchemy.orm import joinedload

from .. import markdown
from ..extensions import db
from ..models import Category, Post, Thanks, Topic, TopicRead, User, utcnow
from . import Forbidden, NotFound, ServiceError, images, network
from .counters import touch_topic
from .pagination import Page, page_count, page_number
from .reports import hold_for_review
from .revisions import keep_revision
from .text import clean_body, clean_line, slugify

TITLE_MIN, TITLE_MAX = 3, 200


def _is_staff(viewer: User | None) -> bool:
    return bool(viewer and viewer.is_staff)


def category_page_number(category: Category, raw_page: str | None) -> int:
    """The page of the category a visitor asks for (NotFound past the last)."""
    return page_number(
        raw_page, page_count(category.topic_count, current_app.config["TOPICS_PER_PAGE"])
    )


def topic_page_number(topic, raw_page: str | None) -> int:
    """The page of the topic asked for, 'last' included (NotFound past the last)."""
    return page_number(raw_page, topic_page_count(topic))


def categories_revision() -> tuple[int, int]:
    """What keys the cached index: the number of categories and the sum of their revision
    counters, which every change to a category or its topics raises (one small query)."""
    count, total = db.session.execute(
        select(func.count(Category.id), func.coalesce(func.sum(Category.revision), 0))
    ).one()
    return count, total


def list_categories() -> list[Category]:
    """Every category with its latest topic and that topic's last poster (one query)."""
    return list(
        db.session.scalars(
            select(Category)
            .options(joinedload(Category.last_topic).joinedload(Topic.last_poster))
            .order_by(Category.position, Category.name)
        )
    )


def category_by_slug(slug: str) -> Category:
    """The category with this slug, or NotFound."""
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise NotFound("There is no such category.")
    return category


def category_page(category: Category, raw_page: str | None, viewer: User | None) -> Page:
    """A page of a category's topics: pinned first, then by latest activity."""
    per_page = current_app.config["TOPICS_PER_PAGE"]
    query = select(Topic).where(Topic.category_id == category.id)
    if _is_staff(viewer):
        total = db.session.scalar(
            select(func.count()).select_from(Topic).where(Topic.category_id == category.id)
        )
    else:
        query = query.where(Topic.hidden.is_(False))
        total = category.topic_count
    pages = page_count(total, per_page)
    number = page_number(raw_page, pages)
    topics = db.session.scalars(
        query.options(joinedload(Topic.author), joinedload(Topic.last_poster))
        .order_by(Topic.pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return Page(list(topics), number, pages)


_HEAD = (Topic.id, Topic.slug, Topic.revision, Topic.last_position, Topic.hidden)
# Built once: constructing a statement costs more than running it on every topic view.
_HEAD_FOR_VISITOR = select(*_HEAD, null().label("seen"), null().label("thanked")).where(
    Topic.id == bindparam("topic")
)


def _head_for_member(ids_joined) -> Select:
    # `thanked`: the ids of the posts the member thanked in the topic, "3,17", for the
    # thanks buttons (services/thanks.thanked_in), in this query rather than one more.
    thanked = (
        select(ids_joined)
        .where(Thanks.member_id == bindparam("user"), Thanks.topic_id == Topic.id)
        .scalar_subquery()
    )
    return (
        select(*_HEAD, TopicRead.seen_position.label("seen"), thanked.label("thanked"))
        .outerjoin(
            TopicRead,
            (TopicRead.topic_id == Topic.id) & (TopicRead.user_id == bindparam("user")),
        )
        .where(Topic.id == bindparam("topic"))
    )


_HEAD_FOR_MEMBER = {
    "sqlite": _head_for_member(func.group_concat(Thanks.post_id)),
    "postgresql": _head_for_member(func.string_agg(cast(Thanks.post_id, String), ",")),
}


def topic_head(topic_id: int, viewer: User | None):
    """The few columns that route a topic request and key its cached page (no ORM entity).

    A row with id, slug, revision, last_position, hidden, and `seen`: how far a signed-in
    viewer had read the topic (None for visitors and on a first visit), and `thanked`, the
    posts they thanked in it, in the same query.
    NotFound as for visible_topic.
    """
    if viewer is not None and viewer.is_authenticated:
        statement = _HEAD_FOR_MEMBER[db.engine.dialect.name]
        head = db.session.execute(statement, {"topic": topic_id, "user": viewer.id})
    else:
        head = db.session.execute(_HEAD_FOR_VISITOR, {"topic": topic_id})
    head = head.first()
    if head is None or (head.hidden and not _is_staff(viewer)):
        raise NotFound("There is no such topic.")
    return head


def visible_topic(topic_id: int, viewer: User | None) -> Topic:
    """A topic with its category, or NotFound when it does not exist or is hidden from viewer."""
    topic = db.session.scalar(
        select(Topic).where(Topic.id == topic_id).options(joinedload(Topic.category))
    )
    if topic is None or (topic.hidden and not _is_staff(viewer)):
        raise NotFound("There is no such topic.")
    return topic


def topic_page_count(topic) -> int:
    """How many pages the topic has (positions number every post, so pages are stable)."""
    return page_count(topic.last_position, current_app.config["POSTS_PER_PAGE"])


def topic_page(topic: Topic, raw_page: str | None, viewer: User | None) -> Page:
    """A page of a topic's posts with their authors, by position range (one query)."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    pages = topic_page_count(topic)
    number = page_number(raw_page, pages)
    first = (number - 1) * per_page + 1
    query = (
        select(Post)
        .where(Post.topic_id == topic.id, Post.position.between(first, first + per_page - 1))
        .options(joinedload(Post.author))
        .order_by(Post.position)
    )
    if not _is_staff(viewer):
        query = query.where(Post.hidden.is_(False))
    return Page(list(db.session.scalars(query)), number, pages)


def locate_post(post_id: int, viewer: User | None) -> tuple[Post, int]:
    """A post and the page of its topic it is on, for permalinks."""
    post = db.session.scalar(select(Post).where(Post.id == post_id).options(joinedload(Post.topic)))
    if post is None or ((post.hidden or post.topic.hidden) and not _is_staff(viewer)):
        raise NotFound("There is no such post.")
    return post, (post.position - 1) // current_app.config["POSTS_PER_PAGE"] + 1


def _check_title(title: str) -> str:
    title = clean_line(title or "")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ServiceError(f"A title is {TITLE_MIN} to {TITLE_MAX} characters long.", field="title")
    return title


def check_body(body: str) -> str:
    body = clean_body(body or "")
    limit = current_app.config["MAX_POST_LENGTH"]
    if not body.strip():
        raise ServiceError("A post needs some text.", field="body")
    if len(body) > limit:
        raise ServiceError(
            f"A post is at most {limit:,} characters; this one has {len(body):,}.", field="body"
        )
    return body


def _check_can_write(author: User, category: Category | int | None = None) -> None:
    """Refuse visitors, suspended members, and (given its category) an archived category."""
    if not (author and author.is_authenticated):
        raise Forbidden("Only members can write.")
    if author.suspended():
        raise Forbidden(
            f"You are suspended until {author.suspended_until:%d %B %Y, %H:%M} UTC: "
            f"{author.suspension_reason}"
        )
    if isinstance(category, int):
        archived = db.session.scalar(select(Category.archived).where(Category.id == category))
    else:
        archived = category is not None and category.archived
    if archived:
        raise Forbidden("This category is archived: it takes no new topics or replies.")


def _held_for_review(author: User, now) -> bool:
    """A new member's first post waits for a moderator when NEW_MEMBER_REVIEW is on."""
    return (
        current_app.config["NEW_MEMBER_REVIEW"]
        and not author.is_staff
        and author.post_count == 0
        and author.created_at > now - timedelta(days=1)
    )


def check_can_start_topic(category: Category, author: User) -> None:
    """Refuse members in a category where only staff start topics (Forbidden)."""
    if category.topic_starters == "staff" and not author.is_staff:
        raise Forbidden(f"Only staff start topics in {category.name}; every member may reply.")


def create_topic(
    category: Category, author: User, title: str, body: str, ip: str | None = None
) -> Topic:
    """Start a topic with its first post; the caller commits.

    A first post held for review hides its topic too, until a moderator approves it.
    """
    _check_can_write(author, category)
    check_can_start_topic(category, author)
    title, body = _check_title(title), check_body(body)
    now = utcnow()
    held = _held_for_review(author, now)
    topic = Topic(
        category_id=category.id,
        author_id=author.id,
        title=title,
        slug=slugify(title),
        created_at=now,
        last_post_at=now,
        last_poster_id=author.id,
        post_count=0,
        last_position=0,
        hidden=held,
    )
    db.session.add(topic)
    db.session.flush()
    if not held:
        db.session.execute(
            update(Category)
            .where(Category.id == category.id)
            .values(topic_count=Category.topic_count + 1, revision=Category.revision + 1)
        )
    _add_post(topic, author, body, now, ip, held)
    return topic


def reply(topic: Topic, author: User, body: str, ip: str | None = None) -> Post:
    """Add a post at the end of a topic; the caller commits."""
    # The category is loaded with the topic by the views; otherwise it is looked up.
    _check_can_write(author, topic.__dict__.get("category") or topic.category_id)
    if topic.hidden and not author.is_staff:
        raise NotFound("There is no such topic.")
    if topic.locked:
        raise Forbidden("This topic is locked: it takes no more replies.")
    now = utcnow()
    return _add_post(topic, author, check_body(body), now, ip, _held_for_review(author, now))


def _add_post(
    topic: Topic, author: User, body: str, now, ip: str | None = None, held: bool = False
) -> Post:
    # One UPDATE ... RETURNING takes the next position: concurrent replies queue on the
    # topic row instead of racing for the same number.
    # A held post takes its position but changes none of the visible counters.
    visible = (
        {}
        if held
        else {
            "post_count": Topic.post_count + 1,
            "last_post_at": now,
            "last_poster_id": author.id,
            "last_visible_position": Topic.last_position + 1,
        }
    )
    position = db.session.execute(
        update(Topic)
        .where(Topic.id == topic.id)
        .values(last_position=Topic.last_position + 1, revision=Topic.revision + 1, **visible)
        .returning(Topic.last_position)
    ).scalar_one()
    post = Post(
        topic_id=topic.id,
        author_id=author.id,
        position=position,
        body=body,
        html=markdown.render_post(body),
        created_at=now,
        hidden=held,
        ip=ip,
        network_tag=network.tag_for(ip, now),
    )
    db.session.add(post)
    images.attach(body)
    db.session.execute(
        update(User).where(User.id == author.id).values(post_count=User.post_count + 1)
    )
    if held:
        db.session.flush()
        hold_for_review(post)
    elif not topic.hidden:
        db.session.execute(
            update(Category)
            .where(Category.id == topic.category_id)
            .values(
                post_count=Category.post_count + 1,
                last_post_at=now,
                last_topic_id=topic.id,
                revision=Category.revision + 1,
            )
        )
    db.session.flush()
    db.session.expire(topic)
    return post


def get_post_for_edit(post_id: int, editor: User) -> Post:
    """A post its author may edit, with its topic."""
    post, _ = locate_post(post_id, editor)
    if post.deleted:
        raise NotFound("This post was deleted.")
    if post.author_id != editor.id:
        raise Forbidden("You can edit only your own posts.")
    _check_can_edit(post, editor)
    return post


def _check_can_edit(post: Post, editor: User) -> None:
    """Refuse a suspended editor, a locked topic and an archived category."""
    _check_can_write(editor)
    locked, archived = db.session.execute(
        select(Topic.locked, Category.archived)
        .join(Category, Category.id == Topic.category_id)
        .where(Topic.id == post.topic_id)
    ).one()
    if locked:
        raise Forbidden("This topic is locked: its posts can no longer be edited.")
    if archived:
        raise Forbidden("This category is archived: its posts can no longer be edited.")


def edit_own_post(post: Post, editor: User, body: str) -> Post:
    """Change a post's text and render it again; the caller commits."""
    if post.deleted:
        raise NotFound("This post was deleted.")
    if post.author_id != editor.id:
        raise Forbidden("You can edit only your own posts.")
    _check_can_edit(post, editor)
    body = check_body(body)
    if body != post.body:
        keep_revision(post, editor)
        post.body = body
        post.html = markdown.render_post(body)
        post.edited_at = utcnow()
        images.attach(body)
        touch_topic(post.topic_id)
    return post
