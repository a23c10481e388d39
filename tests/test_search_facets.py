"""The search's counts and order at scale (tracker/search/facets.py, queries._ranks): the facet
bitmaps kept per process follow every committed change and every change inside the current
transaction, visibility follows a pilot's status, and a query matching more pilots than are ranked
one by one still finds and counts them all, title matches first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories
from tracker.db import db
from tracker.pilots import operations
from tracker.pilots.workflow import Status
from tracker.search import queries
from tracker.search.index import reindex


def _search(user, query="kompostering", **chosen):
    results = queries.search(user, query, chosen, 1)
    return [p.id for p, *_ in results.pilots.items], results.pilots.total, results.facets


def test_counts_follow_each_committed_change_and_the_transaction_s_own(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                                 title="Kompostering i bakgården")
    reindex()
    db.session.commit()
    assert _search(world.staff_b)[2]["status"] == [("running", 1)]
    operations.transition(pilot, "pause", world.staff_a, expected_version=pilot.version,
                          comment="Vinterpause")
    db.session.commit()
    ids, total, facets = _search(world.staff_b)
    assert (ids, total, facets["status"]) == ([pilot.id], 1, [("paused", 1)])
    assert _search(world.staff_b, status="running")[:2] == ([], 0)

    other = factories.make_pilot(world.staff_a, world.district_b, Status.RUNNING, is_public=True,
                                 title="Kompostering på taket")
    reindex()  # not committed: this transaction's own search sees it, counted
    ids, total, facets = _search(world.staff_b)
    assert set(ids) == {pilot.id, other.id} and total == 2
    assert dict(facets["district"]) == {world.district_a.id: 1, world.district_b.id: 1}
    db.session.rollback()
    ids, total, facets = _search(world.staff_b)
    assert (ids, total, dict(facets["district"])) == ([pilot.id], 1, {world.district_a.id: 1})


def test_a_draft_is_found_by_others_once_it_is_submitted(world):
    draft = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT, title="Kompostering i skolen")
    draft.themes.append(factories.make_theme())
    reindex()
    db.session.commit()
    assert _search(world.staff_b)[:2] == ([], 0)
    assert _search(world.staff_a)[:2] == ([draft.id], 1)
    operations.transition(draft, "submit", world.staff_a, expected_version=draft.version)
    db.session.commit()
    assert _search(world.staff_b)[:2] == ([draft.id], 1)
    assert _search(None)[:2] == ([], 0)  # not in the public register


@pytest.fixture
def broad(world):
    """Four pilots about compost: one says it in its title (changed longest ago), three in their
    need, each changed later than the one before; and one about something else."""
    now = datetime.now(UTC)
    title = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                                 title="Kompostering i parken", need="Avfall.",
                                 updated_at=now - timedelta(days=9))
    texts = [factories.make_pilot(world.staff_a, world.district_b, Status.RUNNING, is_public=True,
                                  need="Vi prøver kompostering av matavfall.",
                                  updated_at=now - timedelta(days=5 - n)) for n in range(3)]
    factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True, title="Bysykkel")
    reindex()
    db.session.commit()
    return title, texts


def test_a_query_too_broad_to_rank_one_by_one_lists_title_matches_then_the_latest(broad, world, monkeypatch):
    title, texts = broad
    ranked, ranked_total, ranked_facets = _search(world.staff_b)
    assert ranked[0] == title.id and ranked_total == 4
    monkeypatch.setattr(queries, "RANKED_AT_MOST", 2)
    ids, total, facets = _search(world.staff_b)
    assert ids == [title.id, *[p.id for p in reversed(texts)]]
    assert (total, facets) == (ranked_total, ranked_facets)
    narrowed = _search(world.staff_b, district=world.district_b.id)
    assert narrowed[:2] == ([p.id for p in reversed(texts)], 3)


@pytest.mark.parametrize("per_page", [1, 3, 20])
def test_a_broad_query_pages_through_in_the_same_order_whatever_the_page_size(broad, world, app, monkeypatch,
                                                                              per_page):
    """A page is read from each rank's matches in recency order, or sorted: the same pilots."""
    title, texts = broad
    monkeypatch.setattr(queries, "RANKED_AT_MOST", 2)
    monkeypatch.setitem(app.config, "PAGE_SIZE", per_page)
    pages = -(-4 // per_page)
    seen = [hit.id for n in range(1, pages + 1)
            for hit, *_ in queries.search(world.staff_b, "kompostering", {}, n).pilots.items]
    assert seen == [title.id, *[p.id for p in reversed(texts)]]
    chosen = {"district": world.district_b.id}
    narrowed = [hit.id for n in range(1, -(-3 // per_page) + 1)
                for hit, *_ in queries.search(world.staff_b, "kompostering", chosen, n).pilots.items]
    assert narrowed == [p.id for p in reversed(texts)]
