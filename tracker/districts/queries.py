"""Aggregates behind the district page and the city overview.

Every function runs one SQL statement (or a fixed few), whatever the number of pilots, and takes
the viewer's visibility condition (``visible_filter(user)``) so counts never reveal hidden pilots.
The district page's take its conditions as a ``prepared.Where``: their statements are built once
per process and shape (``tracker/districts/prepared.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.db import LeftFirst, db
from tracker.districts import prepared, summaries
from tracker.districts.models import District
from tracker.districts.prepared import Where
from tracker.paging import Page, shown_page
from tracker.partners import queries as partner_queries
from tracker.partners.models import Partner
from tracker.pilots.filters import PilotFilter
from tracker.pilots.models import (
    FundingLine,
    Outcome,
    Pilot,
    PilotPartner,
    SourceType,
    Theme,
    Verdict,
    pilot_themes,
)
from tracker.pilots.workflow import PUBLIC_STATUSES, Status

TIMELINE_STATUSES = (Status.APPROVED, Status.RUNNING, Status.PAUSED)
TIMELINE_LIMIT = 40
# Funding totals count the money the city has committed to: pilots from approval on (the same
# statuses as the public register). Drafts, proposals, rejected and withdrawn pilots never ran.
COMMITTED = [str(s) for s in Status if s in PUBLIC_STATUSES]


def committed(pilot_filter: PilotFilter | None = None) -> list:
    """The condition funding totals add: committed pilots, unless the viewer chose a status."""
    return [] if pilot_filter is not None and pilot_filter.status else [Pilot.status.in_(COMMITTED)]


# The columns the district page's lists show: plain rows, not whole pilots (loading ORM objects
# cost more than the queries themselves).
LIST_COLUMNS = (Pilot.id, Pilot.title, Pilot.status, Pilot.arena_kind, Pilot.planned_end, Pilot.updated_at)
TIMELINE_COLUMNS = (Pilot.id, Pilot.title, Pilot.status, Pilot.planned_start, Pilot.planned_end,
                    Pilot.actual_start, Pilot.actual_end)


def district(slug: str) -> sa.Row | None:
    """The district with ``slug``, as a plain row of its columns (one query, built once)."""
    return db.session.connection().execute(_district_by_slug(), {"slug": slug}).first()


@cache
def _district_by_slug():
    return sa.select(District.__table__).where(District.slug == sa.bindparam("slug"))


def pilot_page(where: Where, pilot_filter: PilotFilter, page: int, per_page: int, total: int) -> Page:
    """One page of the ``total`` pilots matching ``where``: tuples of ``LIST_COLUMNS`` (one query)."""
    current, pages = shown_page(page, per_page, total)

    def build(conditions: list):
        return (sa.select(*LIST_COLUMNS).where(*conditions).order_by(*pilot_filter.order)
                .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))
    rows = prepared.run(f"district.page.{pilot_filter.sort}", where, build, limit=per_page,
                        offset=(current - 1) * per_page).all()
    return Page(items=[tuple(r) for r in rows], total=total, page=current, pages=pages, requested=page)


def theme_names(pilot_ids: list[int], locale: str) -> dict[int, str]:
    """``{pilot id: "theme, theme"}`` in the language of ``locale``, alphabetical as on the pilot
    (``Pilot.themes``' order): one query, none without pilots."""
    if not pilot_ids:
        return {}
    english = str(locale).startswith("en")
    rows = db.session.connection().execute(_theme_names(english), {"pilot_ids": pilot_ids}).all()
    names: dict = defaultdict(list)
    for pilot_id, theme in rows:
        names[pilot_id].append(theme)
    return {pilot_id: ", ".join(found) for pilot_id, found in names.items()}


@cache
def _theme_names(english: bool):
    return (sa.select(pilot_themes.c.pilot_id, Theme.name_en if english else Theme.name_nb)
            .join(Theme, Theme.id == pilot_themes.c.theme_id)
            .where(pilot_themes.c.pilot_id.in_(sa.bindparam("pilot_ids", expanding=True)))
            .order_by(pilot_themes.c.pilot_id, Theme.name_nb))


def per_status_total(counts: dict[str, int], statuses, chosen: str | None) -> int:
    """How many pilots of ``statuses`` (or only of the ``chosen`` one) ``counts`` holds: the list's
    and the timeline's totals, derived from the counts per status instead of counted again."""
    return sum(n for s, n in counts.items() if s in statuses and (not chosen or s == chosen))


def export_pilots(where: list, order: tuple) -> list[Pilot]:
    """Every pilot matching ``where`` for an export, with what the rows show (bounded queries)."""
    return list(db.session.scalars(
        sa.select(Pilot).where(*where)
        .options(joinedload(Pilot.district), joinedload(Pilot.outcome), selectinload(Pilot.themes),
                 selectinload(Pilot.funding),
                 selectinload(Pilot.partner_links).joinedload(PilotPartner.partner))
        .order_by(*order)
    ).unique())


def status_counts(where: Where, statuses: list[str]) -> dict[str, int]:
    """Pilots per status for each of ``statuses``, in their order (zeros included)."""
    def build(conditions: list):
        return sa.select(Pilot.status, sa.func.count()).where(*conditions).group_by(Pilot.status)
    found = dict(prepared.run("district.statuses", where, build).all())
    return {s: found.get(s, 0) for s in statuses}


def timeline(where: Where, limit: int = TIMELINE_LIMIT) -> list:
    """Approved, running and paused pilots, by planned start; at most ``limit`` rows of
    ``TIMELINE_COLUMNS``."""
    order = (Pilot.planned_start.is_(None), Pilot.planned_start, Pilot.id)

    def build(conditions: list):
        # The earliest ids first, from the index of district, status and planned start alone (at
        # city scale a district has thousands of such pilots: their rows are not read to sort them).
        shown = Pilot.status.in_([str(s) for s in TIMELINE_STATUSES])
        earliest = sa.select(Pilot.id).where(*conditions, shown).order_by(*order).limit(sa.bindparam("limit"))
        return sa.select(*TIMELINE_COLUMNS).where(Pilot.id.in_(earliest)).order_by(*order)
    return prepared.run("district.timeline", where, build, limit=limit).all()


def district_figures(user, visible, district_id: int, statuses: list[str]) -> tuple[dict, dict]:
    """An unfiltered district page's pilots per status (each of ``statuses``) and verdicts of its
    evaluated pilots, from the kept rows (``overview_figures`` of one district)."""
    figures = overview_figures(user, [visible, Pilot.district_id == district_id], filtered=False,
                               with_funding=False, only=district_id)
    counts, verdicts = figures.statuses.get(district_id, {}), figures.verdicts.get(district_id, {})
    return {s: counts.get(s, 0) for s in statuses}, {str(v): verdicts.get(str(v), 0) for v in Verdict}


def verdict_counts(where: Where) -> dict[str, int]:
    def build(conditions: list):
        return (sa.select(Outcome.verdict, sa.func.count()).join(Outcome.pilot)
                .where(*conditions, Pilot.status == Status.EVALUATED).group_by(Outcome.verdict))
    found = dict(prepared.run("district.verdicts", where, build).all())
    return {str(v): found.get(str(v), 0) for v in Verdict}


def latest_lessons(where: Where, limit: int = 5) -> list:
    """The most recently recorded lessons learned of evaluated pilots: rows of the pilot's ``id``
    and ``title`` and the outcome's ``verdict``, ``recorded_at`` and ``lessons``."""
    def build(conditions: list):
        # Newest outcomes first through their index, each pilot looked up, until ``limit`` match:
        # a few rows, however many pilots the district has evaluated.
        return (sa.select(Pilot.id, Pilot.title, Outcome.verdict, Outcome.recorded_at, Outcome.lessons)
                .select_from(LeftFirst(Outcome.__table__, Pilot.__table__, Outcome.pilot_id == Pilot.id))
                .where(*conditions, Pilot.status == Status.EVALUATED)
                .order_by(Outcome.recorded_at.desc(), Outcome.id.desc()).limit(sa.bindparam("limit")))
    return prepared.run("district.lessons", where, build, limit=limit).all()


def partners(where: Where, limit: int) -> tuple[list, dict[str, int]]:
    """The ``limit`` partners linked to the most matching pilots (rows of ``id``, ``name``, ``kind``
    and ``pilots``: how many of them), and how many distinct partners of each kind the matching
    pilots have, most common first: one statement."""
    def build(conditions: list):
        return _ranked(sa.select(PilotPartner.partner_id, sa.func.count(sa.distinct(PilotPartner.pilot_id))
                                 .label("pilots"))
                       .join(Pilot, Pilot.id == PilotPartner.pilot_id).where(*conditions)
                       .group_by(PilotPartner.partner_id).cte("linked"))
    return _split(prepared.run("district.partners", where, build, limit=limit).all())


def _ranked(linked):
    """The top partners of ``linked`` (rows of ``partner_id`` and ``pilots``), at most ``:limit``,
    and its partners per kind: one statement, the kinds' rows without an id."""
    top = (sa.select(Partner.id, Partner.name, Partner.kind, linked.c.pilots)
           .join(linked, linked.c.partner_id == Partner.id)
           .order_by(linked.c.pilots.desc(), Partner.name, Partner.id).limit(sa.bindparam("limit"))
           .subquery())
    kinds = (sa.select(sa.null(), sa.null(), Partner.kind, sa.func.count())
             .join(linked, linked.c.partner_id == Partner.id).group_by(Partner.kind))
    return sa.union_all(sa.select(top), kinds)


def _split(rows) -> tuple[list, dict[str, int]]:
    top, kinds = [], []
    for row in rows:
        (top if row[0] is not None else kinds).append(row)
    kinds.sort(key=lambda row: (-row[3], row[2]))
    return top, {row[2]: row[3] for row in kinds}


@cache
def _kept_ranked():
    return _ranked(sa.select(summaries.DistrictPartner.partner_id, summaries.DistrictPartner.pilots)
                   .where(summaries.DistrictPartner.district_id == sa.bindparam("district_id"),
                          summaries.DistrictPartner.scope == sa.bindparam("scope")).cte("linked"))


class PartnerRow(NamedTuple):
    """A row of ``partners()``' top partners."""

    id: int
    name: str
    kind: str
    pilots: int


def kept_partners(user, visible, district_id: int, limit: int) -> tuple[list, dict[str, int]] | None:
    """``partners()`` of an unfiltered district page, from the kept rows of the widest scope the
    viewer sees whole (``summaries.scope_for``) and, counted live, the pilots outside it the viewer
    sees (a staff member's own drafts; then merged here, ties in Python's name order): two
    statements at most, of a row per partner. None when no scope fits the viewer (then
    ``partners()`` counts)."""
    exact = summaries.exact_statuses(user, [str(s) for s in Status], district_id)
    scope = summaries.scope_for(exact)
    if scope is None:
        return None
    summaries.flush_pending()
    outside = [s for s in Status if s not in exact or {(s, p) for p in exact[s]} - summaries.SCOPES[scope]]
    if not outside:  # the kept rows are the viewer's: ranked in SQL, as ``partners()`` ranks
        return _split(db.session.connection().execute(
            _kept_ranked(), {"district_id": district_id, "scope": scope, "limit": limit}))
    counted = {row[0]: list(row) for row in summaries.partner_rows(district_id, scope)}
    pilots = sa.func.count(sa.distinct(PilotPartner.pilot_id))
    for partner_id, name, kind, n in db.session.execute(
        sa.select(Partner.id, Partner.name, Partner.kind, pilots)
        .join(PilotPartner, PilotPartner.partner_id == Partner.id)
        .join(Pilot, Pilot.id == PilotPartner.pilot_id)
        .where(visible, Pilot.district_id == district_id, Pilot.status.in_([str(s) for s in outside]),
               ~summaries.in_scope(scope))
        .group_by(Partner.id, Partner.name, Partner.kind)
    ):
        counted.setdefault(partner_id, [partner_id, name, kind, 0])[3] += n
    rows = sorted(counted.values(), key=lambda row: (-row[3], row[1], row[0]))
    kinds: dict[str, int] = defaultdict(int)
    for row in rows:
        kinds[row[2]] += 1
    top = [PartnerRow(*row) for row in rows[:limit]]
    return top, dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))


def partner_names(where: list, text: str, limit: int) -> list[str]:
    """Names of partners of the matching pilots that match ``text`` (the partner search's rule),
    alphabetically: the suggestions of the partner filter's search box."""
    return list(db.session.scalars(
        sa.select(Partner.name).join(PilotPartner, PilotPartner.partner_id == Partner.id)
        .join(Pilot, Pilot.id == PilotPartner.pilot_id)
        .where(*where, partner_queries.matching(text))
        .group_by(Partner.name).order_by(Partner.name).limit(limit)
    ))


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


def funding(where: Where, pilot_filter: PilotFilter | None = None) -> Funding:
    """Total funding per year and per source kind (SQL aggregate, never stored) of the committed
    pilots matching ``where``, or of the status chosen in ``pilot_filter``."""
    added = committed(pilot_filter)

    def build(conditions: list):
        return (sa.select(FundingLine.year, FundingLine.source_type, sa.func.sum(FundingLine.amount))
                .join(FundingLine.pilot).where(*conditions, *added)
                .group_by(FundingLine.year, FundingLine.source_type))
    rows = prepared.run(f"district.funding.{bool(added)}", where, build).all()
    return _funding({(y, s): int(total or 0) for y, s, total in rows})


def kept_funding(user, district_id: int) -> Funding | None:
    """``funding()`` of an unfiltered district page from the kept rows (None: the viewer sees some
    committed pilots only in part; then ``funding()`` counts)."""
    summaries.flush_pending()
    exact = summaries.exact_statuses(user, [str(s) for s in Status], district_id)  # as the figures ask
    cells = summaries.funding_cells(exact, COMMITTED, district_id)
    return None if cells is None else _funding(cells)


def _funding(cells: dict) -> Funding:
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


def live_figures(where: list, with_funding: bool, with_verdicts: bool = True) -> summaries.Figures:
    """The overview's figures counted from the pilots matching ``where``: three statements (fewer
    without funding or verdicts). Pilots through their covering index (district, status, visibility), funding
    lines through theirs (pilot, year, source, amount): no table row is read."""
    out = summaries.Figures.empty(with_funding)
    for district_id, status, n in db.session.execute(
        sa.select(Pilot.district_id, Pilot.status, sa.func.count()).where(*where)
        .group_by(Pilot.district_id, Pilot.status)
    ):
        out.add_status(district_id, status, n)
    for district_id, verdict, n in db.session.execute(
        sa.select(Pilot.district_id, Outcome.verdict, sa.func.count()).join(Outcome.pilot)
        .where(*where, Pilot.status == Status.EVALUATED).group_by(Pilot.district_id, Outcome.verdict)
    ) if with_verdicts else ():
        out.add_verdict(district_id, verdict, n)
    if with_funding:
        for district_id, year, total in db.session.execute(
            sa.select(Pilot.district_id, FundingLine.year, sa.func.sum(FundingLine.amount))
            .join(FundingLine.pilot).where(*where, *committed()).group_by(Pilot.district_id, FundingLine.year)
        ):
            out.add_funding(district_id, year, int(total or 0))
    return out


def overview_figures(user, where: list, filtered: bool, with_funding: bool, only: int | None = None
                     ) -> summaries.Figures:
    """The figures of the pilots matching ``where`` (``user``'s visibility and, if ``filtered``,
    the overview's filters; ``only`` one district's, which ``where`` then says too). Unfiltered,
    the kept summaries give them for every status the viewer sees whole
    (``summaries.exact_statuses``); only the rest (a signed-in viewer's drafts) is counted live."""
    if filtered:
        return live_figures(where, with_funding)
    exact = summaries.exact_statuses(user, [str(s) for s in Status], only)
    summaries.flush_pending()
    out = summaries.figures(exact, COMMITTED if with_funding else None, only)
    rest = [str(s) for s in Status if str(s) not in exact]
    if rest:
        money = with_funding and bool(set(rest) & set(COMMITTED))
        out.merge(live_figures([*where, Pilot.status.in_(rest)], money, Status.EVALUATED in rest))
    return out


def overview(figures: summaries.Figures, attention_counts: dict[int, int],
             statuses: list[str]) -> tuple[list[OverviewRow], OverviewRow]:
    """One row per district (retired ones included) and a total row from ``figures``: one query.
    Counts per status for each of ``statuses``; funding (committed pilots only) if ``figures`` has it."""
    districts = db.session.scalars(sa.select(District).order_by(District.retired, District.name)).all()
    with_funding = figures.funding is not None
    rows = [
        OverviewRow(
            district=d,
            statuses={s: figures.statuses.get(d.id, {}).get(s, 0) for s in statuses},
            verdicts={str(v): figures.verdicts.get(d.id, {}).get(str(v), 0) for v in Verdict},
            funding=sum(figures.funding.get(d.id, {}).values()) if with_funding else None,
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
