"""The PostgreSQL search engine behind services/search.py: generated tsvector columns.

Its SQL is built from fixed fragments; what the visitor typed reaches the database only as
bound parameters.
"""
# Every SQL fragment below is a constant of this module; user input is only ever bound.
# ruff: noqa: S608

from sqlalchemy import text

from .search_engines import HIT_COLUMNS, START, STOP, Engine

# ts_headline drops whatever its parser takes for an HTML tag; stored text never holds \x01,
# so "<" travels as \x01 and comes back in details() before the snippet is escaped.
LT = "\x01"
ANSWER_TEXT = "a.question || ' ' || a.answer_source"


def _untag(column: str) -> str:
    return f"replace({column}, '<', chr(1))"


# The words (phrases, excluded) of unfiltered searches whose matches were all ranked the
# last time this process ran them: fewer than SEARCH_CANDIDATES. Bounded: emptied when full.
_ALL_RANKED: dict[tuple, bool] = {}
_REMEMBERED = 4096


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

    def plans_once(self, query, filters) -> bool:
        """A search with no filter, for words whose matches were all ranked the last time
        (fewer than SEARCH_CANDIDATES), is ranked by a statement with one plan for any
        words: PostgreSQL plans it once per connection, not on every search.

        Planning the ranking cost a rare word's search more than a third of its SQL. The
        one plan reads the words' matches through the full-text index and sorts them, the
        best plan for up to many thousands of matches (for 8,730 it took half the time of
        the plan made for those words); for a word in half the posts it would read them
        all, so a word never seen, or seen with more matches than are ranked, is planned
        for its own words as before. Its words reach the planner as an InitPlan, unseen,
        and ordering by `id + 0` leaves no plan but the index's.
        """
        key = (query.phrases, query.excluded)
        self._once = not filters.narrowed and _ALL_RANKED.get(key, False)
        return self._once

    def observe(self, query, filters, all_ranked: bool) -> None:
        if filters.narrowed:
            return
        if len(_ALL_RANKED) >= _REMEMBERED:
            _ALL_RANKED.clear()
        _ALL_RANKED[(query.phrases, query.excluded)] = all_ranked

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
        hits = super().details(query, ranked, all_ranked)
        for hit in hits:
            hit.title_html = hit.title_html.replace(LT, "<")
            hit.snippet = hit.snippet.replace(LT, "<")
        return hits

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
