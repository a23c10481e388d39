"""The search's read side: ranked pilots and partners for a query, facets with counts, all under
the viewer's visibility (``tracker/pilots/permissions.visible_filter``): what a user may not open
is never listed, counted or quoted. A bounded number of statements per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.db import db
from tracker.districts.models import District
from tracker.paging import Page, paginate
from tracker.partners import permissions as partner_permissions
from tracker.partners.models import Partner
from tracker.pilots import permissions
from tracker.pilots.models import Outcome, Pilot, pilot_themes
from tracker.search import backends
from tracker.search.index import flush_pending
from tracker.search.models import SearchDocument
from tracker.search.text import query_terms

FACETS = ("district", "status", "theme", "arena", "verdict", "year")
NUMERIC_FACETS = ("district", "theme", "year")


def matching(kind: str, terms: list[str], internal: bool = False):
    """``(ref_id, rank)`` of the documents of ``kind`` matching every term (see ``backends``)."""
    flush_pending()
    return backends.matches(db.engine.dialect.name, kind, terms, internal)


def pilot_condition(query: str):
    """The pilot lists' ``q``: the title contains it, or its public text matches it (full-text,
    stemmed, diacritics-free, substring), never text only signed-in users may read."""
    terms = query_terms(query)
    contains = sa.func.lower(Pilot.title).contains(query.lower(), autoescape=True)
    if not terms:
        return contains
    return sa.or_(contains, Pilot.id.in_(sa.select(matching("pilot", terms).c.ref_id)))


def _start_year():
    return sa.extract("year", sa.func.coalesce(Pilot.actual_start, Pilot.planned_start))


def _facet_condition(name: str, value):
    return {
        "district": lambda: Pilot.district_id == value,
        "status": lambda: Pilot.status == value,
        "theme": lambda: Pilot.id.in_(sa.select(pilot_themes.c.pilot_id)
                                      .where(pilot_themes.c.theme_id == value)),
        "arena": lambda: Pilot.arena_kind == value,
        "verdict": lambda: Pilot.id.in_(sa.select(Outcome.pilot_id).where(Outcome.verdict == value)),
        "year": lambda: _start_year() == value,
    }[name]()


class Hit(NamedTuple):
    """A found pilot as the results list shows it (plain values, no ORM object)."""

    id: int
    title: str
    district: str
    status: str
    verdict: str | None


@dataclass
class Results:
    terms: list[str]
    pilots: Page | None = None  # items: (Hit, rank, body, internal)
    partners: list = field(default_factory=list)
    partner_total: int = 0
    facets: dict[str, list[tuple]] = field(default_factory=dict)  # name -> [(value, count)]


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _facet_counts(matched, visible, chosen: dict) -> tuple[dict[str, list[tuple]], int]:
    """Every facet's counts (each with the other chosen facets applied) and the total, in one
    statement: the matched visible pilots are found once (a CTE the engine materialises) and
    grouped six ways, instead of running the full-text match once per facet."""
    hits = (sa.select(Pilot.id, Pilot.district_id.label("district"), Pilot.status,
                      Pilot.arena_kind.label("arena"), Outcome.verdict, _start_year().label("year"))
            .join(matched, matched.c.ref_id == Pilot.id).outerjoin(Outcome, Outcome.pilot_id == Pilot.id)
            .where(visible).cte("hits"))

    def conditions(skip: str | None = None) -> list:
        return [hits.c.id.in_(sa.select(pilot_themes.c.pilot_id).where(pilot_themes.c.theme_id == value))
                if name == "theme" else hits.c[name] == value
                for name, value in chosen.items() if name != skip]

    arms = [sa.select(sa.literal_column("'total'"), sa.cast(sa.null(), sa.String), sa.func.count())
            .select_from(hits).where(*conditions())]
    for name in FACETS:
        column = pilot_themes.c.theme_id if name == "theme" else hits.c[name]
        arm = sa.select(sa.literal_column(f"'{name}'"), sa.cast(column, sa.String), sa.func.count())
        if name == "theme":
            arm = arm.select_from(hits.join(pilot_themes, pilot_themes.c.pilot_id == hits.c.id))
        arms.append(arm.where(*conditions(skip=name), column.is_not(None)).group_by(column))
    facets: dict[str, list[tuple]] = {name: [] for name in FACETS}
    total = 0
    for name, value, count in db.session.execute(sa.union_all(*arms)):
        if name == "total":
            total = count
        else:
            facets[name].append((int(value) if name in NUMERIC_FACETS else value, count))
    return {name: sorted(rows, key=lambda r: (-r[1], str(r[0]))) for name, rows in facets.items()}, total


def search(user, query: str, chosen: dict, page: int, partner_limit: int = 10) -> Results:
    """Pilots (a page, best first) and partners matching ``query`` that ``user`` may open, and
    the facet counts of the pilots: each facet counted with the other chosen facets applied."""
    results = Results(terms=query_terms(query))
    if not results.terms:
        return results
    internal = _signed_in(user)
    matched = matching("pilot", results.terms, internal)
    visible = permissions.visible_filter(user)
    results.facets, total = _facet_counts(matched, visible, chosen)
    stmt = (sa.select(Pilot.id, Pilot.title, District.name, Pilot.status, Outcome.verdict, matched.c.rank,
                      SearchDocument.body, SearchDocument.internal)
            .join(matched, matched.c.ref_id == Pilot.id).join(District, District.id == Pilot.district_id)
            .outerjoin(Outcome, Outcome.pilot_id == Pilot.id)
            .join(SearchDocument, sa.and_(SearchDocument.kind == "pilot", SearchDocument.ref_id == Pilot.id))
            .where(visible, *[_facet_condition(n, v) for n, v in chosen.items()])
            .order_by(matched.c.rank, Pilot.updated_at.desc(), Pilot.id.desc()))
    results.pilots = paginate(stmt, page, rows=True, total=total)
    results.pilots.items = [(Hit(*row[:5]), *row[5:]) for row in results.pilots.items]
    if partner_permissions.can_view(user):
        found = matching("partner", results.terms)
        # The total rides along as a window count (computed before the LIMIT): one statement.
        stmt = (sa.select(Partner, found.c.rank, SearchDocument.body, sa.func.count().over())
                .join(found, found.c.ref_id == Partner.id)
                .join(SearchDocument, sa.and_(SearchDocument.kind == "partner",
                                              SearchDocument.ref_id == Partner.id))
                .order_by(found.c.rank, Partner.name, Partner.id).limit(partner_limit))
        rows = db.session.execute(stmt).all()
        results.partner_total = rows[0][3] if rows else 0
        results.partners = [tuple(r[:3]) for r in rows]
    return results


def similar_pilots(user, text: str, exclude: int | None = None, limit: int = 5) -> list:
    """Up to ``limit`` pilots ``user`` may open whose text shares the most words with ``text``
    (a proposal's title, need and themes): any word may match, the more the better."""
    terms = [t for t in query_terms(text) if len(t) >= 4]  # short words (og, i, for) say nothing
    if not terms:
        return []
    parts = []
    for term in terms:
        found = matching("pilot", [term])
        parts.append(sa.select(found.c.ref_id, found.c.rank))
    scored = sa.union_all(*parts).subquery()
    score = (sa.select(scored.c.ref_id, sa.func.count().label("hits"),
                       sa.func.min(scored.c.rank).label("rank"))
             .group_by(scored.c.ref_id).subquery())
    stmt = (sa.select(Pilot).join(score, score.c.ref_id == Pilot.id)
            .where(permissions.visible_filter(user), Pilot.id != (exclude or 0))
            .options(joinedload(Pilot.district), joinedload(Pilot.outcome))
            .order_by(score.c.hits.desc(), score.c.rank, Pilot.id.desc()).limit(limit))
    return db.session.scalars(stmt).all()
