"""The search's read side: ranked pilots and partners for a query, facets with counts, all under
the viewer's visibility (``tracker/pilots/permissions.visible_filter``): what a user may not open
is never listed, counted or quoted. A bounded number of statements per page."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.db import db
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


def _facet_column(name: str):
    return {"district": Pilot.district_id, "status": Pilot.status, "theme": pilot_themes.c.theme_id,
            "arena": Pilot.arena_kind, "verdict": Outcome.verdict, "year": _start_year()}[name]


@dataclass
class Results:
    terms: list[str]
    pilots: Page | None = None
    partners: list = field(default_factory=list)
    partner_total: int = 0
    facets: dict[str, list[tuple]] = field(default_factory=dict)  # name -> [(value, count)]


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def search(user, query: str, chosen: dict, page: int, partner_limit: int = 10) -> Results:
    """Pilots (a page, best first) and partners matching ``query`` that ``user`` may open, and
    the facet counts of the pilots: each facet counted with the other chosen facets applied."""
    results = Results(terms=query_terms(query))
    if not results.terms:
        return results
    internal = _signed_in(user)
    matched = matching("pilot", results.terms, internal)
    base = [permissions.visible_filter(user)]

    def conditions(skip: str | None = None) -> list:
        return base + [_facet_condition(n, v) for n, v in chosen.items() if n != skip]

    stmt = (sa.select(Pilot, matched.c.rank, SearchDocument.body, SearchDocument.internal)
            .join(matched, matched.c.ref_id == Pilot.id)
            .join(SearchDocument, sa.and_(SearchDocument.kind == "pilot", SearchDocument.ref_id == Pilot.id))
            .where(*conditions()).order_by(matched.c.rank, Pilot.updated_at.desc(), Pilot.id.desc()))
    results.pilots = paginate(stmt, page, rows=True)
    for name in FACETS:
        column = _facet_column(name)
        counted = sa.select(column, sa.func.count(sa.distinct(Pilot.id))).select_from(Pilot).join(
            matched, matched.c.ref_id == Pilot.id)
        if name == "theme":
            counted = counted.join(pilot_themes, pilot_themes.c.pilot_id == Pilot.id)
        elif name == "verdict":
            counted = counted.join(Outcome, Outcome.pilot_id == Pilot.id)
        rows = db.session.execute(counted.where(*conditions(skip=name), column.is_not(None))
                                  .group_by(column)).all()
        results.facets[name] = sorted(((v, n) for v, n in rows), key=lambda r: (-r[1], str(r[0])))
    if partner_permissions.can_view(user):
        found = matching("partner", results.terms)
        stmt = (sa.select(Partner, found.c.rank, SearchDocument.body)
                .join(found, found.c.ref_id == Partner.id)
                .join(SearchDocument, sa.and_(SearchDocument.kind == "partner",
                                              SearchDocument.ref_id == Partner.id))
                .order_by(found.c.rank, Partner.name, Partner.id))
        counted = sa.select(sa.func.count()).select_from(stmt.subquery())
        results.partner_total = db.session.scalar(counted) or 0
        results.partners = [tuple(r) for r in db.session.execute(stmt.limit(partner_limit)).all()]
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
