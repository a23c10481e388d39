"""The change history as people read it: the pilot page's change log and the admin audit trail.

Both show translated labels, names instead of ids, dates and amounts in the page's language; the
story below runs the real operations, so the entries have exactly the shapes the app records.
"""

from __future__ import annotations

import html
import re
from datetime import date
from types import SimpleNamespace

import pytest

from tests import factories
from tests.sql import statements
from tracker.admin import operations as admin_operations
from tracker.admin.audit_fields import DISTRICT, THEME
from tracker.auth import operations as auth_operations
from tracker.auth.audit_fields import USER
from tracker.db import db
from tracker.formatting import fmt_date
from tracker.partners import operations as partner_operations
from tracker.partners.audit_fields import PARTNER
from tracker.pilots import operations
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.operations import Content
from tracker.pilots.workflow import Action

EN = {"Accept-Language": "en"}


def _content(district, title, themes, partners, funding, is_public=False, planned_start=None):
    values = dict(title=title, district_id=district.id, arena_kind="physical", need="Too many cars.",
                  description="Smart parking sensors.", goals="Ten percent fewer cars.", location="Løkka",
                  planned_start=planned_start, planned_end=date(2026, 12, 31), agency="Bymiljøetaten",
                  contact_name="Staff A", contact_email="staff.a@example.org", contact_phone="",
                  is_public=is_public)
    return Content(values=values, themes=themes, partners=partners, funding=funding)


def _cash(amount, kind="cash"):
    return {"year": 2026, "source_type": "municipal", "partner": None, "source": "Oslo", "amount": amount,
            "kind": kind}


@pytest.fixture
def story(world):
    """A pilot proposed, edited (moved district, themes, partners, funding), run and evaluated; a
    partner merged into another and one deleted; a user and a district changed by an admin."""
    mobility = factories.make_theme("mobility", name_nb="Mobilitet", name_en="Mobility")
    energy = factories.make_theme("energy", name_nb="Energi og klima", name_en="Energy and climate")
    uio = factories.make_partner("Universitetet i Oslo", kind="university")
    sintef = factories.make_partner("SINTEF AS", kind="research_institute")
    old = factories.make_partner("Gammel Partner AS")
    pilot = operations.create_pilot(world.staff_a, _content(
        world.district_a, "Smart parkering", [mobility], [(uio, "lead")], [_cash(1000)]))
    db.session.commit()
    operations.update_pilot(pilot, world.staff_a, _content(
        world.district_b, "Smart parkering på Løkka", [mobility, energy], [(uio, "lead"), (sintef, "funder")],
        [_cash(250000, "in_kind")], is_public=True, planned_start=date(2026, 3, 1)), pilot.version)
    db.session.commit()
    operations.transition(pilot, Action.SUBMIT, world.staff_a, expected_version=pilot.version)
    operations.transition(pilot, Action.APPROVE, world.coordinator_b, expected_version=pilot.version)
    operations.transition(pilot, Action.START, world.staff_a, expected_version=pilot.version,
                          on_date=date(2026, 3, 2))
    operations.transition(pilot, Action.COMPLETE, world.staff_a, expected_version=pilot.version,
                          on_date=date(2026, 11, 23))
    operations.record_outcome(pilot, world.staff_a, {"verdict": "scale_up", "summary": "It worked.",
                                                     "lessons": "Start small.", "next_steps": ""},
                              [{"name": "Reisetid", "unit": "min", "baseline": 12.5, "target": 10.0,
                                "actual": None}], pilot.version)
    db.session.commit()
    partner_operations.merge_partners(world.admin, sintef, uio)
    partner_operations.delete_partner(world.admin, old)
    auth_operations.update_user(world.staff_b, world.admin, name="Staff B", agency="", role="coordinator",
                                districts=[world.district_a])
    admin_operations.update_district(world.district_b, world.admin, name="District B", description="",
                                     focus="Mobility", coordinators=[world.coordinator_b])
    db.session.commit()
    return SimpleNamespace(world=world, pilot=pilot, uio=uio, sintef_id=sintef.id, old_id=old.id)


def _text(fragment: str) -> str:
    """What a reader sees: tags removed, entities decoded, white space collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def _change_log(body: str) -> str:
    return body.split('id="audit-title"', 1)[1].split("</section>", 1)[0]


def _rows(body: str) -> list[list[str]]:
    """The table's rows as the text of their cells; each change of the last cell on its own."""
    tbody = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in tbody.split("<tr>")[1:]:
        cells = row.split("<td>")[1:]
        changes = [_text(item) for item in cells[-1].split("<li>")[1:]]
        rows.append([_text(cell) for cell in cells[:-1]] + changes)
    return rows


def _row(rows, *cells: str) -> list[str]:
    """The only row holding every one of ``cells`` (an action, a target, ...)."""
    found = [row for row in rows if all(cell in row for cell in cells)]
    assert len(found) == 1, (cells, rows)
    return found[0]


RAW = ("running", "completed", "physical", "district_id", "is_public", "in_kind", "municipal", "scale_up",
       "(lead)", "(funder)", "None", "[min]", "True", "False", "outcome_create", "2026-11-23", "0001-01-01",
       "['", "mobility", "energy")


def _day(app, language: str, day: date) -> str:
    """``day`` as the app's pages write dates in ``language`` (one style for every page)."""
    with app.test_request_context(headers={"Accept-Language": language}):
        return fmt_date(day)


def test_pilot_change_log_reads_in_norwegian(app, story, login):
    body = login(story.world.staff_a).get(f"/pilots/{story.pilot.id}").text
    rows = _rows(_change_log(body))
    assert [row[2] for row in rows] == ["Partnere slått sammen", "Resultat registrert", "Fullført", "Startet",
                                        "Godkjent", "Sendt til vurdering", "Endret", "Opprettet"]
    assert _row(rows, "Partnere slått sammen")[3:] == [
        "Partner slått sammen: SINTEF AS → Universitetet i Oslo",
        "Partnere: SINTEF AS (Finansierer); Universitetet i Oslo (Hovedansvarlig) → "
        "Universitetet i Oslo (Finansierer); Universitetet i Oslo (Hovedansvarlig)",
    ]
    assert _row(rows, "Endret")[3:] == [
        "Tittel: Smart parkering → Smart parkering på Løkka",
        "Distrikt: District A → District B",
        f"Planlagt start: – → {_day(app, 'nb', date(2026, 3, 1))}",
        "I det offentlige registeret: Nei → Ja",
        "Temaer: Mobilitet → Energi og klima; Mobilitet",
        "Partnere: Universitetet i Oslo (Hovedansvarlig) → SINTEF AS (Finansierer); "
        "Universitetet i Oslo (Hovedansvarlig)",
        "Finansiering: 2026: Oslo, 1\xa0000 kr (Kontanter) → 2026: Oslo, 250\xa0000 kr (Egeninnsats)",
    ]
    assert "Status: Til vurdering → Godkjent" in _row(rows, "Godkjent")
    assert _row(rows, "Fullført")[3:] == ["Status: Pågår → Fullført",
                                          f"Faktisk slutt: – → {_day(app, 'nb', date(2026, 11, 23))}"]
    assert "Arenatype: Fysisk" in _row(rows, "Opprettet")
    outcome = _row(rows, "Resultat registrert")
    assert "Konklusjon: Skaleres opp" in outcome
    assert "Resultatindikatorer: Reisetid (min): utgangsverdi 12,5, mål 10, faktisk –" in outcome
    assert not any(change.startswith("Neste steg") for change in outcome)  # None → "" is no visible change
    text = _text(_change_log(body))
    assert not [raw for raw in RAW if raw in text]


def test_pilot_change_log_reads_in_english(app, story, login):
    rows = _rows(_change_log(login(story.world.staff_a).get(f"/pilots/{story.pilot.id}", headers=EN).text))
    assert [row[2] for row in rows] == ["Partner records merged", "Outcome recorded", "Completed", "Started",
                                        "Approved", "Submitted for review", "Edited", "Created"]
    assert "Partner merged: SINTEF AS → Universitetet i Oslo" in _row(rows, "Partner records merged")
    edited = _row(rows, "Edited")
    assert "District: District A → District B" in edited
    assert "Themes: Mobility → Energy and climate; Mobility" in edited
    assert "In the public register: No → Yes" in edited
    assert "Funding: 2026: Oslo, 1,000 NOK (Cash) → 2026: Oslo, 250,000 NOK (In kind)" in edited
    assert "Partners: Universitetet i Oslo (Lead) → SINTEF AS (Funder); Universitetet i Oslo (Lead)" in edited
    assert "Status: Submitted → Approved" in _row(rows, "Approved")
    assert f"Actual end: – → {_day(app, 'en', date(2026, 11, 23))}" in _row(rows, "Completed")
    assert "Key performance indicators: Reisetid (min): baseline 12.5, target 10, actual –" in \
        _row(rows, "Outcome recorded")


def test_audit_trail_names_and_links_what_changed(story, login):
    world = story.world
    body = login(world.admin).get("/admin/audit").text
    rows = _rows(body)
    edited = _row(rows, "Pilot: Smart parkering på Løkka", "Endret")
    assert "Distrikt: District A → District B" in edited and "I det offentlige registeret: Nei → Ja" in edited
    assert "Status: Til vurdering → Godkjent" in _row(rows, "Godkjent")
    merged = _row(rows, "Slått sammen med en annen partner")
    assert merged[2] == f"Partner #{story.sintef_id} (slettet)"
    assert "Slått sammen med: – → Universitetet i Oslo" in merged
    assert "Type virksomhet: Forskningsinstitutt → –" in merged
    survivor = _row(rows, "En annen partner slått sammen med denne")
    assert survivor[2] == "Partner: Universitetet i Oslo"
    assert "Pilotkoblinger flyttet: – → 1" in survivor
    deleted = _row(rows, "Slettet")
    assert deleted[2] == f"Partner #{story.old_id} (slettet)" and "Navn: Gammel Partner AS → –" in deleted
    assert _row(rows, "Bruker: Staff B")[3:] == ["Endret", "Rolle: Ansatt → Koordinator",
                                                 "Distrikter: – → District A"]
    assert _row(rows, "Distrikt: District B")[4:] == ["Satsingsområde: – → Mobility"]

    for href, name in [(f"/pilots/{story.pilot.id}", "Smart parkering på Løkka"),
                       (f"/partners/{story.uio.id}", "Universitetet i Oslo"),
                       (f"/admin/users/{world.staff_b.id}", "Staff B"),
                       (f"/admin/districts/{world.district_b.id}", "District B")]:
        assert f'<a href="{href}">{name}</a>' in body
    assert f"/partners/{story.sintef_id}" not in body and f"/partners/{story.old_id}" not in body
    tbody = _text(body.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert not [raw for raw in (*RAW, "merged_into", "outcome_update", "update") if raw in tbody]
    assert not re.search(r"\b(pilot|partner|user|district|theme) \d", tbody)  # the old "pilot 29"


def test_audit_trail_filter_and_labels_in_english(story, login):
    body = login(story.world.admin).get("/admin/audit", headers=EN).text
    entity = body.split('id="entity"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r"<option[^>]*>([^<]*)</option>", entity) == [
        "Everything", "District", "Partner", "Pilot", "User"]
    rows = _rows(body)
    assert _row(rows, "Merged into another partner")[2] == f"Partner #{story.sintef_id} (deleted)"
    assert "Role: Staff → Coordinator" in _row(rows, "User: Staff B")
    nb = login(story.world.admin).get("/admin/audit").text.split('id="entity"', 1)[1].split("</select>")[0]
    assert ">Bruker</option>" in nb and ">user<" not in nb and ">pilot<" not in nb


def _grow(world, pilot, rounds: int) -> None:
    """Entries of every kind, each about objects of its own (whose names are looked up)."""
    for _ in range(rounds):
        district, theme = factories.make_district(), factories.make_theme()
        partner, user = factories.make_partner(), factories.make_user()
        PILOT.record(world.admin, pilot.id, "update",
                     {"district": (world.district_a, district), "themes": ([], [theme]),
                      "planned_start": ("2026-01-01", "2026-02-01")})
        PILOT.record(world.admin, pilot.id, "handover", {"owner": (world.staff_a, user)})
        PARTNER.record(world.admin, partner.id, "merged_into", {"merged_into": (None, partner)})
        USER.record(world.admin, user.id, "update", {"districts": ([], [district])})
        THEME.record(world.admin, theme.id, "retire", {"retired": (False, True)})
        DISTRICT.record(world.admin, district.id, "update", {"name": ("a", "b")})
        PARTNER.record(world.admin, 10**6 + partner.id, "delete", {"name": ("Gone AS", None)})


def test_query_count_does_not_grow_with_the_entries(world, login):
    pilot = factories.make_pilot(world.staff_a, world.district_a)
    client = login(world.admin)
    _grow(world, pilot, 2)
    few = {url: statements(client, url) for url in ("/admin/audit", f"/pilots/{pilot.id}")}
    _grow(world, pilot, 20)
    assert {url: statements(client, url) for url in few} == few


def test_a_kpi_unit_with_a_bracket_and_a_source_named_none_read_as_entered(world, login):
    """The old text records were parsed back: unit "t]" came out as "CO2 [t]] 1.0 → 2.0", a funding
    source named "None" vanished. Records are shown field by field."""
    pilot = operations.create_pilot(world.staff_a, _content(
        world.district_a, "Fangst av CO2", [], [],
        [{"year": 2026, "source_type": "other", "partner": None, "source": "None", "amount": 5,
          "kind": "cash"}]))
    pilot.status = "running"
    db.session.commit()
    operations.record_outcome(pilot, world.staff_a, {"verdict": "stop", "summary": "", "lessons": "Less.",
                                                     "next_steps": ""},
                              [{"name": "CO2", "unit": "t]", "baseline": 1.0, "target": 2.0, "actual": None}],
                              pilot.version)
    db.session.commit()
    rows = _rows(_change_log(login(world.staff_a).get(f"/pilots/{pilot.id}", headers=EN).text))
    assert "Key performance indicators: CO2 (t]): baseline 1, target 2, actual –" in \
        _row(rows, "Outcome recorded")
    assert "Funding: 2026: None, 5 NOK (Cash)" in _row(rows, "Created")

