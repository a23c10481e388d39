"""The district page's queries stay on indexes: no full scan of pilots, status events, audit entries
or funding lines, so its cost follows the district, not the city (issue 12).

The city is a moderate 2,000 pilots with their history (``bench/synth.py``), with planner
statistics (``ANALYZE``). On PostgreSQL the test turns ``enable_seqscan`` off: at this size a
sequential scan is cheaper than any index and the planner rightly picks it, but with the setting
off it still falls back to a sequential scan when *no* index can serve a query, which is exactly
what this test must catch. SQLite's planner has no such preference at this size.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import login_as
from tests.sql import counted
from tracker.db import db
from tracker.pilots.models import Pilot
from tracker.pilots.permissions import visible_filter

CITY = 2000
WATCHED = ("pilots", "status_events", "audit_entries", "funding_lines", "progress_reports", "district_counts",
           "district_funding", "district_partners")
SQLITE_FULL_SCAN = re.compile(rf"\bSCAN ({'|'.join(WATCHED)})(_\d+)?\b")
PG_FULL_SCAN = re.compile(rf"Seq Scan on ({'|'.join(WATCHED)})\b")


@pytest.fixture
def app_config():
    return {"DISTRICTS_CACHE_SECONDS": 0}


@pytest.fixture
def city(world):
    from bench import synth

    themes = [f.make_theme().id for _ in range(3)]
    partners = [f.make_partner().id for _ in range(20)]
    districts = [world.district_a.id, world.district_b.id] + [f.make_district().id for _ in range(18)]
    synth.add_pilots(db.session.connection(), districts, [world.staff_a.id, world.staff_b.id], partners,
                     themes, CITY, reviewers={world.district_a.id: world.coordinator_a.id})
    # Progress reports on the running and paused pilots: three each.
    db.session.execute(sa.text(
        "INSERT INTO progress_reports (pilot_id, report_date, state, happened, next_steps, created_at) "
        "SELECT id, :day, 'on_track', 'Godt i gang.', '', :at FROM pilots "
        "WHERE status IN ('running', 'paused')"),
        [{"day": date(2026, month, 1), "at": datetime(2026, month, 1, tzinfo=UTC)} for month in (1, 2, 3)])
    db.session.commit()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return world


def page_statements(client, url: str) -> list[tuple[str, object]]:
    """Every statement (with its parameters) one GET of ``url`` runs."""
    statements: list = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    return statements


def plans(statements: list[tuple[str, object]]) -> list[tuple[str, str]]:
    """``(statement, plan text)`` for every SELECT the page ran."""
    found = []
    with db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, params in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            rows = conn.exec_driver_sql(("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement,
                                        params).all()
            found.append((statement, "\n".join(str(r[0] if postgres else r[3]) for r in rows)))
    return found


def full_scans(found: list[tuple[str, str]]) -> list[str]:
    pattern = PG_FULL_SCAN if db.engine.dialect.name == "postgresql" else SQLITE_FULL_SCAN
    return [f"{plan}\n  for: {' '.join(statement.split())[:300]}" for statement, plan in found
            if pattern.search(plan)]


@pytest.mark.parametrize("query", ["", "?status=running&sort=title", "?arena=digital&year=2025",
                                   "?partner=Partner&q=a"])
@pytest.mark.parametrize("who", ["coordinator_a", "staff_b", "admin", None])
def test_the_district_page_reads_indexes_not_whole_tables(city, client, who, query):
    if who:
        login_as(client, getattr(city, who))
    found = plans(page_statements(client, f"/districts/district-a{query}"))
    # The page's aggregates were all seen (anonymous and unfiltered, the figures read from the kept
    # summaries: eight statements).
    assert len(found) >= 8
    assert full_scans(found) == []


def test_the_pilot_list_pages_through_the_updated_index(city, client):
    """The default order walks ``(updated_at, id)``: no sort of every visible pilot per page."""
    login_as(client, city.staff_b)
    with counted() as statements:
        assert client.get("/pilots/").status_code == 200
    page = [s for s in statements if "ORDER BY pilots.updated_at DESC" in s and "LIMIT" in s]
    assert page, statements
    stmt = sa.select(Pilot.id).where(visible_filter(city.staff_b)).order_by(
        Pilot.updated_at.desc(), Pilot.id.desc()).limit(50)
    compiled = stmt.compile(db.engine)
    plan = plans([(str(compiled), compiled.params if db.engine.dialect.name == "postgresql"
                   else tuple(compiled.params[k] for k in compiled.positiontup))])[0][1]
    assert "ix_pilots_updated" in plan and "TEMP B-TREE" not in plan and "Sort" not in plan.split("->")[0]


def test_the_district_counts_never_read_a_pilot_row(city, client):
    """The visibility condition is covered by an index beside district and status, so the counts
    per status (from which the list's and the timeline's totals are derived; of a staff member's
    view only their drafts are counted, the rest is kept) read that index alone (SQLite's ``COVERING
    INDEX``; PostgreSQL's index-only scans also depend on its visibility map, so the plan is
    checked on SQLite)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("index-only scans on PostgreSQL depend on VACUUM's visibility map")
    login_as(client, city.staff_b)
    statements = page_statements(client, "/districts/district-a")
    counted_pilots = r"SELECT (count\(\*\)|pilots\.status, count|pilots\.district_id, pilots\.status, count)"
    counts = [(s, p) for s, p in statements if re.match(counted_pilots, s)]
    assert counts
    for statement, plan in plans(counts):
        reads = [line for line in plan.splitlines() if "pilots" in line]
        assert all("COVERING INDEX" in line for line in reads), (statement, plan)
