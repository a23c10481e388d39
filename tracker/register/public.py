"""The public pilot: the one representation of a pilot in the public register.

The register's page, its CSV and JSON files, its feeds and the network's exchange format all
read :func:`record`. What goes in is driven by the pilot field registry
(``tracker/pilots/audit_fields.py``): the content fields marked ``public`` (:data:`CONTENT`), the
outcome once the pilot is evaluated (:data:`OUTCOME`), and funding only where the district
publishes it (``District.publishes_funding``). Never in it: contact name, e-mail and phone, the
owner, comments, internal attachments, and any pilot outside :func:`tracker.register.queries.public`.

Each entry of :data:`COLUMNS` is a documented, stable column: its name is the JSON key and the CSV
header, and never changes meaning (new columns are added at the end).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from tracker.audit_fields import DATE
from tracker.districts.exports import CSV_FORMULA_AFTER_BREAK, csv_text
from tracker.links import absolute_url
from tracker.memo import per_request
from tracker.pilots.audit_fields import FIELDS, PilotField
from tracker.pilots.workflow import PUBLIC_STATUSES, Status

# The registry's public content fields (shown on the proposal form or exported), without the
# flag that makes a pilot public and without the outcome, which is public once evaluated only.
OUTCOME_NAMES = ("verdict", "summary", "lessons", "next_steps")
CONTENT: tuple[PilotField, ...] = tuple(
    f for f in FIELDS
    if f.public and (f.section or f.export) and f.name not in ("is_public", "updated_at", *OUTCOME_NAMES))
OUTCOME: tuple[PilotField, ...] = tuple(f for f in FIELDS if f.name in OUTCOME_NAMES and f.public)
FUNDING: PilotField = next(f for f in FIELDS if f.name == "funding")
DATES = frozenset(f.name for f in CONTENT if f.kind is DATE)
LIST_SEPARATOR = "; "  # between the items of a list column in CSV


def page_url(pilot_id: int) -> str:
    """The canonical address of a pilot's register page (the base worked out once per request:
    the open data files hold one per pilot)."""
    memo = per_request("register_urls")
    if "base" not in memo:
        memo["base"] = absolute_url("register.show", pilot_id=1).removesuffix("1")
    return f"{memo['base']}{pilot_id}"


def evaluated(pilot) -> bool:
    return pilot.status == Status.EVALUATED and pilot.outcome is not None


def publishes_funding(pilot) -> bool:
    return bool(pilot.district.publishes_funding)


def status_history(pilot) -> list[dict]:
    """The public steps of the pilot's life as dates (no actors, no comments, no internal steps)."""
    return [{"status": e.to_status, "date": e.at.date().isoformat()}
            for e in pilot.events if e.to_status in PUBLIC_STATUSES]


def _date(value) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat() if isinstance(value, date) else value


def _themes(pilot) -> list[dict]:
    return [{"slug": t.slug, "name_nb": t.name_nb, "name_en": t.name_en} for t in pilot.themes]


def _partners(pilot) -> list[dict]:
    return [{"name": link.partner.name, "role": link.role, "kind": link.partner.kind,
             "country": link.partner.country, "org_number": link.partner.org_number}
            for link in pilot.partner_links]


def _funding(pilot) -> list[dict] | None:
    if not publishes_funding(pilot):
        return None
    return [{"year": line.year, "source": line.source_label, "source_type": line.source_type,
             "amount_nok": line.amount, "kind": line.kind} for line in pilot.funding]


def _outcome(name: str):
    """The outcome's ``name`` once the pilot is evaluated, else None."""
    return lambda pilot, ctx: getattr(pilot.outcome, name) if evaluated(pilot) else None


def _attachments(pilot, attachments) -> list[dict]:
    """Public attachments: a link's address, or the download address of a file's current version."""
    rows = []
    for a in attachments:
        url = a.url or (absolute_url("files.download", attachment_id=a.id, number=a.current.number)
                        if a.current else None)
        if url:
            rows.append({"title": a.title, "kind": a.kind, "url": url})
    return rows


def _joined(items: list[dict] | None, *keys: str) -> str:
    """A list column in CSV: the items' ``keys`` separated by a space, items by ``; ``."""
    return LIST_SEPARATOR.join(" ".join(str(i[k]) for k in keys if i.get(k) not in (None, ""))
                               for i in items or [])


@dataclass(frozen=True)
class Column:
    """One documented column: JSON key and CSV header, its meaning, and how its value is read."""

    name: str
    doc: Any
    value: Any  # (pilot, context) -> JSON value
    csv: Any = None  # JSON value -> CSV cell (default: the value itself, dates as ISO text)


def _plain(attr: str):
    return lambda pilot, ctx: _date(getattr(pilot, attr))


_CONTENT_DOCS = {
    "title": _l("Title of the pilot."),
    "district": _l("The district's short name (slug), stable in its address."),
    "status": _l("Status key: approved, running, paused, completed or evaluated."),
    "arena_kind": _l("Arena kind key: physical, digital or organisational."),
    "themes": _l("Themes (JSON: slug and Norwegian and English name; CSV: Norwegian names)."),
    "need": _l("The need (the problem the pilot addresses)."),
    "description": _l("What is tested."),
    "goals": _l("Goals and success criteria."),
    "location": _l("Where the pilot takes place."),
    "planned_start": _l("Planned start (ISO 8601 date)."),
    "planned_end": _l("Planned end (ISO 8601 date)."),
    "actual_start": _l("Actual start (ISO 8601 date), once started."),
    "actual_end": _l("Actual end (ISO 8601 date), once completed."),
    "agency": _l("The city agency responsible."),
    "partners": _l("Partners (JSON: name, role key, kind key, country, organisation number; "
                   "CSV: name and role)."),
}
_CONTENT_VALUES = {
    "district": lambda p, ctx: p.district.slug,
    "themes": lambda p, ctx: _themes(p),
    "partners": lambda p, ctx: _partners(p),
}
_CONTENT_CSV = {
    "themes": lambda v: _joined(v, "name_nb"),
    "partners": lambda v: _joined(v, "name", "role"),
}
_OUTCOME_DOCS = {
    "verdict": _l("Outcome verdict key (scale_up, continue, stop, inconclusive), once evaluated."),
    "summary": _l("Summary of the outcome, once evaluated."),
    "lessons": _l("Lessons learned, once evaluated."),
    "next_steps": _l("Next steps, once evaluated."),
}

COLUMNS: tuple[Column, ...] = (
    Column("id", _l("Stable identifier of the pilot in this register (an integer, never reused)."),
           lambda p, ctx: p.id),
    Column("url", _l("Address of the pilot's page in the register (canonical URL)."),
           lambda p, ctx: page_url(p.id)),
    *(Column(f.name, _CONTENT_DOCS[f.name], _CONTENT_VALUES.get(f.name, _plain(f.attr)),
             _CONTENT_CSV.get(f.name)) for f in CONTENT),
    Column("district_name", _l("The district's name."), lambda p, ctx: p.district.name),
    Column("status_history", _l("Public steps with their dates (JSON: status and date; CSV: "
                                "“status date” separated by “; ”)."),
           lambda p, ctx: status_history(p), lambda v: _joined(v, "status", "date")),
    *(Column(f.name, _OUTCOME_DOCS[f.name], _outcome(f.name)) for f in OUTCOME),
    Column("funding", _l("Funding lines (year, source, source type, amount in whole NOK, kind) where the "
                         "district publishes funding; empty otherwise (CSV: the total in NOK)."),
           lambda p, ctx: _funding(p), lambda v: "" if v is None else sum(line["amount_nok"] for line in v)),
    Column("attachments", _l("Public documents and links (title, kind key, address; CSV: addresses)."),
           lambda p, ctx: _attachments(p, ctx.get(p.id, ())), lambda v: _joined(v, "url")),
    Column("updated_at", _l("Last change (ISO 8601, UTC)."), lambda p, ctx: _date(p.updated_at)),
)

HEADER = tuple(c.name for c in COLUMNS)
_MOMENTS = tuple(HEADER.index(name) for name in (*sorted(DATES), "updated_at"))


def record(pilot, attachments: dict | None = None) -> dict:
    """The public representation of ``pilot`` (JSON-ready); ``attachments``: pilot id -> its
    public attachments (see ``queries.public_attachments``)."""
    ctx = attachments or {}
    return {c.name: c.value(pilot, ctx) for c in COLUMNS}


def csv_row(rec: dict) -> list:
    """A :func:`record` as CSV cells, in :data:`HEADER` order."""
    return [c.csv(rec[c.name]) if c.csv else ("" if rec[c.name] is None else rec[c.name]) for c in COLUMNS]


def csv_rows(rows, attachments: dict) -> Iterator[list]:
    """The CSV's cells of a batch of ``queries.csv_batches`` rows (:func:`csv_row` of the
    :func:`record`, worked out in SQL): the page address, the attachments' addresses and ISO dates
    filled in, and the formula guard searched once per row over all its text, one cell a line (a
    line break counts as a cell's start in ``csv_text``'s rule), then run per cell only if found."""
    base = page_url(0).removesuffix("0")
    url, links, moments = HEADER.index("url"), HEADER.index("attachments"), _MOMENTS
    for row in rows:
        cells = list(row)
        cells[url] = f"{base}{row.id}"
        if row.id in attachments:
            cells[links] = _joined(_attachments(row, attachments[row.id]), "url")
        for i in moments:
            if (value := cells[i]) is not None:
                cells[i] = _date(value)
        if CSV_FORMULA_AFTER_BREAK.search("\n".join(["", *(c for c in cells if c.__class__ is str)])):
            cells = [csv_text(c) for c in cells]
        yield cells
