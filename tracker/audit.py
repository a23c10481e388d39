"""The append-only audit trail: who changed what, from which value to which."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import events
from tracker.db import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The personal access token the change came through (JSON API), None for the web pages.
    token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_tokens.id", ondelete="SET NULL"))

    actor = relationship("User")


def _entry(actor, entity: str, entity_id: int | None, action: str,
           changes: dict[str, tuple[Any, Any]] | None) -> AuditEntry:
    return AuditEntry(actor_id=getattr(actor, "id", None), entity=entity, entity_id=entity_id, action=action,
                      changes={k: [old, new] for k, (old, new) in (changes or {}).items()})


def record(actor, entity: str, entity_id: int | None, action: str,
           changes: dict[str, tuple[Any, Any]] | None = None) -> AuditEntry:
    """Add an audit entry to the session (the caller's transaction commits it).

    ``changes`` hold stored values (see ``tracker/audit_fields.py``, whose ``Fields.record``
    operations call): this function writes them as they are, then announces the entry
    (``tracker.events.recorded``) so search, notifications and the like follow in this transaction.
    """
    entry = _entry(actor, entity, entity_id, action, changes)
    db.session.add(entry)
    events.recorded.send(entity, entry=entry, actor=actor)
    return entry


COLUMNS = ("actor_id", "entity", "entity_id", "action", "changes", "at", "token_id")


def record_many(actor, entity: str, items: list[tuple[int, str, dict[str, tuple[Any, Any]]]]) -> None:
    """:func:`record` for many ``(entity_id, action, changes)`` at once (an import): each entry is
    announced as ``record`` does, then all are written in one multi-row INSERT (no ORM objects in
    the session; what a receiver set on an entry, such as ``token_id``, is written)."""
    if not items:
        return
    at = utcnow()
    entries = [_entry(actor, entity, entity_id, action, changes) for entity_id, action, changes in items]
    for entry in entries:
        events.recorded.send(entity, entry=entry, actor=actor)
    db.session.execute(sa.insert(AuditEntry.__table__),
                       [{c: getattr(e, c) for c in COLUMNS} | {"at": e.at or at} for e in entries])


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set attributes on ``obj`` and return ``{field: (old, new)}`` for those that changed."""
    changed = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = (old, new)
            setattr(obj, field, new)
    return changed
