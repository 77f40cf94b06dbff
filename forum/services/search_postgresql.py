"""The PostgreSQL search engine behind services/search.py: generated tsvector columns.

Its SQL is built from fixed fragments; what the visitor typed reaches the database only as
bound parameters.
"""
# Every SQL fragment below is a constant of this module; user input is only ever bound.
# ruff: noqa: S608

from sqlalchemy import text

from ..extensions import reading
from .search_engines import _DETAILS_COLUMNS, HIT_COLUMNS, START, STOP, Engine, Hit, _statement

# ts_headline drops whatever its parser takes for an HTML tag; stored text never holds \x01,
# so "<" travels as \x01 and comes back in details() before the snippet is escaped.
LT = "\x01"
ANSWER_TEXT = "a.question || ' ' || a.answer_source"


def _untag(column: str) -> str:
    return f"replace({column}, '<', chr(1))"


def _untagged(hits: list[Hit]) -> list[Hit]:
    """The hits with their "<" back (see LT)."""
    for hit in hits:
        hit.title_html = hit.title_html.replace(LT, "<")
        hit.snippet = hit.snippet.replace(LT, "<")
    return hits


# Whether the matches of an unfiltered search's words were all ranked the last time this
# process ran it (fewer than SEARCH_CANDIDATES), by a hash of the words (words(): the words
# themselves are not kept). Bounded: emptied when full.
_ALL_RANKED: dict[int, bool] = {}
_REMEMBERED = 4096


def words(query) -> int:
    """The key of a search's words in _ALL_RANKED: Python's hash, salted per process. Two
    searches with one hash (one chance in 2**64) would only share a plan, never results."""
    return hash((query.phrases, query.excluded))


# A page of hits with their details, around the ranking: the columns of Hit (HIT_COLUMNS,
# one CASE for all kinds), then score and total; {q} is the tsquery, built once.
PAGE_HITS = (
    "SELECT page.kind, page.id, coalesce(p.created_at, t.created_at, a.published_at) AS at, "
    "coalesce(t.title, a.title) AS title, "
    "CASE page.kind WHEN 'post' THEN t.title "
    f"WHEN 'topic' THEN ts_headline('english', {_untag('t.title')}, {{q}}, :headline_all) "
    f"ELSE ts_headline('english', {_untag('a.title')}, {{q}}, :headline_all) END AS title_html, "
    f"CASE page.kind WHEN 'post' THEN ts_headline('english', {_untag('p.body')}, {{q}}, "
    f":headline) WHEN 'answer' THEN ts_headline('english', {_untag(ANSWER_TEXT)}, {{q}}, "
    ":headline) ELSE '' END AS snippet, t.id AS topic_id, coalesce(t.slug, a.slug) AS slug, "
    "(SELECT username FROM users AS u "
    "WHERE u.id = CASE page.kind WHEN 'post' THEN p.author_id ELSE t.author_id END) AS author, "
    "c.name AS category, (coalesce(p.hidden, false) OR coalesce(t.hidden, false)) "
    "AS hidden, page.score, page.total FROM ({ranking}) AS page "
    "LEFT JOIN posts AS p ON page.kind = 'post' AND p.id = page.id "
    "LEFT JOIN topics AS t "
    "ON t.id = CASE page.kind WHEN 'post' THEN p.topic_id WHEN 'topic' THEN page.id END "
    "LEFT JOIN categories AS c ON c.id = t.category_id "
    "LEFT JOIN support_answers AS a ON page.kind = 'answer' AND a.id = page.id"
)
_PAGE_COLUMNS = ("kind", *_DETAILS_COLUMNS, "score", "total")


class PostgreSQLEngine(Engine):
    """Generated tsvector columns (search_vector) with GIN indexes, 'english' configuration."""

    # One generic plan cannot rank both a rare word and a common one (forum/__init__.py),
    # unless the search is known to be rare (plans_once).
    plans_each_ranking = True
    ids_as_array = True
    _once = False

    HEADLINE = f"StartSel={START}, StopSel={STOP}, MaxWords=32, MinWords=12"
    HEADLINE_ALL = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"

    def query_params(self, query) -> dict:
        params = {f"w{n}": " ".join(words) for n, words in enumerate(query.phrases)}
        params |= {f"x{n}": " ".join(words) for n, words in enumerate(query.excluded)}
        self._tsquery = " && ".join(
            [f"phraseto_tsquery('english', :w{n})" for n in range(len(query.phrases))]
            + [f"!!phraseto_tsquery('english', :x{n})" for n in range(len(query.excluded))]
        )
        return params | {"headline": self.HEADLINE, "headline_all": self.HEADLINE_ALL}

    def plans_once(self, asked) -> bool:
        """A search with no filter, for words whose matches were all ranked the last time
        (fewer than SEARCH_CANDIDATES), is ranked by a statement with one plan for any
        words: PostgreSQL plans it once per connection, not on every search. That statement
        reads the page's details too (hits()).

        Planning the ranking cost a rare word's search more than a third of its SQL. The
        one plan reads the words' matches through the full-text index and sorts them, the
        best plan for up to many thousands of matches (for 8,730 it took half the time of
        the plan made for those words); for a word in half the posts it would read them
        all, so a word never seen, or seen with more matches than are ranked, is planned
        for its own words as before. Its words reach the planner as an InitPlan, unseen,
        and ordering by `id + 0` leaves no plan but the index's.
        """
        narrowed = asked.filters.narrowed
        self._once = not narrowed and _ALL_RANKED.get(words(asked.query), False)
        return self._once

    def observe(self, asked, ranked, all_ranked) -> None:
        if asked.filters.narrowed or (asked.offset and not ranked):
            return
        if len(_ALL_RANKED) >= _REMEMBERED:
            _ALL_RANKED.clear()
        _ALL_RANKED[words(asked.query)] = all_ranked

    def hits(self, asked):
        """A search planned once reads its page's details with its ranking: one statement,
        prepared, planned once, and one round trip rather than two."""
        if not self.plans_once(asked):
            return super().hits(asked)
        params = self.query_params(asked.query) | self.filter_params(
            asked.filters, asked.candidates
        )
        # The page's size is written out: the one plan is then made for twenty rows.
        ranking = self.ranking_sql(asked.filters, asked.staff, str(int(asked.limit)))
        sql = PAGE_HITS.format(ranking=ranking, q=f"(SELECT {self._tsquery})")
        if asked.categories:  # after the page's rows, in the forum's order
            sql += (
                " UNION ALL SELECT 'category', id, NULL, name, NULL, NULL, NULL, slug, NULL, "
                "NULL, NULL, position, NULL FROM categories"
            )
        sql = (
            f"SELECT * FROM ({sql}) AS rows ORDER BY kind = 'category', score, "
            "CASE WHEN kind = 'category' THEN title END, id DESC, kind"
        )
        statement = _statement(sql, _PAGE_COLUMNS)
        rows = reading().execute(statement, params | {"offset": asked.offset}).all()
        # By position: kind and Hit's fields (HIT_COLUMNS' order), then score and total.
        hits = [Hit(*row[:11]) for row in rows if row[0] != "category"]
        total = rows[0][12] if hits else 0
        self.observe(asked, hits, total < asked.candidates)
        listed = [(row[7], row[3]) for row in rows if row[0] == "category"]
        return _untagged(hits), total, (listed if asked.categories else None)

    @property
    def _q(self) -> str:
        """The tsquery as the ranking's arms use it: computed once, unseen by the planner,
        when the ranking is planned once for any words."""
        return f"(SELECT {self._tsquery})" if self._once else self._tsquery

    @property
    def _newest(self) -> str:
        """The arms' order: `+ 0` when planned once, so that no index on id can serve it."""
        return " + 0 DESC" if self._once else " DESC"

    def posts_arm(self, filters, staff):
        return (
            f"SELECT 'post' AS kind, p.id AS id, -ts_rank(p.search_vector, {self._q}) "
            "AS score FROM posts AS p"
            + self.topics_join(filters)
            + f" WHERE p.search_vector @@ ({self._q})"
            + self.where(filters, "p", "created_at", "p.author_id", staff)
            + f" ORDER BY p.id{self._newest} LIMIT :candidates"
        ), "posts"

    def topics_arm(self, filters, staff):
        return (
            f"SELECT 'topic' AS kind, t.id AS id, -ts_rank(t.search_vector, {self._q}) "
            "AS score FROM topics AS t "
            f"WHERE t.search_vector @@ ({self._q})"
            + self.where(filters, "t", "created_at", "t.author_id", staff)
            + f" ORDER BY t.id{self._newest} LIMIT :candidates"
        ), "topics"

    def answers_arm(self, filters):
        # search_vector is NULL for an answer that is not published: it matches nothing.
        return (
            f"SELECT 'answer' AS kind, a.id AS id, -ts_rank(a.search_vector, {self._q}) "
            "AS score FROM support_answers AS a "
            f"WHERE a.search_vector @@ ({self._q})"
            + self.where(filters, "a", "published_at", None, True)
            + f" ORDER BY a.id{self._newest} LIMIT :candidates"
        ), "answers"

    def details_sql(self, kind: str, all_ranked: bool) -> str:
        # Once for the page: psycopg prepares this statement, and a generic plan would
        # otherwise build the tsquery again for every hit.
        q = f"(SELECT {self._tsquery})"
        if kind == "post":
            columns = HIT_COLUMNS["post"].format(
                title_html="t.title",
                snippet=f"ts_headline('english', {_untag('p.body')}, {q}, :headline)",
            )
            source = "posts AS p JOIN topics AS t ON t.id = p.topic_id"
            table = "p"
        elif kind == "topic":
            columns = HIT_COLUMNS["topic"].format(
                title_html=f"ts_headline('english', {_untag('t.title')}, {q}, :headline_all)"
            )
            source = "topics AS t"
            table = "t"
        else:
            columns = HIT_COLUMNS["answer"].format(
                title_html=f"ts_headline('english', {_untag('a.title')}, {q}, :headline_all)",
                snippet=(f"ts_headline('english', {_untag(ANSWER_TEXT)}, {q}, :headline)"),
            )
            source = "support_answers AS a"
            table = "a"
        if kind != "answer":
            source += " JOIN categories AS c ON c.id = t.category_id"
        return f"SELECT {columns} FROM {source} WHERE {table}.id = ANY(:ids)"

    def details(self, query, ranked, all_ranked):
        return _untagged(super().details(query, ranked, all_ranked))

    def reindex(self, progress, batch):
        """The generated columns are always in step: rebuild their GIN indexes (commits)."""
        done = 0
        for table in ("posts", "topics", "support_answers"):
            count = self.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            self.session.execute(text(f"REINDEX INDEX ix_{table}_search_vector"))
            self.session.commit()
            done += count
            progress(count)
        return done
