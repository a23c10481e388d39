"""Every page runs the same number of SQL statements at 40 and at 500 pilots (no N+1)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench import synth
from tests import factories as f
from tests.sql import counted
from tracker.db import db
from tracker.districts.models import District
from tracker.pilots.models import Pilot, PilotPartner


@pytest.fixture
def app_config():
    """Measure the uncached path: every request computes its figures."""
    return {"DISTRICTS_CACHE_SECONDS": 0}


def grow(world, total: int) -> None:
    """Bulk-insert pilots (with themes, partners, funding, events, outcomes) up to ``total``."""
    have = db.session.scalar(sa.select(sa.func.count()).select_from(Pilot))
    themes = [f.make_theme().id for _ in range(3)]
    partners = [f.make_partner().id for _ in range(6)]
    synth.add_pilots(db.session.connection(), [world.district_a.id, world.district_b.id],
                     [world.staff_a.id, world.staff_b.id], partners, themes, total - have, seed=total)
    db.session.commit()


def busiest_pilot() -> int:
    """A pilot with partner links in district A (the pilot page then has the most to load)."""
    return db.session.scalar(
        sa.select(Pilot.id).join(PilotPartner).where(Pilot.status.in_(["running", "completed", "evaluated"]))
        .group_by(Pilot.id).order_by(sa.func.count().desc(), Pilot.id).limit(1))


def count_get(client, url: str) -> int:
    with counted() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


PAGES = ["/districts/district-a", "/districts/district-a?year=2025&sort=planned_end",
         "/districts/", "/districts/district-a/export.csv", "/districts/export.xlsx", "PILOT",
         "/pilots/", "/pilots/?sort=title&arena=digital", "/districts/district-a/partners.json?q=a"]


@pytest.mark.parametrize("who", ["admin", "staff_b", "anonymous"])
def test_query_count_does_not_grow_with_the_data(world, client, who):
    if who != "anonymous":
        from tests.conftest import login_as

        login_as(client, getattr(world, who))
    grow(world, 40)
    small = {url: count_get(client, url if url != "PILOT" else f"/pilots/{busiest_pilot()}") for url in PAGES
             if not (url == "PILOT" and who == "anonymous")}
    grow(world, 500)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 500
    large = {url: count_get(client, url if url != "PILOT" else f"/pilots/{busiest_pilot()}") for url in small}
    assert large == small


def add_history(pilot: Pilot, entries: int, actors: list) -> None:
    """``entries`` audit entries and status events of every shape, by several people."""
    from tracker.audit import AuditEntry
    from tracker.pilots.models import StatusEvent

    district = {"id": pilot.district_id, "name": "District A"}
    link = {"partner_id": 1, "name": "X AS", "role": "lead"}
    line = {"year": 2025, "source_type": "eu", "partner_id": None, "source": "Horizon", "amount": "100000",
            "kind": "cash"}
    kpi = {"name": "CO2", "unit": "t", "baseline": "1", "target": "2", "actual": None}
    shapes = [("update", {"title": ["Old", "New"], "district": [district, district]}),
              ("update", {"themes": [[{"id": 1, "name": "a"}], []], "partners": [[], [link]]}),
              ("update", {"funding": [[], [line]], "planned_end": [None, "2026-01-01"]}),
              ("pause", {"status": ["running", "paused"], "comment": [None, "Winter"]}),
              ("resume", {"status": ["paused", "running"]}),
              ("outcome_update", {"kpis": [[], [kpi]], "verdict": [None, "continue"]})]
    for n in range(entries):
        action, changes = shapes[n % len(shapes)]
        actor = actors[n % len(actors)]
        db.session.add(AuditEntry(actor_id=actor.id, entity="pilot", entity_id=pilot.id, action=action,
                                  changes=changes))
        if action in ("pause", "resume"):
            db.session.add(StatusEvent(pilot_id=pilot.id, action=action, from_status=changes["status"][0],
                                       to_status=changes["status"][1], actor_id=actor.id, comment="Winter"))
    db.session.commit()


def test_the_pilot_page_runs_as_many_queries_with_500_history_entries_as_with_5(world, client):
    from tests.conftest import login_as

    pilot = f.make_pilot(world.staff_a, world.district_a, "running", title="Long story")
    f.link_partner(pilot, f.make_partner(), "lead")
    f.add_funding(pilot, 2025, 100_000)
    people = [f.make_user() for _ in range(12)] + [world.staff_a, world.coordinator_a]
    add_history(pilot, 5, people[:2])
    login_as(client, world.coordinator_a)
    few = count_get(client, f"/pilots/{pilot.id}")
    add_history(pilot, 495, people)
    url = f"/pilots/{pilot.id}"  # outside the count: reading the committed (expired) pilot's id is a query
    with counted() as statements:
        html = client.get(url).get_data(as_text=True)
    assert html.count("Winter") >= 150  # the whole history is shown
    assert len(statements) == few


def test_districts_have_the_indexes_the_filters_use(app):
    names = {ix.name for ix in District.metadata.tables["pilots"].indexes}
    assert {"ix_pilots_district_status_start", "ix_pilots_district_updated", "ix_pilots_status_changed",
            "ix_pilots_updated"} <= names


@pytest.mark.parametrize("url", ["/districts/district-a", "/districts/?arena=digital"])
def test_the_cache_serves_repeat_views_and_any_change_invalidates_it(world, client, app, url):
    from tests.conftest import login_as

    app.config["DISTRICTS_CACHE_SECONDS"] = 60
    grow(world, 20)
    login_as(client, world.coordinator_a)
    first = count_get(client, url)
    assert count_get(client, url) < first  # served from the cache
    f.make_pilot(world.staff_a, world.district_a, "draft", title="Brand new draft", arena_kind="digital")
    db.session.commit()
    with counted() as statements:
        html = client.get(url).get_data(as_text=True)
    assert len(statements) == first  # the new pilot changed the data version
    assert "Brand new draft" in html or "?" in url
    # Another viewer never gets the coordinator's cached figures (the draft is not theirs to see).
    login_as(client, world.staff_b)
    assert "Brand new draft" not in client.get("/districts/district-a").get_data(as_text=True)
