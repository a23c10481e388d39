"""The dry run and the import itself: every row analysed into create / update / unchanged /
refused with its problems per cell, then (on confirmation) applied through the pilot operations.

``analyse`` reads the database and changes nothing. ``apply`` re-runs nothing itself: the caller
(route or CLI) analyses anew right before applying, in the same transaction, so what is written
is what was just validated; it flushes and never commits (all rows or none: the caller commits
once, or rolls back on any error).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.db import db, utcnow
from tracker.districts.models import District
from tracker.imports import values as parse
from tracker.imports.lookups import Lookups, NewPartner
from tracker.imports.mapping import FUNDING, fold, target_label
from tracker.imports.models import PilotReference
from tracker.imports.permissions import can_import_into
from tracker.imports.reading import Table
from tracker.labels import label
from tracker.partners.models import PartnerKind
from tracker.partners.names import name_key
from tracker.pilots import imported, operations
from tracker.pilots.models import ArenaKind, PartnerRole, Pilot, SourceType
from tracker.pilots.workflow import Status

CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"
ACTIONS = (CREATE, UPDATE, UNCHANGED, REFUSED)
TEXT_LIMITS = {"title": 200, "location": 300, "agency": 200, "contact_name": 200, "contact_phone": 40,
               "need": 10_000, "description": 10_000, "goals": 10_000, "reference": 100}
# The sheet's date a historical status was reached on (first filled wins).
STATUS_DATES = {Status.RUNNING: ("actual_start", "planned_start"), Status.PAUSED: ("actual_start",),
                Status.COMPLETED: ("actual_end", "planned_end"),
                Status.EVALUATED: ("actual_end", "planned_end"), Status.WITHDRAWN: ("actual_end",)}


@dataclass
class Options:
    user: object  # the importer
    owner: object  # owner of the new pilots
    source: str  # the file's name, named in the audit entries
    district: District | None = None  # for rows without a district column or value
    accept_suggestions: bool = False  # use the close-name partner where a name is not exact


@dataclass
class Problem:
    column: str
    value: str
    message: str


@dataclass
class RowPlan:
    number: int
    action: str = CREATE
    title: str = ""
    reference: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pilot: Pilot | None = None
    content: operations.Content | None = None
    status: str = Status.DRAFT
    status_at: datetime | None = None
    cells: list = field(default_factory=list)


@dataclass
class Plan:
    table: Table
    targets: list[str]
    rows: list[RowPlan]
    # Holds the districts, themes and partners matched against (the session's identity map keeps
    # objects only while something refers to them: the import then finds them without a query).
    lookups: Lookups | None = None

    @property
    def totals(self) -> dict[str, int]:
        counts = Counter(r.action for r in self.rows)
        return {a: counts.get(a, 0) for a in ACTIONS}

    @property
    def refused(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action == REFUSED]


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


class _Row:
    """The parsing of one row: each cell through its target's parser, problems collected."""

    def __init__(self, plan: RowPlan, headers: list[str], lookups: Lookups, options: Options):
        self.plan, self.headers, self.lookups, self.options = plan, headers, lookups, options
        self.values: dict = {}
        self.present: set[str] = set()
        self.failed: set[str] = set()

    def problem(self, column: str, value, message: str) -> None:
        self.plan.problems.append(Problem(column, _display(value), message))

    def take(self, target: str, header: str, raw) -> None:
        self.present.add(target)
        try:
            self.values[target] = self.parse(target, raw)
        except parse.Bad as exc:
            self.failed.add(target)
            self.problem(header, raw, str(exc))

    def parse(self, target: str, raw):
        lk = self.lookups
        if target in TEXT_LIMITS:
            return parse.text(raw, TEXT_LIMITS[target])
        if target == "district":
            if raw is None:
                return None
            found = lk.districts.get(fold(raw))
            if found is None:
                raise parse.Bad(_("“%(value)s” is not a known district.", value=raw))
            return found
        if target == "status":
            return Status.DRAFT if raw is None else parse.choice(raw, lk.statuses, _("status"))
        if target == "arena_kind":
            return ArenaKind.PHYSICAL if raw is None else parse.choice(raw, lk.arenas, _("arena kind"))
        if target == "themes":
            found = []
            for item in parse.items(raw):
                theme = lk.themes.get(fold(item))
                if theme is None:
                    raise parse.Bad(_("“%(value)s” is not a known theme.", value=item))
                found.append(theme)
            return list(dict.fromkeys(found))
        if target in ("planned_start", "planned_end", "actual_start", "actual_end"):
            return parse.day(raw)
        if target == "contact_email":
            return parse.email(raw)
        if target == "is_public":
            return parse.boolean(raw)
        if target in ("partners", "lead_partner"):
            accept = self.options.accept_suggestions
            found = list(dict.fromkeys(lk.partner(i, accept, self.plan.notes) for i in parse.items(raw)))
            if target == "lead_partner" and len(found) > 1:
                raise parse.Bad(_("A pilot has at most one lead partner."))
            return found
        if target.startswith(FUNDING):
            return parse.kroner(raw)
        raise KeyError(target)  # pragma: no cover - targets are checked by mapping.valid_target


def _at(day: date | None) -> datetime | None:
    if day is None:
        return None
    return min(datetime.combine(day, time(12), tzinfo=UTC), utcnow())


def _content(row: _Row, pilot: Pilot | None) -> operations.Content:
    v = row.values
    scalars = {}
    for name in ("title", "arena_kind", "need", "description", "goals", "location", "planned_start",
                 "planned_end", "actual_start", "actual_end", "agency", "contact_name", "contact_email",
                 "contact_phone", "is_public"):
        if name in row.present:
            scalars[name] = v[name]
    if v.get("district") is not None:
        scalars["district_id"] = v["district"].id
    themes = v["themes"] if "themes" in row.present else (list(pilot.themes) if pilot else [])
    if {"partners", "lead_partner"} & row.present:
        lead = v.get("lead_partner") or []
        partners = [(p, PartnerRole.LEAD) for p in lead]
        partners += [(p, PartnerRole.PARTICIPANT) for p in v.get("partners") or [] if p not in lead]
    else:
        partners = [(link.partner, link.role) for link in pilot.partner_links] if pilot else []
    years = {int(t[len(FUNDING):]) for t in row.present if t.startswith(FUNDING)}
    funding = [{"year": line.year, "source_type": line.source_type, "partner": line.partner,
                "source": line.source, "amount": line.amount, "kind": line.kind}
               for line in (pilot.funding if pilot else []) if line.year not in years]
    for year in sorted(years):
        amount = v.get(f"{FUNDING}{year}")
        if amount:
            funding.append({"year": year, "source_type": SourceType.MUNICIPAL, "partner": None, "source": "",
                            "amount": amount, "kind": "cash"})
    return operations.Content(values=scalars, themes=themes, partners=partners, funding=funding)


def _check(row: _Row, lookups: Lookups, options: Options, seen: dict) -> None:
    """The rules across cells: required title and district, date order, permission, duplicates."""
    plan, v = row.plan, row.values
    plan.title = v.get("title") or ""
    plan.reference = v.get("reference") or ""
    pilot = lookups.pilots.get(plan.reference) if plan.reference else None
    if not plan.title and "title" not in {p.column for p in plan.problems} and pilot is None:
        row.problem(_("Title"), None, _("A title is required."))
    district = v.get("district") or (pilot.district if pilot else options.district)
    v["district"] = v.get("district") or (None if pilot else options.district)
    if district is None and "district" not in row.failed:
        row.problem(_("District"), None, _("A district is required: add the column or choose one for the "
                                           "whole file."))
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        first = v.get(start) or getattr(pilot, start, None)
        last = v.get(end) or getattr(pilot, end, None)
        if first and last and last < first:
            row.problem(target_label(end), last,
                        _("The end is before the start."))
    for target in ("actual_start", "actual_end"):
        if v.get(target) and v[target] > date.today():
            row.problem(target_label(target), v[target], _("An actual date cannot be in the future."))
    if district is not None and not can_import_into(options.user, district):
        row.problem(_("District"), district.name, _("You may import pilots only into the districts you "
                                                    "coordinate."))
    if pilot is not None and not can_import_into(options.user, pilot.district):
        row.problem(_("External reference"), plan.reference,
                    _("This pilot is in a district you do not coordinate."))
    key = ("ref", plan.reference) if plan.reference else ("row", tuple(_display(c) for c in plan.cells))
    if key in seen:
        row.problem(_("Row"), plan.number, _("The same pilot as row %(n)s: remove one of them.", n=seen[key]))
    else:
        seen[key] = plan.number
    plan.pilot = pilot


def _status(row: _Row) -> tuple[str, datetime | None]:
    status = row.values.get("status")
    if status is None:
        status = row.plan.pilot.status if row.plan.pilot else Status.DRAFT
    for name in STATUS_DATES.get(status, ()):
        day = row.values.get(name) or getattr(row.plan.pilot, name, None)
        if day:
            return status, _at(day)
    return status, None


def _changes_anything(plan: RowPlan) -> bool:
    pilot, content = plan.pilot, plan.content
    if plan.status != pilot.status or operations.differences(pilot, content):
        return True
    return any(getattr(pilot, k) != content.values[k] for k in imported.IMPORTED_COLUMNS
               if k in content.values)


def analyse(table: Table, targets: list[str], options: Options) -> Plan:
    """The dry run: what each row would do, with its problems. Changes nothing."""
    columns = [(i, t) for i, t in enumerate(targets) if t]
    ref_column = targets.index("reference") if "reference" in targets else None
    refs = [] if ref_column is None else [parse.text(cells[ref_column], 10_000) if ref_column < len(cells)
                                          else "" for _n, cells in table.rows]
    lookups = Lookups([r for r in refs if len(r) <= 100])
    rows, seen = [], {}
    for number, cells in table.rows:
        plan = RowPlan(number=number, cells=cells)
        row = _Row(plan, table.headers, lookups, options)
        for i, target in columns:
            row.take(target, table.headers[i], cells[i] if i < len(cells) else None)
        _check(row, lookups, options, seen)
        if not plan.problems:
            plan.content = _content(row, plan.pilot)
            plan.status, plan.status_at = _status(row)
            if plan.pilot is None:
                plan.action = CREATE
            else:
                plan.action = UPDATE if _changes_anything(plan) else UNCHANGED
        else:
            plan.action = REFUSED
        rows.append(plan)
    return Plan(table=table, targets=targets, rows=rows, lookups=lookups)


class HasRefusedRows(Exception):
    """All-or-nothing import of a plan with refused rows: nothing is written."""


def _real_partners(content: operations.Content, options: Options, created: dict) -> None:
    from tracker.partners.operations import create_partner

    def real(partner):
        if not isinstance(partner, NewPartner):
            return partner
        key = name_key(partner.name)
        if key not in created:
            created[key] = create_partner(options.user, {"name": partner.name, "kind": PartnerKind.OTHER,
                                                         "org_number": partner.org_number})
        return created[key]

    content.partners = [(real(p), role) for p, role in content.partners]


BATCH = 250  # rows written per flush of new pilots


def apply(plan: Plan, options: Options, valid_only: bool = False, progress=None) -> Counter:
    """Write the plan's create and update rows through ``imported.import_pilots``; flushes,
    never commits. Raises :class:`HasRefusedRows` if a row is refused and ``valid_only`` is off."""
    if plan.refused and not valid_only:
        raise HasRefusedRows()
    done: Counter = Counter(r.action for r in plan.rows)
    created_partners: dict = {}
    rows = [r for r in plan.rows if r.action in (CREATE, UPDATE)]
    if progress:
        progress(len(plan.rows) - len(rows))
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        items = []
        for row in batch:
            _real_partners(row.content, options, created_partners)
            comment = _("Imported as %(status)s from %(file)s", status=label("status", row.status),
                        file=options.source)
            items.append(imported.Imported(row.pilot, row.content, row.status, owner=options.owner,
                                           status_at=row.status_at, status_comment=comment))
        results = imported.import_pilots(options.user, items, options.source)
        references = [{"pilot_id": pilot_id, "reference": row.reference}
                      for row, (pilot_id, _changes) in zip(batch, results, strict=True)
                      if row.pilot is None and row.reference]
        if references:
            db.session.execute(sa.insert(PilotReference.__table__), references)
        if progress:
            progress(len(batch))
    db.session.flush()
    return done
