"""Administration and account pages run the same number of SQL statements however much data there is."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tracker import audit
from tracker.auth.models import Role, SignIn
from tracker.db import db


def statements(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` runs (the test's own writes committed first)."""
    seen = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    db.session.commit()
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


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
