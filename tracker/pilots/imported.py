"""The pilot operation behind a spreadsheet import (``tracker/imports``): new pilots written in
multi-row INSERTs (thousands per sheet), updates through the same rules as an edit.

A new pilot gets the same rows and the same audit entry as through the ORM: its columns, themes,
partner links, funding lines, one status event and one ``import`` audit entry (announced on
``tracker.events.recorded`` like every other). Flushes or executes in the caller's transaction,
never commits.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker import audit
from tracker.db import db, utcnow
from tracker.locking import guarded_update
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.models import FundingLine, Pilot, PilotPartner, StatusEvent, pilot_themes
from tracker.pilots.operations import Content, _content_changes, _set_relations, check_one_lead, differences

IMPORTED_COLUMNS = ("status", "actual_start", "actual_end")  # set by an import beside the form's


@dataclass
class Imported:
    """One row of an imported sheet for :func:`import_pilots`: a new pilot (``pilot`` None) or an
    update of ``pilot``, in the sheet's ``status`` reached at ``status_at``."""

    pilot: Pilot | None
    content: Content
    status: str
    owner: object = None  # of a new pilot
    status_at: object = None
    status_comment: str = ""


def _event_row(user, item: Imported, pilot_id: int | None, source_status, now) -> dict:
    return {"pilot_id": pilot_id, "action": None, "from_status": source_status, "to_status": item.status,
            "actor_id": user.id, "at": item.status_at or now, "comment": item.status_comment}


def _pilot_defaults(now) -> dict:
    """Every column of a new pilot but its id, at its default (the rows of one INSERT share keys)."""
    row = {}
    for column in Pilot.__table__.columns:
        if column.primary_key:
            continue
        default = column.default
        row[column.key] = None if default is None else (default.arg if default.is_scalar else now)
    return row


def _new_row(item: Imported, now, defaults: dict) -> tuple[dict, dict]:
    """The pilots row of a new pilot and the stored changes of its audit entry."""
    content = item.content
    check_one_lead(content.partners)
    values = dict(content.values)
    extra = {k: values.pop(k) for k in IMPORTED_COLUMNS if k in values}
    row = {**defaults, **values, **extra, "owner_id": item.owner.id, "status": item.status,
           "status_changed_at": item.status_at or now}
    pairs = {**_content_changes(None, {k: v for k, v in values.items() if v is not False}),
             **{k: (None, v) for k, v in extra.items()}, "status": (None, item.status),
             "owner": (None, item.owner), "themes": (None, content.themes),
             "partners": (None, content.partners), "funding": (None, content.funding)}
    return row, pairs


def _create_all(user, items: list[Imported], source: str, now) -> list[tuple[int, dict]]:
    """Insert the new pilots and their relations; ``(id, stored changes)`` per item, in order."""
    defaults = _pilot_defaults(now)
    rows, pairs = zip(*(_new_row(item, now, defaults) for item in items), strict=True)
    insert = sa.insert(Pilot.__table__).returning(Pilot.__table__.c.id, sort_by_parameter_order=True)
    ids = list(db.session.scalars(insert, list(rows)))
    themes, links, funding, events = [], [], [], []
    for pilot_id, item in zip(ids, items, strict=True):
        content = item.content
        themes += [{"pilot_id": pilot_id, "theme_id": theme.id} for theme in content.themes]
        links += [{"pilot_id": pilot_id, "partner_id": partner.id, "role": role}
                  for partner, role in content.partners]
        funding += [{"pilot_id": pilot_id, "year": line["year"], "source_type": line["source_type"],
                     "partner_id": line["partner"].id if line["partner"] is not None else None,
                     "source": line["source"], "amount": line["amount"], "kind": line["kind"]}
                    for line in content.funding]
        events.append(_event_row(user, item, pilot_id, None, now))
    for table, values in ((pilot_themes, themes), (PilotPartner.__table__, links),
                          (FundingLine.__table__, funding), (StatusEvent.__table__, events)):
        if values:
            db.session.execute(sa.insert(table), values)
    return [(pilot_id, PILOT.changed({**p, "file": (None, source)}))
            for pilot_id, p in zip(ids, pairs, strict=True)]


def _update_imported(user, item: Imported, source: str, now) -> dict | None:
    """Apply an imported row to its existing pilot (guarded); its stored changes, None if none."""
    pilot, content = item.pilot, item.content
    check_one_lead(content.partners)
    values = dict(content.values)
    extra = {k: values.pop(k) for k in IMPORTED_COLUMNS if k in values}
    old_status = pilot.status
    pairs = {**_content_changes(pilot, values), **{k: (getattr(pilot, k), v) for k, v in extra.items()},
             "status": (old_status, item.status)}
    if not PILOT.changed(pairs) and not differences(pilot, content):
        return None
    columns = {**values, **extra, "updated_at": now}
    if item.status != old_status:
        columns.update(status=item.status, status_changed_at=item.status_at or now)
    guarded_update(pilot, None, **columns)
    relations = _set_relations(pilot, content)
    if item.status != old_status:
        db.session.add(StatusEvent(**_event_row(user, item, pilot.id, old_status, now)))
    return {**PILOT.changed({**pairs, "file": (None, source)}), **relations}


def import_pilots(user, items: list[Imported], source: str) -> list[tuple[int, dict]]:
    """Create or update pilots from rows of the imported sheet ``source`` (a batch).

    The sheet's status is taken as it is (a historical portfolio is not replayed through the
    workflow): when it is new or differs, ONE status event records it (``status_comment``, at
    ``status_at``, the sheet's date). ``content.values`` may also hold ``actual_start`` and
    ``actual_end``. One audit entry per pilot, action ``import``, names the file; an update that
    changes nothing writes nothing (its changes are ``{}``). Returns ``(pilot id, stored changes)``
    per item, in order. Writes in the caller's transaction, never commits.
    """
    now = utcnow()
    db.session.flush()  # anything pending first (a partner the sheet adds has its id)
    new = [item for item in items if item.pilot is None]
    with db.session.no_autoflush:  # a lookup (the district) flushes nothing
        created = iter(_create_all(user, new, source, now) if new else [])
    done = [next(created) if item.pilot is None
            else (item.pilot.id, _update_imported(user, item, source, now)) for item in items]
    db.session.flush()
    audit.record_many(user, PILOT.entity, [(pilot_id, "import", changes) for pilot_id, changes in done
                                           if changes is not None])
    return [(pilot_id, changes or {}) for pilot_id, changes in done]
