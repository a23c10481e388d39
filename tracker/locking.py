"""Optimistic locking for every edited entity: pilots, partners, districts, themes, users.

A form carries the ``version`` the user saw; the save is ``UPDATE ... SET version = version + 1
WHERE id = :id AND version = :seen`` and a row count other than 1 means someone saved first.
(SQLAlchemy's ``version_id_col`` fed from the form does not detect this: see STYLE.md.)
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import BadRequest

from tracker.audit import AuditEntry
from tracker.db import db
from tracker.guards import parse_id


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
    model = obj.__class__  # (also through a proxy such as current_user)
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


def guard_changes(obj, expected_version: int | None, values: dict, relation_changed: bool = False) -> None:
    """:func:`guarded_update` when saving ``values`` (or a changed relation) changes anything; a
    save that changes nothing neither checks nor moves the version."""
    if relation_changed or any(getattr(obj, k) != v for k, v in values.items()):
        guarded_update(obj, expected_version)


def bump(obj) -> None:
    """Move ``obj``'s version on (in SQL, at the next flush) without a check: for changes made
    through another entity's form (a district's coordinators are also their users' districts)."""
    obj.version = obj.__class__.version + 1


def last_change(entity: str, entity_id: int) -> AuditEntry | None:
    """The newest audit entry of one entity: who changed it last, and when (for the 409 page)."""
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .options(joinedload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1)
    ).first()


def posted_version(raw) -> int:
    """The hidden ``version`` field of a form as an int (``parse_id``); tampering is a 400, never a 500."""
    version = parse_id(raw)
    if version is None:
        raise BadRequest("version")
    return version
