"""Districts and themes: create, rename, coordinators, stable slugs, retire without losing pilots."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.admin.operations import slugify
from tracker.audit import AuditEntry
from tracker.auth.models import Role
from tracker.db import db
from tracker.districts.models import District
from tracker.pilots.models import Theme


def _entries(entity: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == entity)
                              .order_by(AuditEntry.id)).all()


@pytest.mark.parametrize("text,slug", [("Hovinbyen Sirkulære Oslo", "hovinbyen-sirkulaere-oslo"),
                                       ("  Økern / Løren  ", "okern-loren"), ("Åsen & Bæ", "asen-bae"),
                                       ("!!!", "")])
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_create_a_district_with_a_generated_slug_and_coordinators(world, login):
    client = login(world.admin)
    assert client.get("/admin/districts/new").status_code == 200
    response = client.post("/admin/districts/new", data={
        "name": "Hovinbyen Sirkulære Oslo", "slug": "", "description": "Circular construction.",
        "focus": "Reuse of materials", "coordinators": [str(world.coordinator_a.id)]})
    assert response.status_code == 302
    district = db.session.scalar(sa.select(District).where(District.slug == "hovinbyen-sirkulaere-oslo"))
    assert district.focus == "Reuse of materials" and district.coordinators == [world.coordinator_a]
    (entry,) = _entries("district")
    assert entry.action == "create" and entry.actor_id == world.admin.id
    assert entry.changes == {"slug": [None, "hovinbyen-sirkulaere-oslo"], "name": [None, district.name],
                             "coordinators": [None, [{"id": world.coordinator_a.id,
                                                      "name": "Coordinator A"}]]}
    listing = client.get("/admin/districts").text
    assert "Hovinbyen Sirkulære Oslo" in listing and "Coordinator A" in listing


@pytest.mark.parametrize("values,field", [
    ({"name": ""}, "name"),
    ({"name": "District A"}, "name"),  # taken
    ({"name": " district a ", "slug": "other-a"}, "name"),  # taken, whatever the case
    ({"name": "New", "slug": "district-a"}, "slug"),  # taken
    ({"name": "New", "slug": "Bad Slug"}, "slug"),
    ({"name": "!!!"}, "slug"),  # nothing to make a slug from
    ({"name": "New", "coordinators": ["99999999999"]}, "coordinators"),
])
def test_bad_district_input_is_a_field_error(world, login, values, field):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(District))
    response = login(world.admin).post("/admin/districts/new", data=values)
    assert response.status_code == 400 and f'href="#{field}"' in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(District)) == before


def test_only_coordinators_can_coordinate_a_district(world, login):
    response = login(world.admin).post(f"/admin/districts/{world.district_a.id}",
                                       data={"name": "District A", "coordinators": [str(world.staff_a.id)],
                                             "version": "1"})
    assert response.status_code == 400 and 'href="#coordinators"' in response.text
    assert world.district_a.coordinators == [world.coordinator_a]


def test_rename_and_change_coordinators_keeps_the_slug(world, login):
    client = login(world.admin)
    response = client.post(f"/admin/districts/{world.district_a.id}", data={
        "name": "Renamed A", "slug": "hijacked", "description": "New text", "focus": "",
        "coordinators": [str(world.coordinator_b.id)], "version": "1"})
    assert response.status_code == 302
    assert world.district_a.name == "Renamed A" and world.district_a.slug == "district-a"
    assert world.district_a.coordinators == [world.coordinator_b]
    (entry,) = _entries("district")
    assert entry.changes["name"] == ["District A", "Renamed A"]
    assert entry.changes["coordinators"] == [[{"id": world.coordinator_a.id, "name": "Coordinator A"}],
                                             [{"id": world.coordinator_b.id, "name": "Coordinator B"}]]
    assert "Renamed A" in client.get(f"/admin/districts/{world.district_a.id}").text


def test_create_and_rename_a_theme(world, login):
    client = login(world.admin)
    response = client.post("/admin/themes/new",
                           data={"name_nb": "Sirkulærøkonomi", "name_en": "Circular economy"})
    assert response.status_code == 302
    theme = db.session.scalar(sa.select(Theme).where(Theme.slug == "circular-economy"))
    assert theme.name_nb == "Sirkulærøkonomi"
    response = client.post(f"/admin/themes/{theme.id}", data={"name_nb": "Sirkulær økonomi",
                                                               "name_en": "Circular economy", "version": "1"})
    assert response.status_code == 302
    assert theme.name_nb == "Sirkulær økonomi" and theme.slug == "circular-economy"
    assert [e.action for e in _entries("theme")] == ["create", "update"]
    assert "Sirkulær økonomi" in client.get("/admin/themes").text


def test_duplicate_theme_names_are_refused(world, login):
    factories.make_theme("mobility", name_nb="Mobilitet", name_en="Mobility")
    response = login(world.admin).post("/admin/themes/new",
                                       data={"name_nb": "Mobilitet", "name_en": "Other"})
    assert response.status_code == 400 and 'href="#name_nb"' in response.text
    response = login(world.admin).post("/admin/themes/new", data={"name_nb": "Ny", "name_en": "MOBILITY"})
    assert response.status_code == 400 and 'href="#name_en"' in response.text


@pytest.mark.parametrize("url", ["/admin/districts/0", "/admin/districts/99999999999", "/admin/themes/0",
                                 "/admin/themes/4294967296"])
def test_unknown_districts_and_themes_are_404(world, login, url):
    assert login(world.admin).get(url).status_code == 404
    assert login(world.admin).post(url + "/retire").status_code == 404


def test_retired_district_and_theme_are_kept_on_existing_pilots_but_not_offered_for_new_ones(world, login):
    theme = factories.make_theme("energy", name_nb="Energi og klima", name_en="Energy and climate")
    old = factories.make_district("hovinbyen", "Hovinbyen Sirkulære Oslo")
    pilot = factories.make_pilot(world.staff_a, old, status="running")
    pilot.themes.append(theme)
    db.session.commit()
    client = login(world.admin)
    assert client.post(f"/admin/districts/{old.id}/retire").status_code == 302
    assert client.post(f"/admin/themes/{theme.id}/retire").status_code == 302
    assert old.retired and theme.retired
    assert [e.action for e in _entries("district")] == ["retire"]
    assert [e.changes for e in _entries("theme")] == [{"retired": [False, True]}]
    # Pilots keep them...
    db.session.refresh(pilot)
    assert pilot.district_id == old.id and pilot.themes == [theme]
    staff = login(world.staff_b)
    shown = staff.get(f"/pilots/{pilot.id}").text
    assert "Hovinbyen Sirkulære Oslo" in shown and "Energi og klima" in shown
    # ...but a new proposal no longer offers them.
    offered = staff.get("/pilots/new").text
    assert "District A" in offered
    assert "Hovinbyen Sirkulære Oslo" not in offered and "Energi og klima" not in offered
    # Reinstating offers them again.
    admin = login(world.admin)
    admin.post(f"/admin/districts/{old.id}/reinstate")
    admin.post(f"/admin/themes/{theme.id}/reinstate")
    offered = login(world.staff_b).get("/pilots/new").text
    assert "Hovinbyen Sirkulære Oslo" in offered and "Energi og klima" in offered


def test_retired_district_still_listed_for_admins_and_coordinator_choice(world, login):
    world.district_b.retired = True
    db.session.commit()
    client = login(world.admin)
    assert "District B" in client.get("/admin/districts").text
    assert "District B (nedlagt)" in client.get(f"/admin/users/{world.coordinator_b.id}").text


def test_coordinator_choice_lists_only_coordinators(world, login):
    page = login(world.admin).get("/admin/districts/new").text
    assert "Coordinator A" in page and "Coordinator B" in page and "Staff A" not in page
    factories.make_user(Role.COORDINATOR, name="Gone coordinator", active=False)
    assert "Gone coordinator (deaktivert)" in login(world.admin).get("/admin/districts/new").text


def test_the_district_page_shows_current_coordinators_checked(world, login):
    page = login(world.admin).get(f"/admin/districts/{world.district_a.id}").text
    ticked = re.findall(r'<input[^>]*checked[^>]*>', page)
    assert len(ticked) == 1 and f'value="{world.coordinator_a.id}"' in ticked[0]


def test_a_district_reads_in_english_on_english_pages_and_falls_back_to_norwegian(world, login):
    client = login(world.admin)
    response = client.post("/admin/districts/new", data={
        "name": "Punkt Oslo", "description": "Et sentrum for innovasjon.", "focus": "Entreprenørskap",
        "description_en": "A centre for innovation.", "focus_en": ""})
    assert response.status_code == 302
    nb = client.get("/districts/punkt-oslo").text
    assert "Et sentrum for innovasjon." in nb and "A centre for innovation." not in nb
    client.post("/language", data={"lang": "en"})
    en = client.get("/districts/punkt-oslo").text
    assert "A centre for innovation." in en and "Et sentrum for innovasjon." not in en
    assert "Entreprenørskap" in en  # no English focus yet: the Norwegian one, not nothing
