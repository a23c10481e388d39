"""Administration and account pages run the same number of SQL statements however much data there is."""

from __future__ import annotations

import pytest

from tests import factories
from tests.sql import statements
from tracker import audit
from tracker.auth.models import Role, SignIn
from tracker.db import db


def grow(world, n: int) -> None:
    """``n`` more of everything the admin pages list: people, districts, themes, pilots, audit."""
    for _ in range(n):
        district = factories.make_district()
        coordinator = factories.make_user(Role.COORDINATOR, [district, world.district_a])
        factories.make_pilot(coordinator, district)
        factories.make_theme()
        db.session.add(SignIn(user_id=world.admin.id, success=True, ip="10.0.0.2"))
        db.session.add(SignIn(user_id=world.staff_a.id, success=False, ip="10.0.0.3"))
        audit.record(coordinator, "district", district.id, "update", {"name": ("a", "b")})


@pytest.mark.parametrize("url", [
    "/admin/users", "/admin/users?role=coordinator&district=district-a", "/admin/users/{staff_a}",
    "/admin/districts", "/admin/districts/{district_a}", "/admin/themes", "/admin/audit", "/account"])
def test_admin_pages_run_a_bounded_number_of_queries(world, login, url):
    client = login(world.admin)
    url = url.format(staff_a=world.staff_a.id, district_a=world.district_a.id)
    grow(world, 2)
    few = statements(client, url)
    grow(world, 25)
    assert statements(client, url) == few
