"""The change history as people read it: the pilot page's change log and the admin audit trail.

``AuditEntry.changes`` holds ``{field: [old, new]}`` as the operations recorded it: plain text,
booleans, numbers, enum codes, ISO dates, ids (``district_id``, ``owner_id``, ``merged_into``),
slug lists (``themes``, ``districts``) and the text lists ``tracker/pilots/operations.py`` writes
for ``partners``, ``funding`` and ``kpis``. :func:`describe` turns a page of entries into
translated lines and looks up every name they refer to in one query, however many entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.audit import AuditEntry
from tracker.auth.models import User
from tracker.db import db
from tracker.districts.models import District
from tracker.formatting import fmt_date, fmt_nok
from tracker.guards import MAX_DB_ID
from tracker.i18n import current_language
from tracker.labels import label
from tracker.partners.forms import LABELS as PARTNER_LABELS
from tracker.partners.models import Partner
from tracker.pilots.funding import source_label
from tracker.pilots.models import Pilot, Theme

DASH = "–"

# The label of every audited field, per entity (the pilot's also name the proposal's required fields).
FIELD_LABELS = {
    "pilot": {
        "title": _l("Title"), "district": _l("District"), "district_id": _l("District"),
        "arena_kind": _l("Arena kind"), "themes": _l("Themes"), "need": _l("Need (the problem)"),
        "description": _l("Description (what is tested)"), "goals": _l("Goals and success criteria"),
        "location": _l("Location"), "planned_start": _l("Planned start"), "planned_end": _l("Planned end"),
        "actual_start": _l("Actual start"), "actual_end": _l("Actual end"),
        "agency": _l("Responsible agency"), "contact_name": _l("Contact name"),
        "contact_email": _l("Contact e-mail"), "contact_phone": _l("Contact phone"),
        "is_public": _l("In the public register"), "partners": _l("Partners"), "funding": _l("Funding"),
        "status": _l("Status"), "comment": _l("Comment"), "verdict": _l("Verdict"), "summary": _l("Summary"),
        "lessons": _l("Lessons learned"), "next_steps": _l("Next steps"),
        "kpis": _l("Key performance indicators"), "owner_id": _l("Owner"),
    },
    "partner": {
        **PARTNER_LABELS, "merged_into": _l("Merged into"), "merged_from": _l("Merged from"),
        "links_moved": _l("Pilot links moved"), "links_dropped": _l("Duplicate pilot links dropped"),
        "funding_lines_moved": _l("Funding lines moved"),
    },
    "user": {"email": _l("E-mail"), "name": _l("Name"), "role": _l("Role"),
             "agency": _l("Responsible agency"), "districts": _l("Districts"), "active": _l("Active")},
    "district": {"slug": _l("Short name in web addresses"), "name": _l("Name"),
                 "description": _l("Description"), "focus": _l("Focus"),
                 "description_en": _l("Description in English"), "focus_en": _l("Focus in English"),
                 "coordinators": _l("Coordinators"),
                 "retired": _l("Retired")},
    "theme": {"slug": _l("Short name in web addresses"), "name_nb": _l("Name in Norwegian"),
              "name_en": _l("Name in English"), "retired": _l("Retired")},
}

# How a field's values are shown when they are not plain text (field names mean one thing everywhere).
ENUM_FIELDS = {"status": "status", "arena_kind": "arena_kind", "verdict": "verdict", "role": "role",
               "kind": "partner_kind"}
DATE_FIELDS = {"planned_start", "planned_end", "actual_start", "actual_end"}
# Values that name another object: by id (the entity's name) or by slug (kind ending in ``_slug``).
REF_FIELDS = {"district_id": "district", "owner_id": "user", "merged_into": "partner",
              "themes": "theme_slug", "districts": "district_slug"}

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


def field_label(entity: str, field: str) -> str:
    return str(FIELD_LABELS.get(entity, {}).get(field, field))


def gone(kind: str, ident) -> str:
    """How an object that no longer exists is named: "Partner #15 (deleted)"."""
    return _("%(what)s #%(id)s (deleted)", what=label("entity", kind), id=ident)


# --- names of the objects entries refer to ---------------------------------------------------------

_NAMES = {  # lookup kind -> (key column, name column, English name column or None)
    "pilot": (Pilot.id, Pilot.title, None), "partner": (Partner.id, Partner.name, None),
    "user": (User.id, User.name, None), "district": (District.id, District.name, None),
    "district_slug": (District.slug, District.name, None), "theme": (Theme.id, Theme.name_nb, Theme.name_en),
    "theme_slug": (Theme.slug, Theme.name_nb, Theme.name_en),
}


class Names:
    """The current names of the objects some entries refer to, looked up in one query."""

    def __init__(self, wanted: dict[str, set]):
        self.found: dict[tuple[str, str], tuple[str, str | None]] = {}
        selects = []
        for kind, keys in wanted.items():
            if not keys:
                continue
            key, name, name_en = _NAMES[kind]
            selects.append(
                sa.select(sa.literal(kind, sa.String).label("kind"), sa.cast(key, sa.String).label("key"),
                          name.label("name"), sa.cast(sa.null() if name_en is None else name_en,
                                                      sa.String).label("name_en"))
                .where(key.in_(sorted(keys))))
        if selects:
            rows = db.session.execute(sa.union_all(*selects)).all()
            self.found = {(kind, key): (name, name_en) for kind, key, name, name_en in rows}

    def get(self, kind: str, key) -> str | None:
        names = self.found.get((kind, str(key)))
        if names is None:
            return None
        name, name_en = names
        return name_en if name_en and current_language().startswith("en") else name

    def of(self, kind: str, key) -> str:
        """The name, or for a vanished object "District #3 (deleted)" (a slug stays as it was)."""
        name = self.get(kind, key)
        if name is not None:
            return name
        return str(key) if kind.endswith("_slug") else gone(kind, key)


def _lookable(kind: str, key) -> bool:
    """Whether ``key`` can name an object of ``kind`` (a slug, or an id a database can hold)."""
    if kind.endswith("_slug"):
        return isinstance(key, str)
    return isinstance(key, int) and not isinstance(key, bool) and 0 < key <= MAX_DB_ID


def _wanted(entries, targets: bool) -> dict[str, set]:
    wanted: dict[str, set] = {kind: set() for kind in _NAMES}
    for entry in entries:
        if targets and entry.entity in _NAMES and _lookable(entry.entity, entry.entity_id):
            wanted[entry.entity].add(entry.entity_id)
        for field, pair in (entry.changes or {}).items():
            kind = REF_FIELDS.get(field)
            if kind is None or not isinstance(pair, list):
                continue
            for value in pair:
                wanted[kind].update(v for v in (value if isinstance(value, list) else [value])
                                    if _lookable(kind, v))
    return wanted


# --- values --------------------------------------------------------------------------------------

# The text items ``tracker/pilots/operations.py`` records (``_describe_partners``, ``_describe_funding``,
# ``_kpi_text``); anything else is shown as it was stored.
_PARTNER = re.compile(r"^(?P<name>.*) \((?P<role>[a-z_]+)\)$")
_FUNDING = re.compile(r"^(?P<year>\d+) (?P<type>[a-z_]+) (?P<source>.*) (?P<amount>-?\d+) (?P<kind>[a-z_]+)$")
_KPI = re.compile(r"^(?P<name>.*) \[(?P<unit>[^\]]*)\] "
                  r"(?P<baseline>\S+) → (?P<target>\S+) → (?P<actual>\S+)$")


def _partner_item(text: str) -> str:
    match = _PARTNER.match(text)
    if not match:
        return text
    return f"{match['name']} ({label('partner_role', match['role'])})"


def _funding_item(text: str) -> str:
    match = _FUNDING.match(text)
    if not match:
        return text
    source = "" if match["source"] == "None" else match["source"]
    line = SimpleNamespace(partner=None, source=source, source_type=match["type"])
    return _("%(year)s: %(source)s, %(amount)s NOK (%(kind)s)", year=match["year"], source=source_label(line),
             amount=fmt_nok(int(match["amount"])), kind=label("funding_kind", match["kind"]))


def _number(text: str) -> str:
    try:
        return format_decimal(Decimal(text), format="#,##0.##")
    except (InvalidOperation, ValueError, ArithmeticError):
        return DASH if text == "None" else text


def _kpi_item(text: str) -> str:
    match = _KPI.match(text)
    if not match:
        return text
    name = f"{match['name']} ({match['unit']})" if match["unit"] else match["name"]
    return _("%(name)s: baseline %(baseline)s, target %(target)s, actual %(actual)s", name=name,
             baseline=_number(match["baseline"]), target=_number(match["target"]),
             actual=_number(match["actual"]))


ITEM_FIELDS = {"partners": _partner_item, "funding": _funding_item, "kpis": _kpi_item}


def _date(value) -> str:
    if not isinstance(value, str):
        return str(value)
    try:
        parsed = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return value
    return fmt_date(parsed)


def value_text(field: str, value: Any, names: Names) -> str:
    """One recorded value as shown: translated, formatted in the page's language, names for ids."""
    if isinstance(value, list):
        return "; ".join(value_text(field, v, names) for v in value) or DASH
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field in REF_FIELDS:
        return names.of(REF_FIELDS[field], value)
    if field in ENUM_FIELDS:
        return label(ENUM_FIELDS[field], value)
    if field in DATE_FIELDS:
        return _date(value)
    if field in ITEM_FIELDS and isinstance(value, str):
        return ITEM_FIELDS[field](value)
    if isinstance(value, int | float):
        return format_decimal(value)
    return str(value)


def _changes(entry: AuditEntry, names: Names) -> list[Change]:
    changes = []
    for field, pair in (entry.changes or {}).items():
        old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        old, new = value_text(field, old, names), value_text(field, new, names)
        if old != new:  # e.g. a field first stored as "" where it was None: nothing a reader would see
            plain = entry.action == "create" or entry.action.endswith("_create") or field == "comment"
            changes.append(Change(field_label(entry.entity, field), None if plain else old, new))
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
    names = Names(_wanted(entries, targets))
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
                          changes=_changes(entry, names)))
    return lines
