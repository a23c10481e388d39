"""Statements built once per process and run again with new values: the district page's queries.

Building a SQLAlchemy statement and working out its cache key costs more Python than SQLite spends
running it (needs attention's seven statements: ≈ 9 ms of building for ≈ 4 ms of SQL); SQLAlchemy
only saves the compiling. So each statement here is built once for every *shape* of the conditions
it is given (the viewer's visibility and the filters: which ones, not their values, as SQLAlchemy's
own cache key tells them apart), with named parameters for its values, and later requests only
pass the values.

``Where`` holds a request's conditions and their shape (one cache key per request, shared by every
statement built on it); ``run(name, where, build, **params)`` runs ``build(conditions)`` (built
once per shape) with the conditions' current values and ``params`` (the statement's own named
``bindparam``s: the clock, a district, a limit).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.sql import visitors

from tracker.db import db

MAX_STATEMENTS = 500  # a bound: a condition whose SQL follows a value (never seen so far) adds shapes
_PREFIX = "where_"
_BUILT: dict[tuple, sa.Executable] = {}


class Where:
    """WHERE conditions, with their shape (``None``: SQLAlchemy cannot key them) and values."""

    def __init__(self, conditions):
        self.conditions = list(conditions)
        key = sa.and_(sa.true(), *self.conditions)._generate_cache_key()
        self.shape = None if key is None else key.key
        self.binds = () if key is None else tuple(key.bindparams)

    def values(self) -> dict[str, object]:
        return {f"{_PREFIX}{i}": b.effective_value for i, b in enumerate(self.binds)}

    def named(self) -> list:
        """The conditions with each value a named parameter (``where_0``…), in the cache key's order."""
        names = {id(b): f"{_PREFIX}{i}" for i, b in enumerate(self.binds)}

        def rename(element, **_kw):
            if isinstance(element, sa.BindParameter) and id(element) in names:
                return sa.bindparam(names[id(element)], type_=element.type, expanding=element.expanding,
                                    required=True)
            return None

        return [visitors.replacement_traverse(c, {}, rename) for c in self.conditions]


def statement(name: str, where: Where, build: Callable[[list], sa.Executable]) -> sa.Executable:
    """``build``'s statement for ``where``'s shape: built once per process and shape."""
    if where.shape is None:
        return build(where.conditions)
    key = (name, where.shape)
    found = _BUILT.get(key)
    if found is None:
        found = build(where.named())
        if len(_BUILT) < MAX_STATEMENTS:
            _BUILT[key] = found
    return found


def run(name: str, where: Where, build: Callable[[list], sa.Executable], **params) -> sa.CursorResult:
    """Run ``build(conditions)`` for ``where`` (built once per shape) with its values and ``params``."""
    stmt = statement(name, where, build)
    values = where.values() if where.shape is not None else {}
    return db.session.connection().execute(stmt, {**values, **params})
