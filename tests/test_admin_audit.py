"""The audit trail page: newest first, who/what/old → new, filters, pages, bounded queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker import audit
from tracker.db import db


def _entry(actor, entity, entity_id, action, changes, at):
    entry = audit.record(actor, entity, entity_id, action, changes)
    entry.at = at
    db.session.flush()
    return entry


@pytest.fixture
def trail(world):
    _entry(world.admin, "user", world.staff_a.id, "update", {"role": ("staff", "coordinator")},
           datetime(2026, 3, 1, 10, tzinfo=UTC))
    _entry(world.coordinator_a, "pilot", 7, "handover", {"owner_id": (1, 2)},
           datetime(2026, 3, 5, 22, 30, tzinfo=UTC))  # 23:30 in Oslo, still 5 March
    _entry(world.admin, "theme", 3, "retire", {"retired": (False, True)},
           datetime(2026, 3, 9, 8, tzinfo=UTC))
    db.session.commit()
    return world


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [row for row in body.split("<tr>")[1:]]


def test_newest_first_with_old_and_new_values(trail, login):
    page = login(trail.admin).get("/admin/audit")
    assert page.status_code == 200 and "Endringslogg" in page.text
    rows = _rows(page.text)
    assert [("Nedlagt" in r, "Overført til ny eier" in r, "Endret" in r) for r in rows] == [
        (True, False, False), (False, True, False), (False, False, True)]
    assert "<strong>Rolle</strong>: Ansatt → Koordinator" in rows[2]
    assert "Coordinator A" in rows[1] and f'href="/admin/users/{trail.staff_a.id}"' in rows[2]


def test_filter_by_actor_entity_and_dates(trail, login):
    client = login(trail.admin)
    by_actor = _rows(client.get(f"/admin/audit?actor={trail.coordinator_a.id}").text)
    assert len(by_actor) == 1 and "Overført til ny eier" in by_actor[0]
    by_entity = _rows(client.get("/admin/audit?entity=theme").text)
    assert len(by_entity) == 1 and "Nedlagt" in by_entity[0]
    by_date = _rows(client.get("/admin/audit?date_from=2026-03-02&date_to=2026-03-05").text)
    assert len(by_date) == 1 and "Overført til ny eier" in by_date[0]
    assert len(_rows(client.get("/admin/audit?date_from=2026-03-06").text)) == 1


@pytest.mark.parametrize("query,field", [
    ("actor=999999999999999", "actor"), ("entity=nonsense", "entity"), ("date_from=yesterday", "date_from"),
    ("date_to=9999-12-31", "date_to"), ("date_from=2026-03-09&date_to=2026-03-01", "date_to")])
def test_bad_filters_are_field_errors(trail, login, query, field):
    response = login(trail.admin).get(f"/admin/audit?{query}")
    assert response.status_code == 400 and f'href="#{field}"' in response.text


def test_pages(app, world, login):
    app.config["PAGE_SIZE"] = 5
    client = login(world.admin)
    for n in range(12):
        audit.record(world.staff_a if n % 2 else world.coordinator_b, "theme", n, "update",
                     {"name_nb": (f"a{n}", f"b{n}")})
    first = client.get("/admin/audit")
    assert len(_rows(first.text)) == 5 and "Side 1 av 3" in first.text
    assert len(_rows(client.get("/admin/audit?page=3").text)) == 2
    assert client.get("/admin/audit?page=99999999999999999999").status_code == 200
