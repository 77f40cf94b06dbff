"""The search engines behind services/search.py: what both share, and SQLite FTS5
(PostgreSQL's tsvector engine is services/search_postgresql.py).

Each builds its SQL from fixed fragments; what the visitor typed reaches the database only
as bound parameters (PostgreSQL) or as words of letters and digits, each inside double
quotes (the FTS5 MATCH string).
"""
# Every SQL fragment below is a constant of this module; user input is only ever bound.
# ruff: noqa: S608

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from markupsafe import Markup
from sqlalchemy import bindparam, column, text
from sqlalchemy.orm import Session

from .. import extensions
from ..extensions import PLAN_EACH_RUN


@dataclass
class Hit:
    """One result: a topic (its title matched), a post, or a published support answer."""

    # After `kind`, in the order of the columns the engines' details select (HIT_COLUMNS).
    kind: str
    id: int
    at: datetime
    title: str = ""
    title_html: Markup = field(default_factory=Markup)
    snippet: Markup = field(default_factory=Markup)
    topic_id: int | None = None
    slug: str = ""
    author: str | None = None
    category: str | None = None
    hidden: bool = False


# Snippet highlight sentinels: control characters that stored text never holds.
START, STOP = "\x02", "\x03"
KINDS = ("topic", "post", "answer")


@dataclass(frozen=True)
class Asked:
    """What a search asks of an engine: its words and filters, whether staff ask, how
    many of the newest matches of each kind are ranked, which page (offset and size), and
    whether the forum's categories are read with it (the filters' list)."""

    query: object  # services.search.Query
    filters: object  # services.search.Filters
    staff: bool
    candidates: int
    offset: int
    limit: int
    categories: bool = False

    def page_params(self) -> dict:
        return {"limit": self.limit, "offset": self.offset}


class Engine:
    """What both engines share: the ranking statement around their per-kind parts.

    A subclass gives query_params(), posts_arm(), topics_arm(), answers_arm(),
    details_sql() and reindex(progress, batch).
    """

    # Whether the database plans the ranking for each search's words (PostgreSQL).
    plans_each_ranking = False
    # Whether details_sql() takes the page's ids as one array (`= ANY(:ids)`, PostgreSQL:
    # one statement, prepared once, for pages of any size) or as a list (`IN :ids`).
    ids_as_array = False

    def __init__(self, session: Session):
        self.session = session

    def hits(self, asked: "Asked") -> tuple[list[Hit], int, list | None]:
        """One page of hits, best first; how many matches there are in all (at most
        `candidates` of each kind); and, if `categories`, the (slug, name) of every
        category in the forum's order (else None)."""
        ranked, total, listed = self.rank(asked)
        # Fewer matches than candidates: all of them were ranked (the engine reads them so).
        all_ranked = total < asked.candidates
        return self.details(asked.query, ranked, all_ranked=all_ranked), total, listed

    def rank(self, asked: "Asked"):
        """(kind, id) of one page of results, best first, how many there are in all, and,
        if `categories`, the (slug, name) of every category in the forum's order (else
        None), read by the same statement: a round trip less for the search page."""
        query, filters, candidates = asked.query, asked.filters, asked.candidates
        params = self.query_params(query) | self.filter_params(filters, candidates)
        sql = self.ranking_sql(filters, asked.staff)
        if asked.categories:
            # The page's rows first, in their order, then the categories in theirs.
            sql = (
                "SELECT * FROM (SELECT kind, id, score, total, NULL AS slug, NULL AS name "
                f"FROM ({sql}) AS page UNION ALL "
                "SELECT 'category', id, position, NULL, slug, name FROM categories) AS rows "
                "ORDER BY kind = 'category', score, name, id DESC, kind"
            )
        # Read on the request's connection (extensions.reading()), not through the ORM: its
        # execution path, for a text statement, cost as much again as a rare word's query.
        reading = extensions.reading()
        columns = _RANK_COLUMNS + (("slug", "name") if asked.categories else ())
        statement = _statement(sql, columns, plan_each_run=self.plans_each_ranking)
        rows = reading.execute(statement, params | asked.page_params()).all()
        # By position (kind, id, score, total[, slug, name]): a Row's names cost a lookup each.
        ranked = [(row[0], row[1]) for row in rows if row[0] != "category"]
        listed = [(row[4], row[5]) for row in rows if row[0] == "category"]
        total = rows[0][3] if ranked else 0
        self.observe(asked, ranked, total < candidates)
        return ranked, total, (listed if asked.categories else None)

    @staticmethod
    def filter_params(filters, candidates: int) -> dict:
        params = {"candidates": candidates}
        for key in ("category_id", "author_id", "since", "until"):
            params[key] = getattr(filters, key)
        return params

    def ranking_sql(self, filters, staff: bool, limit: str = ":limit") -> str:
        """Kind, id, score and the count of all matches, for one page of them."""
        arms = [self.posts_arm(filters, staff), self.topics_arm(filters, staff)]
        if not filters.forum_only:
            arms.append(self.answers_arm(filters))
        union = " UNION ALL ".join(f"SELECT * FROM ({arm}) AS {kind}" for arm, kind in arms)
        # Ties: the newest first (ids follow creation), which needs no date from the rows;
        # a topic and a post of the same id by kind, so that every page draws the same order.
        return (
            "SELECT kind, id, score, count(*) OVER () AS total "
            f"FROM ({union}) AS hits ORDER BY score, id DESC, kind LIMIT {limit} OFFSET :offset"
        )

    def plans_once(self, asked: "Asked") -> bool:
        """Whether this search's ranking can keep one plan for any words (PostgreSQL)."""
        return False

    def observe(self, asked: "Asked", ranked: list, all_ranked: bool) -> None:
        """What a ranking found: whether every match of its words was among the candidates
        (known unless the page is past the last: no row then tells how many there are)."""

    @staticmethod
    def topics_join(filters) -> str:
        """The posts arm reads its topic only to filter by category."""
        return " JOIN topics AS t ON t.id = p.topic_id" if filters.category_id is not None else ""

    @staticmethod
    def where(filters, table: str, at: str, author: str | None, staff: bool) -> str:
        """The filter conditions of one arm (column names are ours, values are bound)."""
        parts = []
        if filters.category_id is not None:
            parts.append("t.category_id = :category_id")
        if filters.author_id is not None:
            parts.append(f"{author} = :author_id" if author else "1 = 0")
        if filters.since is not None:
            parts.append(f"{table}.{at} >= :since")
        if filters.until is not None:
            parts.append(f"{table}.{at} < :until")
        if table == "p":
            # A deleted post has no words left; its placeholder is found by no one.
            parts.append("p.deleted_at IS NULL")
        if not staff and table == "p":
            # Hidden topics are few and have their own partial index (ix_topics_hidden): a
            # set of them built once per query costs less than a topic lookup per match.
            parts.append(
                "p.hidden = false AND p.topic_id NOT IN (SELECT id FROM topics WHERE hidden)"
            )
        elif not staff and table == "t":
            parts.append("t.hidden = false")
        return "".join(f" AND {part}" for part in parts)

    def details(self, query, ranked: list[tuple[str, int]], all_ranked: bool) -> list[Hit]:
        """The hits of a page in ranked order, with titles, authors and snippets;
        `all_ranked`: every match was among the candidates (there are fewer of them)."""
        found: dict[tuple[str, int], Hit] = {}
        params = self.query_params(query)
        reading = extensions.reading()
        for kind in KINDS:
            ids = [id_ for k, id_ in ranked if k == kind]
            if not ids:
                continue
            statement = _statement(
                self.details_sql(kind, all_ranked),
                _DETAILS_COLUMNS,
                None if self.ids_as_array else "ids",
            )
            # All rows at once: a row at a time through the result cost 5 us a row more.
            for row in reading.execute(statement, params | {"ids": ids}).all():
                # Columns in the order of Hit's fields (see HIT_COLUMNS).
                hit = Hit(kind, *row)
                # Raw SQL on SQLite returns timestamps as text, and booleans as integers.
                if isinstance(hit.at, str):
                    hit.at = datetime.fromisoformat(hit.at)
                hit.hidden = bool(hit.hidden)
                found[(kind, hit.id)] = hit
        return [found[key] for key in ranked if key in found]

    def index_size(self) -> int:
        return sum(
            self.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("posts", "topics", "support_answers")
        )


@lru_cache(maxsize=256)
def _statement(
    sql: str, columns: tuple[str, ...], expanding: str | None = None, plan_each_run: bool = False
):
    """A statement built once per text (engine, filters, kind, number of words), its result
    `columns` named in order (SQLAlchemy then keeps how to read its rows, rather than work
    it out from the driver's description on every run), with the parameter named
    `expanding` bound as a list, and marked PLAN_EACH_RUN if asked. The same object each
    time: SQLAlchemy keys its cache of compiled statements on it, worked out once."""
    statement = text(sql)
    if expanding:
        statement = statement.bindparams(bindparam(expanding, expanding=True))
    statement = statement.columns(*(column(name) for name in columns))
    if plan_each_run:
        statement = statement.execution_options(**{PLAN_EACH_RUN: True})
    return statement


_RANK_COLUMNS = ("kind", "id", "score", "total")
_DETAILS_COLUMNS = tuple(name for name in Hit.__dataclass_fields__ if name != "kind")


# Each kind's details: the fields of Hit after `kind`, in their order. The author is a lookup
# per hit: PostgreSQL would otherwise hash the whole users table for twenty names.
HIT_COLUMNS = {
    "post": "p.id AS id, p.created_at AS at, t.title AS title, {title_html} AS title_html, "
    "{snippet} AS snippet, t.id AS topic_id, t.slug AS slug, "
    "(SELECT username FROM users AS u WHERE u.id = p.author_id) AS author, "
    "c.name AS category, (p.hidden OR t.hidden) AS hidden",
    "topic": "t.id AS id, t.created_at AS at, t.title AS title, {title_html} AS title_html, "
    "'' AS snippet, t.id AS topic_id, t.slug AS slug, "
    "(SELECT username FROM users AS u WHERE u.id = t.author_id) AS author, "
    "c.name AS category, t.hidden AS hidden",
    "answer": "a.id AS id, a.published_at AS at, a.title AS title, "
    "{title_html} AS title_html, {snippet} AS snippet, NULL AS topic_id, a.slug AS slug, "
    "NULL AS author, NULL AS category, false AS hidden",
}


class SQLiteEngine(Engine):
    """FTS5 external-content tables (posts_fts, topics_fts, support_answers_fts)."""

    def query_params(self, query) -> dict:
        def quoted(words):
            return '"' + " ".join(words) + '"'

        match = " ".join(quoted(words) for words in query.phrases)
        if query.excluded:
            match = f"({match})" + "".join(f" NOT {quoted(w)}" for w in query.excluded)
        return {"match": match}

    def posts_arm(self, filters, staff):
        if filters.narrowed:
            source = "posts_fts AS f JOIN posts AS p ON p.id = f.rowid" + self.topics_join(filters)
            where = self.where(filters, "p", "created_at", "p.author_id", staff)
        else:
            # Nothing to read from the posts' rows: what visitors may not find is a probe of
            # posts_unlisted (kept by triggers, migration b7d1e5c3a9f2), a tenth of the cost
            # of reading each match's row and topic. Deleted posts have no words to match.
            source = "posts_fts AS f"
            where = "" if staff else " AND f.rowid NOT IN (SELECT id FROM posts_unlisted)"
        return (
            f"SELECT 'post' AS kind, f.rowid AS id, f.rank AS score FROM {source} "
            f"WHERE f.posts_fts MATCH :match{where} ORDER BY f.rowid DESC LIMIT :candidates"
        ), "posts"

    def topics_arm(self, filters, staff):
        return (
            "SELECT 'topic' AS kind, f.rowid AS id, f.rank AS score "
            "FROM topics_fts AS f JOIN topics AS t ON t.id = f.rowid "
            "WHERE f.topics_fts MATCH :match"
            + self.where(filters, "t", "created_at", "t.author_id", staff)
            + " ORDER BY f.rowid DESC LIMIT :candidates"
        ), "topics"

    def answers_arm(self, filters):
        return (
            "SELECT 'answer' AS kind, f.rowid AS id, f.rank AS score "
            "FROM support_answers_fts AS f JOIN support_answers AS a ON a.id = f.rowid "
            "WHERE f.support_answers_fts MATCH :match AND a.published"
            + self.where(filters, "a", "published_at", None, True)
            + " ORDER BY f.rowid DESC LIMIT :candidates"
        ), "answers"

    def details_sql(self, kind: str, all_ranked: bool) -> str:
        marks = "char(2), char(3)"
        if kind == "post":
            columns = HIT_COLUMNS["post"].format(
                title_html="t.title", snippet=f"snippet(posts_fts, 0, {marks}, '…', 32)"
            )
            source = "posts_fts JOIN posts AS p ON p.id = posts_fts.rowid"
            joins = "JOIN topics AS t ON t.id = p.topic_id"
        elif kind == "topic":
            columns = HIT_COLUMNS["topic"].format(title_html=f"highlight(topics_fts, 0, {marks})")
            source = "topics_fts JOIN topics AS t ON t.id = topics_fts.rowid"
            joins = ""
        else:
            columns = HIT_COLUMNS["answer"].format(
                title_html=f"highlight(support_answers_fts, 0, {marks})",
                snippet=f"snippet(support_answers_fts, -1, {marks}, '…', 32)",
            )
            source = (
                "support_answers_fts JOIN support_answers AS a ON a.id = support_answers_fts.rowid"
            )
            joins = ""
        if kind != "answer":
            joins += " JOIN categories AS c ON c.id = t.category_id"
        fts = source.split(" ", 1)[0]
        # The page's ids: FTS5 looks each one up with the whole query again (20 to 150 us
        # an id), or, with `+` keeping the ids from it, goes once through every match and
        # keeps the page's (0.12 us a match). Going through is cheaper for any word that
        # had all its matches ranked (fewer than SEARCH_CANDIDATES); a rare word's details
        # fell from 0.67 to 0.19 ms. For a common word (615,000 posts) it would be 49 ms.
        ids = f"+{fts}.rowid" if all_ranked else f"{fts}.rowid"
        return f"SELECT {columns} FROM {source} {joins} WHERE {fts} MATCH :match AND {ids} IN :ids"

    def reindex(self, progress, batch):
        """Empty each FTS5 table, then fill it again in batches of rows (commits each)."""
        sources = {
            "posts_fts": ("posts", "body", ""),
            "topics_fts": ("topics", "title", ""),
            "support_answers_fts": (
                "support_answers",
                "title, question, answer_source",
                " AND published",
            ),
        }
        done = 0
        for fts, (table, columns, condition) in sources.items():
            self.session.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')"))
            after = 0
            while True:
                last = self.session.execute(
                    text(
                        f"SELECT max(id) FROM (SELECT id FROM {table} "
                        "WHERE id > :after ORDER BY id LIMIT :n) AS chunk"
                    ),
                    {"after": after, "n": batch},
                ).scalar()
                if last is None:
                    break
                self.session.execute(
                    text(
                        f"INSERT INTO {fts}(rowid, {columns}) SELECT id, {columns} FROM {table} "
                        f"WHERE id > :after AND id <= :last{condition}"
                    ),
                    {"after": after, "last": last},
                )
                count = self.session.execute(
                    text(f"SELECT count(*) FROM {table} WHERE id > :after AND id <= :last"),
                    {"after": after, "last": last},
                ).scalar_one()
                self.session.commit()
                done += count
                progress(count)
                after = last
        self.session.execute(text("INSERT INTO posts_fts(posts_fts) VALUES ('optimize')"))
        # What visitors may not find, from the tables (the triggers keep it from then on).
        self.session.execute(text("DELETE FROM posts_unlisted"))
        self.session.execute(text(UNLISTED_FROM_TABLES))
        self.session.commit()
        return done


UNLISTED_FROM_TABLES = (
    "INSERT INTO posts_unlisted(id) SELECT id FROM posts "
    "WHERE hidden OR topic_id IN (SELECT id FROM topics WHERE hidden)"
)
