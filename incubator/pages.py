"""One page helper for every list: the ``page`` query argument, the page size, and the object the ``pager``
macro reads (Flask-SQLAlchemy's pagination interface: ``items``, ``page``, ``pages``, ``total``, ``has_prev``,
``has_next``, ``prev_num``, ``next_num``, ``iter_pages()``).

- ``page_of(query)``: a SELECT of entities, counted and sliced in the database;
- ``rows_page_of(query)``: a SELECT of several columns (an entity and its figures): items are whole rows;
- ``list_page(items)``: a list already computed in Python;
- ``counted_page(total)``: a list the caller reads itself from ``page.offset`` and ``page.per_page`` (a stream
  whose total is known, such as the evaluation's companies).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from .extensions import db


def page_number() -> int:
    """The ``page`` query argument, 1 when absent, not a number or below 1."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def page_of(query, per_page: int | None = None):
    """A page of a SELECT of entities; a page number past the end gives an empty page, as before."""
    return db.paginate(query, page=page_number(), per_page=per_page or page_size(), error_out=False)


class RowPagination(SelectPagination):
    """Pagination of a SELECT whose rows have several columns (an entity and its figures, grouped lists)."""

    def _query_items(self) -> list:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(query).unique().all())


def rows_page_of(query, per_page: int | None = None) -> RowPagination:
    return RowPagination(select=query, session=db.session(), page=page_number(), per_page=per_page or page_size(),
                         error_out=False, count=True)


class Page:
    """A page of a list that is not a SQLAlchemy query, with the same interface; the number is kept within
    the pages there are, so a stale link past the end shows the last page."""

    def __init__(self, page: int, per_page: int, total: int, items: Sequence | None = None):
        self.per_page, self.total = per_page, total
        self.pages = max(1, math.ceil(total / per_page))
        self.page = min(max(page, 1), self.pages)
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1
        self.items = list(items[self.offset:self.offset + per_page]) if items is not None else []

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def iter_pages(self, left_edge=1, right_edge=1, left_current=2, right_current=2):
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or number > self.pages - right_edge
                    or self.page - left_current - 1 < number < self.page + right_current + 1):
                if last + 1 != number:
                    yield None
                yield number
                last = number


def list_page(items: Sequence, per_page: int | None = None) -> Page:
    """The asked-for page of a list computed in Python."""
    return Page(page_number(), per_page or page_size(), len(items), items)


def counted_page(total: int, per_page: int | None = None) -> Page:
    """The asked-for page of ``total`` items the caller reads itself (``page.offset``, ``page.per_page``)."""
    return Page(page_number(), per_page or page_size(), total)
