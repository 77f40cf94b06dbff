"""Full-text search over topic titles, posts and published support answers.

One interface, two engines chosen by the database (services/search_engines.py and
search_postgresql.py): SQLite FTS5 tables kept in step by triggers, or PostgreSQL tsvector
columns with GIN indexes, both created by the migrations. What a visitor types is parsed
here into words, "quoted phrases" and -excluded words; the engines only ever see those
tokens, each quoted or bound as a parameter, so no input can make an engine raise a syntax
error.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from ..extensions import db, read_columns
from ..models import Category, User
from . import NotFound, ServiceError
from .members import find_by_username
from .pagination import Page
from .search_engines import START, STOP, Asked, Engine, Hit, SQLiteEngine
from .search_postgresql import PostgreSQLEngine

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# Letters and digits only: everything else separates words, as in both engines' parsers.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Query:
    """A parsed query: phrases that must match (a word is a phrase of one), phrases that
    must not, and whether the text was shortened to fit the limits."""

    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[tuple[str, ...], ...] = ()
    text: str = ""
    shortened: bool = False

    @property
    def searchable(self) -> bool:
        return bool(self.phrases)


@dataclass(frozen=True)
class Filters:
    """What narrows a search: a category, an author, a date range (since <= at < until)."""

    category_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def forum_only(self) -> bool:
        # Support answers have no category or author: those filters leave them out.
        return self.category_id is not None or self.author_id is not None

    @property
    def narrowed(self) -> bool:
        """Any filter at all: each matching post's row (author, date, topic) is read."""
        return self.forum_only or self.since is not None or self.until is not None


@dataclass(frozen=True)
class Results(Page):
    """A page of hits (`items`), with the pager's fields; `total` counts at most `limit`."""

    total: int
    limit: int
    categories: list | None = None  # (slug, name) of each, when search() was asked for them

    @property
    def hits(self) -> list[Hit]:
        return self.items


def parse_query(raw: str | None, max_length: int | None = None, max_terms: int = 12) -> Query:
    """Words, "quoted phrases" and -excluded words; every other character separates words."""
    max_length = max_length or current_app.config["SEARCH_MAX_QUERY"]
    text = " ".join((raw or "").replace("\x00", " ").split())
    shortened = len(text) > max_length
    text = text[:max_length]
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for match in _TOKEN.finditer(text):
        minus, quoted, plain = match.groups()
        if plain is not None:
            minus, quoted = ("-", plain[1:]) if plain.startswith("-") else ("", plain)
        words = tuple(word.lower() for word in _WORD.findall(quoted))
        if not words:
            continue
        target = excluded if minus else phrases
        if words not in target:
            target.append(words)
    if len(phrases) + len(excluded) > max_terms:
        shortened = True
        phrases = phrases[:max_terms]
        excluded = excluded[: max(0, max_terms - len(phrases))]
    return Query(tuple(phrases), tuple(excluded), text, shortened)


# Built once: the search page asks for it on every view.
_CATEGORY_CHOICES = select(Category.slug, Category.name).order_by(Category.position, Category.name)


def category_choices() -> list:
    """(slug, name) of every category, in the forum's order, for the filter (one query)."""
    return read_columns(_CATEGORY_CHOICES).all()


def resolve_filters(
    category_slug: str | None,
    author: str | None,
    since: date | None,
    until: date | None,
) -> Filters:
    """Turn the form's values into ids and a half-open UTC range; ServiceError names the field."""
    category_id = author_id = None
    if category_slug:
        category_id = db.session.scalar(select(Category.id).where(Category.slug == category_slug))
        if category_id is None:
            raise ServiceError(_("There is no such category."), field="category")
    if author:
        user = find_by_username(author.strip())
        if user is None:
            raise ServiceError(_("No member has that name."), field="author")
        author_id = user.id
    if since and until and since > until:
        raise ServiceError(_("The first date comes after the last one."), field="since")
    return Filters(
        category_id=category_id,
        author_id=author_id,
        since=datetime.combine(since, time()) if since else None,
        # The day after the last one, which the calendar may not have (9999-12-31).
        until=datetime.combine(until, time()) + timedelta(days=1)
        if until and until < date.max
        else None,
    )


def _is_staff(viewer: User | None) -> bool:
    return bool(viewer and viewer.is_staff)


def search(
    query: Query,
    filters: Filters,
    raw_page: str | None,
    viewer: User | None,
    categories: bool = False,
) -> Results:
    """A page of results, best first, then newest (one to three queries); with
    `categories`, also the forum's categories (Results.categories, for the filters' list),
    read by the ranking's statement.

    Hidden posts and topics are left out unless the viewer is staff. Relevance is ranked
    among the SEARCH_CANDIDATES newest matches of each kind, which keeps a search for a
    word found in most posts as fast as one for a rare word; at most SEARCH_MAX_PAGES
    pages are offered.
    """
    from .pagination import parse_page

    config = current_app.config
    per_page, max_pages = config["SEARCH_PER_PAGE"], config["SEARCH_MAX_PAGES"]
    number = parse_page(raw_page)
    if number > max_pages:
        raise NotFound(_("There is no such page."))
    if not query.searchable:
        listed = category_choices() if categories else None
        return Results([], 1, 1, 0, per_page * max_pages, listed)
    asked = Asked(
        query,
        filters,
        staff=_is_staff(viewer),
        candidates=config["SEARCH_CANDIDATES"],
        offset=(number - 1) * per_page,
        limit=per_page,
        categories=categories,
    )
    hits, total, listed = engine_for(db.session).hits(asked)
    limit = per_page * max_pages
    count = max(1, min(max_pages, math.ceil(total / per_page)))
    if not hits and number > 1:
        raise NotFound(_("There is no such page."))
    for hit in hits:
        hit.title_html = highlight(hit.title_html)
        hit.snippet = highlight(hit.snippet)
    return Results(hits, number, count, min(total, limit), limit, listed)


_SENTINEL = re.compile(f"([{START}{STOP}])")
_OUTSIDE = f"[^{START}{STOP}]*"
_PAIRED = re.compile(f"{_OUTSIDE}(?:{START}{_OUTSIDE}{STOP}{_OUTSIDE})*")


def highlight(marked: str | None) -> Markup:
    """Escape an engine's snippet, then turn its sentinel characters into our <mark>.

    The sentinels are control characters that stored text never holds (services/text.py
    removes them); unpaired ones are dropped, so the markup is always balanced.
    """
    # Escaped whole, once: escaping leaves the sentinels as they are, and goes character
    # by character, so this is what escaping each piece between them would give.
    escaped = escape(marked or "")
    if START not in escaped and STOP not in escaped:
        return escaped  # Markup already, and nothing to mark
    escaped = str(escaped)  # str's own replace: Markup's escapes its arguments
    if _PAIRED.fullmatch(escaped):
        # As the engines write them: in pairs, in order (a regex in C, then two replaces).
        return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704
    out: list[str] = []
    inside = False
    for part in _SENTINEL.split(escaped):
        if part == START:
            if not inside:
                out.append("<mark>")
                inside = True
        elif part == STOP:
            if inside:
                out.append("</mark>")
                inside = False
        else:
            out.append(part)
    if inside:
        out.append("</mark>")
    return Markup("".join(out))  # noqa: S704 (the text was escaped above)


def engine_for(session) -> Engine:
    """The engine of the database (the session is opened only when the engine writes)."""
    name = db.engine.dialect.name
    if name == "sqlite":
        return SQLiteEngine(session)
    if name == "postgresql":
        return PostgreSQLEngine(session)
    raise RuntimeError(f"search supports SQLite and PostgreSQL, not {name}")


def reindex(progress: Callable[[int], None] = lambda n: None, batch: int = 5000) -> int:
    """Rebuild every search index from the tables; commits. Returns the rows indexed."""
    return engine_for(db.session).reindex(progress, batch)


def index_size() -> int:
    """How many rows reindex() will go through (for a progress bar)."""
    return engine_for(db.session).index_size()


# Names the migrations create outside the SQLAlchemy metadata (FTS5 tables, their shadow
# tables and posts_unlisted on SQLite, tsvector columns and GIN indexes on PostgreSQL).
SEARCH_TABLE = re.compile(r"^((posts|topics|support_answers)_fts(_\w+)?|posts_unlisted)$")
SEARCH_NAMES = {
    "search_vector",
    "ix_posts_search_vector",
    "ix_topics_search_vector",
    "ix_support_answers_search_vector",
}


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name hook: autogenerate and the schema test ignore the indexes."""
    if type_ == "table" and name and SEARCH_TABLE.match(name):
        return False
    return name not in SEARCH_NAMES
