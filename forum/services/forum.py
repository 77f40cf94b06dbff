"""Reading and writing the forum: categories, topics and posts.

Writers flush and leave the commit to their caller; readers issue a fixed, small
number of queries whatever the size of the forum.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import format_datetime, format_number, get_timezone
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db, read_columns
from ..models import Category, Post, Topic, User, utcnow
from . import Forbidden, NotFound, ServiceError, images, network, notifications, watching
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


# Statements run on every view are built once: building one costs more than running it.
_CATEGORIES_REVISION = select(
    func.count(Category.id), func.coalesce(func.sum(Category.revision), 0)
)


def categories_revision() -> tuple[int, int]:
    """What keys the cached index: the number of categories and the sum of their revision
    counters, which every change to a category or its topics raises (one small query)."""
    count, total = read_columns(_CATEGORIES_REVISION).one()
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


_CATEGORY_BY_SLUG = select(Category).where(Category.slug == bindparam("slug"))


def category_by_slug(slug: str) -> Category:
    """The category with this slug, or NotFound."""
    category = db.session.scalar(_CATEGORY_BY_SLUG, {"slug": slug})
    if category is None:
        raise NotFound(_("There is no such category."))
    return category


def category_for_page(slug: str, viewer: User | None) -> tuple[Category, int]:
    """The category with this slug and how many topics its pages list for the viewer
    (hidden ones too for staff, counted in the same query), or NotFound."""
    if not _is_staff(viewer):
        category = category_by_slug(slug)
        return category, category.topic_count
    every = select(func.count()).where(Topic.category_id == Category.id).scalar_subquery()
    row = db.session.execute(select(Category, every).where(Category.slug == slug)).first()
    if row is None:
        raise NotFound(_("There is no such category."))
    return row[0], row[1]


def category_page(category: Category, total: int, raw_page: str | None, viewer) -> Page:
    """A page of a category's topics (`total` of them, see category_for_page): pinned
    first, then by latest activity."""
    per_page = current_app.config["TOPICS_PER_PAGE"]
    query = select(Topic).where(Topic.category_id == category.id)
    if not _is_staff(viewer):
        query = query.where(Topic.hidden.is_(False))
    pages = page_count(total, per_page)
    number = page_number(raw_page, pages)
    topics = db.session.scalars(
        query.options(joinedload(Topic.author), joinedload(Topic.last_poster))
        .order_by(Topic.pinned.desc(), Topic.last_post_at.desc(), Topic.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page)
    )
    return Page(list(topics), number, pages)


def visible_topic(topic_id: int, viewer: User | None) -> Topic:
    """A topic with its category, or NotFound when it does not exist or is hidden from viewer."""
    topic = db.session.scalar(
        select(Topic).where(Topic.id == topic_id).options(joinedload(Topic.category))
    )
    if topic is None or (topic.hidden and not _is_staff(viewer)):
        raise NotFound(_("There is no such topic."))
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
        raise NotFound(_("There is no such post."))
    return post, (post.position - 1) // current_app.config["POSTS_PER_PAGE"] + 1


def _check_title(title: str) -> str:
    title = clean_line(title or "")
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        raise ServiceError(
            _(
                "A title is %(title_min)s to %(title_max)s characters long.",
                title_min=TITLE_MIN,
                title_max=TITLE_MAX,
            ),
            field="title",
        )
    return title


def check_body(body: str) -> str:
    body = clean_body(body or "")
    limit = current_app.config["MAX_POST_LENGTH"]
    if not body.strip():
        raise ServiceError(_("A post needs some text."), field="body")
    if len(body) > limit:
        raise ServiceError(
            _(
                "A post is at most %(limit)s characters; this one has %(length)s.",
                limit=format_number(limit),
                length=format_number(len(body)),
            ),
            field="body",
        )
    return body


def _check_can_write(author: User, category: Category | int | None = None) -> None:
    """Refuse visitors, suspended members, and (given its category) an archived category."""
    if not (author and author.is_authenticated):
        raise Forbidden(_("Only members can write."))
    if author.suspended():
        until = f"{format_datetime(author.suspended_until, 'medium')} {get_timezone()}"
        raise Forbidden(
            _(
                "You are suspended until %(until)s: %(reason)s",
                until=until,
                reason=author.suspension_reason,
            )
        )
    if isinstance(category, int):
        archived = db.session.scalar(select(Category.archived).where(Category.id == category))
    else:
        archived = category is not None and category.archived
    if archived:
        raise Forbidden(_("This category is archived: it takes no new topics or replies."))


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
        raise Forbidden(
            _("Only staff start topics in %(name)s; every member may reply.", name=category.name)
        )


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
        raise NotFound(_("There is no such topic."))
    if topic.locked:
        raise Forbidden(_("This topic is locked: it takes no more replies."))
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
    html, names, quoted = notifications.render(body)
    post = Post(
        topic_id=topic.id,
        author_id=author.id,
        position=position,
        body=body,
        html=html,
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
    if not held:
        watching.auto_watch(author, topic.id, new_topic=position == 1)
        notifications.post_written(post, topic, author, names, quoted)
    db.session.expire(topic)
    return post


def get_post_for_edit(post_id: int, editor: User) -> Post:
    """A post its author may edit, with its topic."""
    post, _page = locate_post(post_id, editor)
    if post.deleted:
        raise NotFound(_("This post was deleted."))
    if post.author_id != editor.id:
        raise Forbidden(_("You can edit only your own posts."))
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
        raise Forbidden(_("This topic is locked: its posts can no longer be edited."))
    if archived:
        raise Forbidden(_("This category is archived: its posts can no longer be edited."))


def edit_own_post(post: Post, editor: User, body: str) -> Post:
    """Change a post's text and render it again; the caller commits."""
    if post.deleted:
        raise NotFound(_("This post was deleted."))
    if post.author_id != editor.id:
        raise Forbidden(_("You can edit only your own posts."))
    _check_can_edit(post, editor)
    body = check_body(body)
    if body != post.body:
        keep_revision(post, editor)
        before, post.body = post.body, body
        post.html = notifications.render(body)[0]
        post.edited_at = utcnow()
        images.attach(body)
        touch_topic(post.topic_id)
        topic = db.session.get(Topic, post.topic_id)
        notifications.post_edited(post, topic, editor, before, body)
    return post


def quote_source(post_id: int, writer: User) -> tuple[Post, str]:
    """A visible post and its text quoted for a reply, attributed and linked:
    `> **@ada** [wrote](/p/123):` then its lines (Forbidden where no reply can go)."""
    post, _page = locate_post(post_id, writer)
    if post.deleted:
        raise NotFound(_("This post was deleted."))
    _check_can_write(writer, post.topic.category_id)
    if post.topic.locked:
        raise Forbidden(_("This topic is locked: it takes no more replies."))
    author = db.session.get(User, post.author_id) if post.author_id else None
    who = f"**@{author.username}**" if author else "A former member"
    lines = [f"> {who} [wrote](/p/{post.id}):", ">"]
    lines += [f"> {line}".rstrip() for line in post.body.splitlines()]
    return post, "\n".join(lines) + "\n\n"
