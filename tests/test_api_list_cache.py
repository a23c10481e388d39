"""The pilot list's fast path: the same JSON the documented schema gives, and its cache serves
each caller only what they may see, and any committed change at once."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests import factories
from tests.api_helpers import auth, token_for
from tracker.api import queries, schemas
from tracker.db import db
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import Status


def test_the_list_is_what_the_documented_schema_dumps(app, client, world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.COMPLETED, is_public=True,
                                 actual_start=date(2026, 2, 1), actual_end=date(2026, 9, 30), title="Ærlig")
    pilot.themes = [factories.make_theme(name_nb="Å til slutt"),
                    factories.make_theme(name_nb="Blant de første")]
    factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True, planned_start=None)
    db.session.commit()
    body = client.get(f"/api/v1/pilots?district={world.district_a.id}").get_json()
    with app.test_request_context():
        expected = [schemas.PilotSummary().dump(queries.summary(db.session.get(Pilot, item["id"])))
                    for item in body["items"]]
    assert body["items"] == expected
    assert [t["name_nb"] for t in body["items"][0]["themes"]] == ["Blant de første", "Å til slutt"]


@pytest.fixture
def app_config():
    return {"DISTRICTS_CACHE_SECONDS": 60}


def _titles(client, headers=None) -> set[str]:
    return {item["title"] for item in client.get("/api/v1/pilots", headers=headers or {}).get_json()["items"]}


def test_the_cached_list_serves_each_caller_only_what_they_may_see(client, world):
    public = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                                  title="Åpen")
    factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT, title="Utkast A")
    db.session.commit()
    owner, stranger = token_for(world.staff_a, "read"), token_for(world.staff_b, "read")
    assert _titles(client) == {"Åpen"}
    assert _titles(client, auth(owner)) == {"Åpen", "Utkast A"}
    assert _titles(client) == {"Åpen"}  # not the owner's cached page
    assert _titles(client, auth(stranger)) == {"Åpen"}
    with db.engine.begin() as conn:  # behind the data version's back: only a cached page still shows it
        table = Pilot.__table__
        conn.execute(sa.update(table).where(table.c.id == public.id).values(title="Skjult"))
    assert _titles(client) == {"Åpen"}
    db.session.get(Pilot, public.id).title = "Ny tittel"  # an ordinary change moves the data version
    db.session.commit()
    assert _titles(client) == {"Ny tittel"}
    assert _titles(client, auth(owner)) == {"Ny tittel", "Utkast A"}
