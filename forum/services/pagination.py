"""Pages of a listing: parsing the page asked for, and a page of rows with what the pager needs."""

import math
from dataclasses import dataclass

from flask_babel import gettext as _

from ..extensions import db
from . import NotFound
from .text import whole_number


@dataclass(frozen=True)
class Page:
    """One page of a listing, with what the pager needs."""

    items: list
    number: int
    count: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def window(self) -> list[int | None]:
        """The page numbers a pager shows: the first, two on each side of this one, the
        last; None where numbers are left out."""
        low, high = max(2, self.number - 2), min(self.count - 1, self.number + 2)
        numbers: list[int | None] = [1]
        if low > 2:
            numbers.append(None)
        numbers.extend(range(low, high + 1))
        if high < self.count - 1:
            numbers.append(None)
        if self.count > 1:
            numbers.append(self.count)
        return numbers


def page_count(items: int, per_page: int) -> int:
    """How many pages `items` rows fill (at least one)."""
    return max(1, math.ceil(items / per_page))


def page_number(raw: str | None, pages: int) -> int:
    """The page asked for, out of `pages` (NotFound past the last)."""
    number = parse_page(raw, last=pages)
    if number > pages:
        raise NotFound(_("There is no such page."))
    return number


def parse_page(raw: str | None, last: int | None = None) -> int:
    """A page number from a URL parameter: digits, or 'last' where the last is known."""
    if raw is None or raw == "":
        return 1
    if raw == "last" and last is not None:
        return last
    number = whole_number(raw)
    if number is None or number < 1:
        raise NotFound(_("There is no such page."))
    return number


def paged(query, count, raw_page: str | None, per_page: int) -> Page:
    """A page of the ordered `query`, `count` rows in all (NotFound past the last page).

    For staff lists and logs, read far less often than the forum: OFFSET is fine there.
    """
    pages = page_count(db.session.scalar(count), per_page)
    number = page_number(raw_page, pages)
    rows = db.session.scalars(query.offset((number - 1) * per_page).limit(per_page))
    return Page(list(rows), number, pages)
