"""Categories, as admins keep them: create, rename, describe, reorder, archive. Each change
writes one record to the moderation log; the caller commits."""

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Category, Topic, User
from . import NotFound, ServiceError, require_admin
from .moderation import check_reason, log_action
from .text import clean_line, slugify

CATEGORY_NAME_MAX, CATEGORY_DESCRIPTION_MAX = 80, 500
TOPIC_STARTERS = {"everyone": "Every member", "staff": "Staff only"}


def _check_starters(value: str | None) -> str:
    if value not in TOPIC_STARTERS:
        raise ServiceError(_("Choose who may start topics."), field="topic_starters")
    return value


def _category_fields(name: str, description: str) -> tuple[str, str]:
    name = clean_line(name or "")
    if not 2 <= len(name) <= CATEGORY_NAME_MAX:
        raise ServiceError(
            _(
                "A name is 2 to %(category_name_max)s characters long.",
                category_name_max=CATEGORY_NAME_MAX,
            ),
            field="name",
        )
    description = clean_line(description or "")
    if len(description) > CATEGORY_DESCRIPTION_MAX:
        raise ServiceError(
            _(
                "A description is at most %(category_description_max)s characters.",
                category_description_max=CATEGORY_DESCRIPTION_MAX,
            ),
            field="description",
        )
    return name, description


def _free_slug(name: str, exclude_id: int | None = None) -> str:
    base = slugify(name)[:70] or "category"
    slug, n = base, 1
    while True:
        taken = db.session.scalar(select(Category.id).where(Category.slug == slug))
        if taken is None or taken == exclude_id:
            return slug
        n += 1
        slug = f"{base}-{n}"


def all_categories() -> list[Category]:
    """Every category, archived ones included, in their order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def category_by_id(category_id: int) -> Category:
    """A category by id, archived or not (NotFound if none)."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFound(_("There is no such category."))
    return category


def create_category(
    admin: User, name: str, description: str, topic_starters: str = "everyone"
) -> Category:
    """A new category, last in order; `topic_starters` says who may start topics in it."""
    require_admin(admin)
    name, description = _category_fields(name, description)
    topic_starters = _check_starters(topic_starters)
    last = db.session.scalar(select(func.max(Category.position))) or 0
    category = Category(
        name=name,
        slug=_free_slug(name),
        description=description,
        position=last + 1,
        topic_starters=topic_starters,
    )
    db.session.add(category)
    db.session.flush()
    log_action(admin, "create_category", "", name, category_id=category.id)
    return category


def update_category(
    admin: User,
    category: Category,
    name: str,
    description: str,
    position,
    reason: str = "",
    topic_starters: str | None = None,
) -> None:
    """Rename, describe or reorder a category (a new name gives it a new address), or say
    who may start topics in it (None: unchanged)."""
    require_admin(admin)
    name, description = _category_fields(name, description)
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise ServiceError(_("The position is a whole number."), field="position") from None
    if not 0 <= position <= 10_000:
        raise ServiceError(_("The position is between 0 and 10,000."), field="position")
    changes = []
    if name != category.name:
        changes.append(f"renamed from {category.name}")
        category.name, category.slug = name, _free_slug(name, category.id)
    if description != category.description:
        changes.append("description")
        category.description = description
    if position != category.position:
        changes.append(f"position {position}")
        category.position = position
    if topic_starters is not None and topic_starters != category.topic_starters:
        category.topic_starters = _check_starters(topic_starters)
        changes.append(f"topics started by {TOPIC_STARTERS[topic_starters].lower()}")
    if not changes:
        raise ServiceError(_("Nothing changed."))
    category.revision = Category.revision + 1
    log_action(
        admin,
        "update_category",
        check_reason(reason, False),
        "; ".join(changes),
        category_id=category.id,
    )


def set_category_archived(admin: User, category: Category, archived: bool, reason: str) -> None:
    """An archived category stays readable but takes no new topics or replies."""
    require_admin(admin)
    reason = check_reason(reason, required=False)
    if category.archived == archived:
        raise ServiceError(_("Nothing changed."))
    category.archived = archived
    category.revision = Category.revision + 1
    db.session.execute(
        update(Topic).where(Topic.category_id == category.id).values(revision=Topic.revision + 1)
    )
    action = "archive_category" if archived else "unarchive_category"
    log_action(admin, action, reason, category.name, category_id=category.id)
