"""Optimistic locking for every edited entity: pilots, partners, districts, themes, users.

A form carries the ``version`` the user saw; the save is ``UPDATE ... SET version = version + 1
WHERE id = :id AND version = :seen`` and a row count other than 1 means someone saved first.
(SQLAlchemy's ``version_id_col`` fed from the form does not detect this: see STYLE.md.)
"""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.exceptions import BadRequest

from tracker.db import db

MAX_VERSION = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


class Conflict(Exception):
    """The row changed since the user loaded it (its version moved on)."""

    def __init__(self, obj):
        super().__init__(f"{type(obj).__name__} {obj.id}")
        self.obj = obj


def guarded_update(obj, expected_version: int | None, **values) -> None:
    """Bump ``obj``'s version and set ``values`` only if it is still at ``expected_version``
    (``None``: as loaded in this session); raise :class:`Conflict` otherwise.

    The changed attributes are refreshed, so ``obj`` shows the stored row afterwards.
    """
    model = type(obj)
    expected = obj.version if expected_version is None else expected_version
    result = db.session.execute(
        sa.update(model)
        .where(model.id == obj.id, model.version == expected)
        .values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(obj)
    db.session.refresh(obj, ["version", *values])


def posted_version(raw) -> int:
    """The hidden ``version`` field of a form as an int; tampering is a 400, never a 500."""
    raw = raw if isinstance(raw, str) else ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) <= MAX_VERSION:
        raise BadRequest("version")
    return int(raw)
