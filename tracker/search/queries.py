"""The search's read side: ranked pilots and partners for a query, facets with counts, all under
the viewer's visibility (``tracker/pilots/permissions.visible_filter``): what a user may not open
is never listed, counted or quoted. A bounded number of statements per page."""

from __future__ import annotations

import contextlib
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload

from tracker.db import db
from tracker.districts.models import District
from tracker.paging import Page
from tracker.partners import permissions as partner_permissions
from tracker.partners.models import Partner
from tracker.pilots import permissions
from tracker.pilots.models import Outcome, Pilot
from tracker.search import backends, facets
from tracker.search.index import flush_pending
from tracker.search.models import SearchDocument
from tracker.search.text import query_terms

FACETS = facets.FACETS


def pilot_condition(query: str):
    """The pilot lists' ``q``: the title contains it, or its public text matches it (full-text,
    stemmed, diacritics-free, substring), never text only signed-in users may read. On
    PostgreSQL the matches are read first, from the full-text indexes (``_index_scans``), and the
    condition holds their ids: inside a list's statement the planner scanned every document."""
    terms = query_terms(query)
    contains = sa.func.lower(Pilot.title).contains(query.lower(), autoescape=True)
    if not terms:
        return contains
    flush_pending()
    dialect = db.engine.dialect.name
    found = backends.matched_ids(dialect, "pilot", terms, internal=False)
    if dialect != "postgresql":
        return sa.or_(contains, Pilot.id.in_(found))
    with _index_scans(dialect):
        ids = [row[0] for row in _fetched(found)]
    # A set to look in (a hashed subplan), not ``= ANY(array)``: tested row by row, 10 times slower.
    listed = sa.select(sa.func.unnest(sa.literal(ids, postgresql.ARRAY(sa.Integer))))
    return sa.or_(contains, Pilot.id.in_(listed))


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


# At most this many documents are ranked one by one (the engines' cost is per ranked document);
# a broader query orders its matches by title or text match, then by the last change.
RANKED_AT_MOST = 1000


def _fetched(statement) -> list[tuple]:
    """The statement's rows as the database driver returns them: thousands of ids, without a
    Row object each (a third of the search's time went into building them)."""
    return db.session.execute(statement).cursor.fetchall()


def _ranks(terms: list[str], internal: bool) -> dict[int, float]:
    """``{document id: best rank}`` of every pilot and partner matching all the terms (lower is
    better; ids as ``backends.doc_id``: a partner's is negative; see ``backends.match_parts``):
    each of the engine's statements runs once for both kinds (an index read costs the same for
    one kind as for both), the best rank per document is kept here (no grouping in SQL). A
    partner's document has no internal text, so ``internal`` finds the same partners either way."""
    flush_pending()
    dialect = db.engine.dialect.name
    with _index_scans(dialect):
        return _ranks_of(dialect, terms, internal)


@contextlib.contextmanager
def _index_scans(dialect: str):
    """On PostgreSQL, the match's statements read the full-text indexes, each planned for its own
    query: the planner, which does not count the cost of unpacking each document's text vector,
    otherwise scans the whole table for a prefix query (270 ms instead of 25 ms at 20,000 pilots);
    and a statement psycopg has prepared (run five times on a connection) would, after five more
    runs, get PostgreSQL's generic plan, which cannot see how many documents a query's words match
    (similar pilots went from 120 to 500 ms). For this transaction's next statements only, and
    set back afterwards (after a failed statement the transaction can only roll back, which
    resets the settings: a reset then would hide the error behind its own)."""
    if dialect != "postgresql":
        yield
        return
    previous = db.session.execute(sa.text(_SETTINGS), _FOR_SEARCH).first()  # (setting, new value) each
    yield
    db.session.execute(sa.text(_SETTINGS), dict(zip(_FOR_SEARCH, previous[::2], strict=True)))


_FOR_SEARCH = {"enable_seqscan": "off", "plan_cache_mode": "force_custom_plan"}
_SETTINGS = "SELECT " + ", ".join(f"current_setting('{name}'), set_config('{name}', :{name}, true)"
                                  for name in _FOR_SEARCH)


def _ranks_of(dialect: str, terms: list[str], internal: bool) -> dict[int, float]:
    """The text matches' ids come first (no rank computed: cheap); only if they are few enough
    does the engine rank them, else the title matches are looked up instead."""
    titles, text, *others = backends.match_parts(dialect, None, terms, internal, ranked=False)
    matched = _fetched(_ids_of(text))
    if len(matched) > RANKED_AT_MOST:
        ranks = dict.fromkeys((r[0] for r in matched), text.rank)
        ranks.update(dict.fromkeys((r[0] for r in _fetched(_ids_of(titles))), titles.rank))
    else:
        ranked, *others = backends.match_parts(dialect, None, terms, internal)
        ranks = dict(_fetched(ranked.select.limit(RANKED_AT_MOST + 1))) if matched else {}
    for part in sorted(others, key=lambda p: p.rank):  # best first: a pilot keeps its first rank
        ranks = {**dict.fromkeys((r[0] for r in _fetched(_ids_of(part))), part.rank), **ranks}
    return ranks


def _ids_of(part):
    return part.select.with_only_columns(part.select.selected_columns.ref_id)


def _page_of(ranks: dict[int, float], allowed: int, index: facets.FacetIndex, page: int,
             per_page: int) -> list[int]:
    """The ids of ``page`` among the allowed matches: best rank first, then the most recently
    changed. A broad query's matches share a few ranks (see ``RANKED_AT_MOST``): a large share is
    read in the index's recency order until the page is full, not sorted whole."""
    wanted = page * per_page
    tiers = defaultdict(list)
    for i, rank in ranks.items():
        tiers[rank].append(i)
    if len(tiers) > TIERS_AT_MOST:  # ranked one by one
        member = facets.members(allowed)
        best = heapq.nsmallest(wanted, filter(member, ranks), key=lambda i: (ranks[i], index.recency[i]))
        return best[(page - 1) * per_page:]
    best = []
    for rank in sorted(tiers):
        best += _newest(tiers[rank], allowed, index, wanted - len(best))
        if len(best) >= wanted:
            break
    return best[(page - 1) * per_page:wanted]


TIERS_AT_MOST = 8  # a broad query's matches have at most four ranks (title, text, folded, substring)


def _newest(ids: list[int], allowed: int, index: facets.FacetIndex, n: int) -> list[int]:
    """The ``n`` most recently changed of ``ids`` that are ``allowed``: read in recency order when
    that is expected to stop sooner than sorting them (many of them, few wanted)."""
    if len(ids) * len(ids) > n * len(index.newest):
        return list(islice(filter(facets.members(facets.bitmap(ids) & allowed), index.newest), n))
    return heapq.nsmallest(n, filter(facets.members(allowed), ids), key=index.recency.__getitem__)


def search(user, query: str, chosen: dict, page: int, partner_limit: int = 10) -> Results:
    """Pilots (a page, best first) and partners matching ``query`` that ``user`` may open, and
    the facet counts of the pilots: each facet counted with the other chosen facets applied."""
    results, requested = Results(terms=query_terms(query)), page
    if not results.terms:
        return results
    found = _ranks(results.terms, _signed_in(user))
    ranks = {i: rank for i, rank in found.items() if i > 0}
    index = facets.current()
    hits = facets.bitmap(ranks) & index.visible(user)
    results.facets, total = index.counts(hits, chosen)
    for name, value in chosen.items():
        hits &= index.mask(name, value)
    per_page = current_app.config["PAGE_SIZE"]
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    ids = _page_of(ranks, hits, index, page, per_page)
    rows = {row[0]: row for row in db.session.execute(
        sa.select(Pilot.id, Pilot.title, District.name, Pilot.status, Outcome.verdict,
                  SearchDocument.body, SearchDocument.internal)
        .join(District, District.id == Pilot.district_id).outerjoin(Outcome, Outcome.pilot_id == Pilot.id)
        .join(SearchDocument, SearchDocument.id == backends.doc_id("pilot", Pilot.id))
        .where(Pilot.id.in_(ids)))} if ids else {}
    results.pilots = Page(items=[(Hit(*rows[i][:5]), *rows[i][5:]) for i in ids], total=total, page=page,
                          pages=pages, requested=requested)
    if partner_permissions.can_view(user):
        partners = {-i: rank for i, rank in found.items() if i < 0}
        results.partner_total = len(partners)
        results.partners = _best_partners(partners, partner_limit)
    return results


def _best_partners(ranks: dict[int, float], limit: int) -> list[tuple]:
    """``(Partner, rank, document body)`` of the ``limit`` best of ``ranks`` (``{partner id:
    rank}``): best rank first, then by name. Only the partners ranked as well as the last one
    shown are looked up by name, only those shown are loaded."""
    if not ranks or limit < 1:
        return []
    last = heapq.nsmallest(limit, ranks.values())[-1]
    named = db.session.execute(sa.select(Partner.id, Partner.name).where(
        Partner.id.in_([i for i, rank in ranks.items() if rank <= last]))).all()
    best = [i for i, _name in sorted(named, key=lambda row: (ranks[row[0]], row[1], row[0]))[:limit]]
    rows = {partner.id: (partner, body) for partner, body in db.session.execute(
        sa.select(Partner, SearchDocument.body)
        .join(SearchDocument, SearchDocument.id == backends.doc_id("partner", Partner.id))
        .where(Partner.id.in_(best)))}
    return [(rows[i][0], ranks[i], rows[i][1]) for i in best if i in rows]


def similar_pilots(user, text: str, exclude: int | None = None, limit: int = 5) -> list:
    """Up to ``limit`` pilots ``user`` may open whose public text is most like ``text`` (a
    proposal's title, need and themes): any word may match; the engine's relevance rewards more
    shared words and rarer ones. The best few dozen are checked for visibility first, the best
    thousand only if too few of those may be shown."""
    terms = [t for t in query_terms(text) if len(t) >= 4]  # short words (og, i, for) say nothing
    if not terms:
        return []
    flush_pending()
    found = []
    with _index_scans(db.engine.dialect.name):
        for candidates in (10 * limit, 1000):
            best = backends.best_of_any(db.engine.dialect.name, "pilot", terms, candidates)
            stmt = (sa.select(Pilot).join(best, best.c.ref_id == Pilot.id)
                    .where(permissions.visible_filter(user), Pilot.id != (exclude or 0))
                    .options(joinedload(Pilot.district), joinedload(Pilot.outcome))
                    .order_by(best.c.rank, Pilot.id.desc()).limit(limit))
            found = db.session.scalars(stmt).all()
            if len(found) == limit:
                break
    return found
