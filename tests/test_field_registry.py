"""The pilot field registry: a field declared once shows in the form, the conflict view, the export
and the history (adding a field is one registry entry plus its migration)."""

import csv
import dataclasses
import io

import pytest

from tests.test_pilots_form import create, form_data, setup  # noqa: F401 (setup is a fixture)
from tracker.pilots import audit_fields
from tracker.pilots.audit_fields import PILOT, PilotField


@pytest.fixture
def venue(monkeypatch):
    """A new field "venue" in place of "location", backed by the existing ``location`` column."""
    field = PilotField("venue", "Venue (test)", column="location", section="pilot",
                       export=lambda pilot, locale: pilot.location)
    fields = tuple(field if f.name == "location" else f for f in audit_fields.FIELDS)
    monkeypatch.setattr(audit_fields, "FIELDS", fields)
    monkeypatch.delitem(PILOT.by_name, "location")
    monkeypatch.setitem(PILOT.by_name, "venue", field)
    return field


def test_registry_names_every_form_field_once_in_form_order():
    names = [f.name for f in audit_fields.form_fields()]
    assert names[:4] == ["title", "district", "arena_kind", "themes"]
    assert len(names) == len(set(names))
    required = audit_fields.required_for_submit()
    assert {"need", "planned_start", "planned_end", "contact_email"} <= set(required)
    assert "location" not in required


def test_a_field_added_to_the_registry_shows_in_form_conflict_export_and_history(setup, login, venue):  # noqa: F811
    world, themes, partners = setup
    client = login(world.staff_a)
    page = client.get("/pilots/new").get_data(as_text=True)
    assert 'name="venue"' in page and "Venue (test)" in page and 'name="location"' not in page

    pilot = create(client, world, themes, partners, location=None, venue="Pier 7")
    assert pilot.location == "Pier 7"
    history = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Venue (test)" in history and "Pier 7" in history

    rows = list(csv.reader(io.StringIO(client.get("/districts/district-a/export.csv").get_data(as_text=True)
                                       .lstrip("\ufeff"))))
    assert "Venue (test)" in rows[0]
    assert rows[1][rows[0].index("Venue (test)")] == "Pier 7"

    stale = str(pilot.version)
    coordinator = login(world.coordinator_a)
    assert coordinator.post(f"/pilots/{pilot.id}/edit", data=form_data(
        world, themes, partners, location=None, venue="Dock 9", version=stale)).status_code == 302
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/edit", data=form_data(
        world, themes, partners, location=None, venue="Pier 8", version=stale))
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert '<a href="#venue">Venue (test)</a></th><td class="prewrap">Dock 9</td>' in body
    assert 'value="Pier 8"' in body  # the user's input is kept


def test_export_columns_come_from_the_registry(monkeypatch):
    fields = tuple(dataclasses.replace(f, export=None) if f.name == "themes" else f
                   for f in audit_fields.FIELDS)
    monkeypatch.setattr(audit_fields, "FIELDS", fields)
    assert "themes" not in [f.name for f in audit_fields.exported(internal=True)]
    assert "funding" in [f.name for f in audit_fields.exported(internal=True)]
    assert "funding" not in [f.name for f in audit_fields.exported(internal=False)]
