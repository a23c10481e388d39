"""Aggregates behind the district page and the city overview.

Every function runs one SQL statement (or a fixed few), whatever the number of pilots, and takes
the viewer's visibility condition (``visible_filter(user)``) so counts never reveal hidden pilots.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.db import db, utcnow
from tracker.districts.models import District
from tracker.partners.models import Partner
from tracker.pilots.models import FundingLine, Outcome, Pilot, PilotPartner, SourceType, Theme, Verdict
from tracker.pilots.workflow import PUBLIC_STATUSES, Status

TIMELINE_STATUSES = (Status.APPROVED, Status.RUNNING, Status.PAUSED)
TIMELINE_LIMIT = 40
# Funding totals count the money the city has committed to: pilots from approval on (the same
# statuses as the public register). Drafts, proposals, rejected and withdrawn pilots never ran.
COMMITTED = [str(s) for s in Status if s in PUBLIC_STATUSES]


def committed(filters: dict | None = None) -> list:
    """The condition funding totals add: committed pilots, unless the viewer chose a status."""
    return [] if "status" in (filters or {}) else [Pilot.status.in_(COMMITTED)]


def active_period():
    """A pilot's period as SQL ``(start, end)``: the rule behind "Active in year".

    From the actual start (else the planned start) to the actual end; while not ended, to the
    planned end, except that a running pilot past its planned end runs up to today (not forever).
    No start: no period; no end: the start day only.
    """
    today = sa.literal(utcnow().date(), sa.Date)
    start = sa.func.coalesce(Pilot.actual_start, Pilot.planned_start)
    end = sa.case(
        (Pilot.actual_end.is_not(None), Pilot.actual_end),
        (Pilot.status == Status.RUNNING,
         sa.case((Pilot.planned_end > today, Pilot.planned_end), else_=today)),
        else_=sa.func.coalesce(Pilot.planned_end, start),
    )
    return start, end


def _active_in(year: int):
    start, end = active_period()
    return sa.and_(start.is_not(None), start <= date(year, 12, 31), end >= date(year, 1, 1))


def conditions(visible, district_ids=None, filters: dict | None = None, skip=()) -> list:
    """WHERE conditions for the viewer, the districts and the filters (except those in ``skip``)."""
    where = [visible]
    if district_ids is not None:
        where.append(Pilot.district_id.in_(list(district_ids)))
    filters = {k: v for k, v in (filters or {}).items() if k not in skip}
    if "status" in filters:
        where.append(Pilot.status == filters["status"])
    if "arena" in filters:
        where.append(Pilot.arena_kind == filters["arena"])
    if "theme" in filters:
        where.append(Pilot.themes.any(Theme.id == filters["theme"]))
    if "partner" in filters:
        where.append(Pilot.partner_links.any(PilotPartner.partner_id == filters["partner"]))
    if "year" in filters:
        where.append(_active_in(filters["year"]))
    if "q" in filters:
        where.append(sa.func.lower(Pilot.title).contains(filters["q"].lower(), autoescape=True))
    return where


SORT_ORDER = {
    "updated": (Pilot.updated_at.desc(), Pilot.id.desc()),
    "planned_end": (Pilot.planned_end.is_(None), Pilot.planned_end.asc(), Pilot.id.asc()),
    "title": (Pilot.title.asc(), Pilot.id.asc()),
}


@dataclass
class PageOf:
    items: list
    total: int
    page: int
    pages: int


def pilot_page(where: list, sort: str, page: int, per_page: int) -> PageOf:
    """One page of pilots (themes eager-loaded) and the total: three queries at most."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Pilot).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        sa.select(Pilot).where(*where).options(selectinload(Pilot.themes))
        .order_by(*SORT_ORDER[sort]).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return PageOf(items=list(items), total=total, page=page, pages=pages)


def export_pilots(where: list, sort: str) -> list[Pilot]:
    """Every pilot matching ``where`` for an export, with what the rows show (bounded queries)."""
    return list(db.session.scalars(
        sa.select(Pilot).where(*where)
        .options(joinedload(Pilot.district), joinedload(Pilot.outcome), selectinload(Pilot.themes),
                 selectinload(Pilot.funding),
                 selectinload(Pilot.partner_links).joinedload(PilotPartner.partner))
        .order_by(*SORT_ORDER[sort])
    ).unique())


def status_counts(where: list, statuses: list[str]) -> dict[str, int]:
    """Pilots per status for each of ``statuses``, in their order (zeros included)."""
    rows = db.session.execute(
        sa.select(Pilot.status, sa.func.count()).where(*where).group_by(Pilot.status)
    ).all()
    found = dict(rows)
    return {s: found.get(s, 0) for s in statuses}


def timeline(where: list, limit: int = TIMELINE_LIMIT) -> tuple[list[Pilot], int]:
    """Approved, running and paused pilots, by planned start; at most ``limit`` and the total."""
    cond = [*where, Pilot.status.in_([str(s) for s in TIMELINE_STATUSES])]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Pilot).where(*cond)) or 0
    pilots = db.session.scalars(
        sa.select(Pilot).where(*cond)
        .order_by(Pilot.planned_start.is_(None), Pilot.planned_start, Pilot.id).limit(limit)
    ).all()
    return list(pilots), total


def verdict_counts(where: list) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Outcome.verdict, sa.func.count()).join(Outcome.pilot)
        .where(*where, Pilot.status == Status.EVALUATED).group_by(Outcome.verdict)
    ).all()
    found = dict(rows)
    return {str(v): found.get(str(v), 0) for v in Verdict}


def latest_lessons(where: list, limit: int = 5) -> list[tuple[Pilot, Outcome]]:
    """The most recently recorded lessons learned of evaluated pilots."""
    rows = db.session.execute(
        sa.select(Pilot, Outcome).join(Outcome.pilot)
        .where(*where, Pilot.status == Status.EVALUATED)
        .order_by(Outcome.recorded_at.desc(), Outcome.id.desc()).limit(limit)
    ).all()
    return [tuple(r) for r in rows]


def partner_counts(where: list) -> list[tuple[Partner, int]]:
    """Every partner linked to the matching pilots, with how many of them, most involved first.

    One query serves the partner filter's options, the top partners and the count per kind.
    """
    pilots = sa.func.count(sa.distinct(PilotPartner.pilot_id))
    rows = db.session.execute(
        sa.select(Partner, pilots).join(PilotPartner, PilotPartner.partner_id == Partner.id)
        .join(Pilot, Pilot.id == PilotPartner.pilot_id).where(*where)
        .group_by(Partner.id).order_by(pilots.desc(), Partner.name, Partner.id)
    ).all()
    return [tuple(r) for r in rows]


def by_kind(counts: list[tuple[Partner, int]]) -> dict[str, int]:
    """How many distinct partners of each kind, most common first."""
    kinds: dict[str, int] = defaultdict(int)
    for partner, _n in counts:
        kinds[partner.kind] += 1
    return dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))


def themes() -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).order_by(Theme.name_nb)))


@dataclass
class Funding:
    """Funding totals: ``cells[(year, source_type)]``, with per-year and per-source sums."""

    cells: dict
    years: list[int]
    sources: list[str]

    def by_year(self, year: int) -> int:
        return sum(v for (y, _s), v in self.cells.items() if y == year)

    def by_source(self, source: str) -> int:
        return sum(v for (_y, s), v in self.cells.items() if s == source)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def funding(where: list, filters: dict | None = None) -> Funding:
    """Total funding per year and per source kind (SQL aggregate, never stored) of the committed
    pilots matching ``where``, or of the status chosen in ``filters``."""
    rows = db.session.execute(
        sa.select(FundingLine.year, FundingLine.source_type, sa.func.sum(FundingLine.amount))
        .join(FundingLine.pilot).where(*where, *committed(filters))
        .group_by(FundingLine.year, FundingLine.source_type)
    ).all()
    cells = {(y, s): int(total or 0) for y, s, total in rows}
    present = {s for _y, s in cells}
    return Funding(cells=cells, years=sorted({y for y, _s in cells}),
                   sources=[str(s) for s in SourceType if str(s) in present])


@dataclass
class OverviewRow:
    district: District | None  # None for the total row
    statuses: dict[str, int]
    verdicts: dict[str, int]
    funding: int | None  # None: not shown to this viewer
    attention: int

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def overview(where: list, attention_counts: dict[int, int], statuses: list[str],
             with_funding: bool) -> tuple[list[OverviewRow], OverviewRow]:
    """One row per district (retired ones included) and a total row: four queries (three without
    funding). Counts per status for each of ``statuses``; funding of committed pilots only."""
    districts = db.session.scalars(sa.select(District).order_by(District.retired, District.name)).all()
    per_status: dict = defaultdict(dict)
    for district_id, status, n in db.session.execute(
        sa.select(Pilot.district_id, Pilot.status, sa.func.count()).where(*where)
        .group_by(Pilot.district_id, Pilot.status)
    ):
        per_status[district_id][status] = n
    verdicts: dict = defaultdict(dict)
    for district_id, verdict, n in db.session.execute(
        sa.select(Pilot.district_id, Outcome.verdict, sa.func.count()).join(Outcome.pilot)
        .where(*where, Pilot.status == Status.EVALUATED).group_by(Pilot.district_id, Outcome.verdict)
    ):
        verdicts[district_id][verdict] = n
    # ``district_id + 0``: grouping on the bare column made SQLite walk pilots through a district
    # index with a random lookup per row (20x slower than scanning funding lines and grouping).
    district = (Pilot.district_id + 0).label("district")
    money = dict(db.session.execute(
        sa.select(district, sa.func.sum(FundingLine.amount)).join(FundingLine.pilot)
        .where(*where, *committed()).group_by(district)
    ).all()) if with_funding else {}
    rows = [
        OverviewRow(
            district=d,
            statuses={s: per_status[d.id].get(s, 0) for s in statuses},
            verdicts={str(v): verdicts[d.id].get(str(v), 0) for v in Verdict},
            funding=int(money.get(d.id) or 0) if with_funding else None,
            attention=attention_counts.get(d.id, 0),
        )
        for d in districts
    ]
    total = OverviewRow(
        district=None,
        statuses={s: sum(r.statuses[s] for r in rows) for s in statuses},
        verdicts={str(v): sum(r.verdicts[str(v)] for r in rows) for v in Verdict},
        funding=sum(r.funding for r in rows) if with_funding else None,
        attention=sum(r.attention for r in rows),
    )
    return rows, total
