"""The change history as people read it: the pilot page's change log and the admin audit trail.

``AuditEntry.changes`` holds ``{field: [old, new]}`` in the stored forms of the fields' kinds
(``tracker/audit_fields.py``); each entity declares its fields beside its operations. This module
shows them through those declarations (labels, kinds) and parses nothing. :func:`describe` names
the object of every entry on a page in one query, however many entries.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for

# The declarations of every audited entity, imported for their registrations.
import tracker.admin.audit_fields
import tracker.auth.audit_fields
import tracker.partners.audit_fields
import tracker.pilots.audit_fields
import tracker.register.audit_fields  # noqa: F401
from tracker.audit import AuditEntry
from tracker.audit_fields import REGISTRY, TEXT, gone
from tracker.auth.models import User
from tracker.db import db
from tracker.districts.models import District
from tracker.guards import MAX_DB_ID
from tracker.i18n import current_language, per_language
from tracker.labels import label
from tracker.partners.models import Partner
from tracker.pilots.models import Pilot, Theme
from tracker.register.models import NetworkSource

# Where an audited entity is shown, as (endpoint, id argument).
ENTITY_PAGES = {"user": ("admin.user", "user_id"), "district": ("admin.district", "district_id"),
                "theme": ("admin.theme", "theme_id"), "pilot": ("pilots.show", "pilot_id"),
                "partner": ("partners.show", "partner_id")}


@dataclass
class Change:
    label: str
    old: str | None  # None: nothing to compare with (a creation, a comment): show the value only
    new: str


@dataclass
class Line:
    """One audit entry as shown: what was done, to what (``name`` None if gone), which fields how."""

    entry: AuditEntry
    action: str
    kind: str
    name: str | None
    url: str | None
    gone: str | None
    changes: list[Change]


# --- the current names of the objects entries are about --------------------------------------------

_NAMES = {  # entity -> (id column, name column, English name column or None)
    "pilot": (Pilot.id, Pilot.title, None), "partner": (Partner.id, Partner.name, None),
    "user": (User.id, User.name, None), "district": (District.id, District.name, None),
    "theme": (Theme.id, Theme.name_nb, Theme.name_en),
    "network_source": (NetworkSource.id, NetworkSource.name, None),
}


class Names:
    """The current names of the objects some entries are about, looked up in one query."""

    def __init__(self, entries):
        wanted: dict[str, set] = {}
        for entry in entries:
            ident = entry.entity_id
            if entry.entity in _NAMES and isinstance(ident, int) and 0 < ident <= MAX_DB_ID:
                wanted.setdefault(entry.entity, set()).add(ident)
        selects = [
            sa.select(sa.literal(kind, sa.String).label("kind"), key.label("key"), name.label("name"),
                      sa.cast(sa.null() if name_en is None else name_en, sa.String).label("name_en"))
            .where(key.in_(sorted(wanted[kind])))
            for kind, (key, name, name_en) in _NAMES.items() if wanted.get(kind)]
        rows = db.session.execute(sa.union_all(*selects)).all() if selects else []
        self.found = {(kind, key): (name, name_en) for kind, key, name, name_en in rows}

    def get(self, kind: str, key) -> str | None:
        names = self.found.get((kind, key))
        if names is None:
            return None
        name, name_en = names
        return name_en if name_en and current_language().startswith("en") else name


# --- values --------------------------------------------------------------------------------------

def _field(entity: str, name: str) -> tuple:
    """``(kind, label)`` of an entity's field, translated once per request (a long history names
    the same fields hundreds of times); an undeclared field (none is recorded) shows as stored."""
    memo = per_language("audit_fields")
    found = memo.get((entity, name))
    if found is None:
        fields = REGISTRY.get(entity)
        field = fields.by_name.get(name) if fields else None
        found = memo[(entity, name)] = (field.kind, str(field.label)) if field else (TEXT, name)
    return found


def _changes(entry: AuditEntry) -> list[Change]:
    changes = []
    for name, pair in (entry.changes or {}).items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        kind, text = _field(entry.entity, name)
        if kind.store(old) != kind.store(new):  # stored values: "" and None both mean nothing
            plain = entry.action == "create" or entry.action.endswith("_create") or name == "comment"
            changes.append(Change(text, None if plain else kind.show(old), kind.show(new)))
    return changes


def _target_url(entity: str, ident: int) -> str | None:
    page = ENTITY_PAGES.get(entity)
    if page is None:
        return None
    return url_for(page[0], **{page[1]: ident})


def describe(entries, targets: bool = True) -> list[Line]:
    """``entries`` as readable lines; ``targets`` also names (and links) each entry's object.

    Links go to the object's page; the audit trail that shows them is for administrators, who may
    open every one of those pages.
    """
    entries = list(entries)
    names = Names(entries if targets else [])
    lines = []
    for entry in entries:
        name = url = missing = None
        if targets and entry.entity_id is not None:
            name = names.get(entry.entity, entry.entity_id)
            if name is None:
                missing = gone(entry.entity, entry.entity_id)
            else:
                url = _target_url(entry.entity, entry.entity_id)
        lines.append(Line(entry=entry, action=label("audit_action", entry.action),
                          kind=label("entity", entry.entity), name=name, url=url, gone=missing,
                          changes=_changes(entry)))
    return lines
