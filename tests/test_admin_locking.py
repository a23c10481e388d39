"""Two admins editing the same district, theme or person: the second save is refused, not lost.

Issue 10 defect 6: the second save silently overwrote the first. Now each form carries the
version the admin saw; a stale save answers 409 with the input kept, who saved first, and the
stored values, and changes nothing; saving again from that page applies the input knowingly.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import login_as
from tracker.audit import AuditEntry
from tracker.auth.models import Role
from tracker.db import db


def _form(world, entity: str, name: str) -> tuple[str, dict]:
    """The edit URL of one entity and a complete form with ``name`` typed in, at version 1."""
    if entity == "district":
        return f"/admin/districts/{world.district_a.id}", {
            "name": name, "description": "", "focus": "", "description_en": "", "focus_en": "",
            "coordinators": [str(world.coordinator_a.id)], "version": "1"}
    if entity == "theme":
        theme = factories.make_theme("mobility", name_nb="Mobilitet", name_en="Mobility")
        db.session.commit()
        return f"/admin/themes/{theme.id}", {"name_nb": name, "name_en": "Mobility", "version": "1"}
    return f"/admin/users/{world.staff_a.id}", {"name": name, "role": "staff", "agency": "", "version": "1"}


def _stored_name(world, entity: str) -> str:
    from tracker.pilots.models import Theme

    if entity == "district":
        return world.district_a.name
    if entity == "theme":
        return db.session.scalar(sa.select(Theme.name_nb))
    return world.staff_a.name


def _admins(app, world):
    first, second = app.test_client(), app.test_client()
    login_as(first, world.admin)
    login_as(second, factories.make_user(Role.ADMIN, name="Second Admin"))
    db.session.commit()
    return first, second


def _entries() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("entity", ["district", "theme", "user"])
def test_a_stale_admin_save_is_refused_with_the_input_kept_and_the_other_change_shown(app, world, entity):
    first, second = _admins(app, world)
    url, theirs = _form(world, entity, "Saved first")
    key = "name_nb" if entity == "theme" else "name"
    assert first.get(url).status_code == 200  # both load version 1
    assert second.post(url, data=theirs).status_code == 302
    before = _entries()

    mine = {**theirs, key: "Typed meanwhile"}
    response = first.post(url, data=mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'value="Typed meanwhile"' in page  # the input is kept
    assert "Second Admin" in page and "Saved first" in page  # who saved first, and what is stored
    assert _stored_name(world, entity) == "Saved first" and _entries() == before  # nothing changed

    # The 409 page carries the stored version: saving again applies the input, knowingly.
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    assert version == "2"
    assert first.post(url, data={**mine, "version": version}).status_code == 302
    assert _stored_name(world, entity) == "Typed meanwhile"


@pytest.mark.parametrize("version", ["", "0", "²", "x", "9" * 40])
def test_a_missing_or_forged_version_is_a_bad_request(world, login, version):
    response = login(world.admin).post(f"/admin/districts/{world.district_a.id}",
                                       data={"name": "Forged", "version": version})
    assert response.status_code == 400
    assert world.district_a.name == "District A"


def test_a_coordinator_removed_on_the_district_page_is_not_put_back_by_a_stale_user_form(app, world):
    """A district's coordinators are its users' districts: either side's change makes the other stale."""
    first, second = _admins(app, world)
    user_url = f"/admin/users/{world.coordinator_a.id}"
    assert first.get(user_url).status_code == 200
    response = second.post(f"/admin/districts/{world.district_a.id}", data={
        "name": "District A", "coordinators": [], "version": "1"})
    assert response.status_code == 302
    response = first.post(user_url, data={"name": "Coordinator A", "role": "coordinator", "agency": "PBE",
                                          "districts": [str(world.district_a.id)], "version": "1"})
    assert response.status_code == 409
    assert world.coordinator_a.districts == [] and world.coordinator_a.agency == ""


def test_a_name_the_person_changed_themselves_is_not_overwritten_by_a_stale_admin_form(app, world, login):
    admin = app.test_client()
    login_as(admin, world.admin)
    assert admin.get(f"/admin/users/{world.staff_a.id}").status_code == 200
    assert login(world.staff_a).post("/account/name", data={"name": "Staff Renamed"}).status_code == 302
    response = admin.post(f"/admin/users/{world.staff_a.id}",
                          data={"name": "Staff A", "role": "coordinator", "agency": "",
                                "districts": [str(world.district_a.id)], "version": "1"})
    assert response.status_code == 409
    assert world.staff_a.name == "Staff Renamed" and world.staff_a.role == Role.STAFF
