"""The one paginator: every paged list (pilots, a district's pilots, partners, admin lists).

``?page=`` is read by ``page_number`` (anything but a positive number is page 1; a huge number is
the last page), and ``paginate`` runs two queries whatever the table size: the total and the page.
A page past the end shows the last page; ``Page.requested`` keeps what was asked for, so a route
may redirect instead. Templates render it with ``_macros/pager.html``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from tracker.db import db

MAX_PAGE = 100_000


def page_number(args) -> int:
    """The page asked for in the query string ``args``: ASCII digits only, 1 to ``MAX_PAGE``."""
    value = args.get("page", "")
    if not (value.isascii() and value.isdigit()):
        return 1
    return max(1, min(int(value) if len(value) < 7 else MAX_PAGE, MAX_PAGE))


@dataclass
class Page:
    """One page of ``items`` out of ``total`` rows (``page`` of ``pages``, both from 1)."""

    items: list
    total: int
    page: int
    pages: int
    requested: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def shown_page(page: int, per_page: int, total: int) -> tuple[int, int]:
    """The page shown when ``page`` is asked for (past the end: the last) and the number of pages."""
    pages = max(1, -(-total // per_page))
    return min(max(page, 1), pages), pages


def paginate(stmt, page: int, per_page: int | None = None, *, rows: bool = False,
             total: int | None = None) -> Page:
    """Page ``page`` of ``stmt`` (ordered by the caller), ``per_page`` rows (default ``PAGE_SIZE``).

    ``rows``: the statement selects several columns (``(Partner, count)``); else its first entity.
    ``total``: the row count when the caller knows it already (one query fewer).
    """
    per_page = per_page or current_app.config["PAGE_SIZE"]
    if total is None:
        counted = stmt.order_by(None).subquery()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    current, pages = shown_page(page, per_page, total)
    window = stmt.limit(per_page).offset((current - 1) * per_page)
    items = db.session.execute(window).all() if rows else db.session.scalars(window).unique().all()
    return Page(items=[tuple(r) for r in items] if rows else list(items), total=total, page=current,
                pages=pages, requested=page)
