"""The lessons library (/lessons/): every recorded outcome the viewer may open, filterable,
searchable and exportable."""

from __future__ import annotations

import csv
import io

import pytest

from tests import factories
from tracker.db import db
from tracker.pilots.models import Outcome, OutcomeKPI
from tracker.pilots.workflow import Status
from tracker.search.index import reindex


@pytest.fixture
def lessons(world):
    def evaluated(title, district, verdict, lessons, public=True, owner=world.staff_a):
        pilot = factories.make_pilot(owner, district, Status.EVALUATED, title=title, is_public=public)
        pilot.outcome = Outcome(verdict=verdict, lessons=lessons, next_steps="Anskaffelse i 2027.",
                                kpis=[OutcomeKPI(name="Ventetid", unit="dager", baseline=10, target=5,
                                                 actual=6)])
        return pilot

    made = {
        "vegvesen": evaluated("Trygg skolevei", world.district_a, "scale_up",
                              "Statens vegvesen måtte godkjenne skiltingen."),
        "internal": evaluated("Intern chatbot", world.district_b, "stop",
                              "Driftsorganisasjonen ble involvert for sent.", public=False),
        "formula": evaluated("=HYPERLINK(\"http://evil\")", world.district_b, "continue", "=1+1 var feil"),
    }
    factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title="Uten resultat",
                         is_public=True)
    db.session.flush()
    reindex()
    db.session.commit()
    return made


def test_the_public_sees_the_lessons_of_public_pilots_only(lessons, client, login):
    html = client.get("/lessons/").text
    assert "Trygg skolevei" in html and "Intern chatbot" not in html and "Uten resultat" not in html
    assert "Ventetid: 10 → 5 → 6 dager" in html
    assert "Intern chatbot" in login(factories.make_user()).get("/lessons/").text


def test_search_and_verdict_filter(lessons, world, login):
    client = login(world.admin)
    html = client.get("/lessons/?q=vegvesen").text
    assert "Trygg skolevei" in html and "Intern chatbot" not in html and "<mark>vegvesen</mark>" in html
    assert "Intern chatbot" in client.get("/lessons/?q=driftsorganisasjon").text
    html = client.get("/lessons/?verdict=stop").text
    assert "Intern chatbot" in html and "Trygg skolevei" not in html
    html = client.get(f"/lessons/?district={world.district_a.id}").text
    assert "Trygg skolevei" in html and "Intern chatbot" not in html
    assert client.get("/lessons/?verdict=nope&year=x&district=abc").status_code == 200


def test_export_as_csv_never_writes_a_live_formula(lessons, client):
    response = client.get("/lessons/export.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    titles = {row[1] for row in rows[1:]}
    assert titles == {"Trygg skolevei", "'=HYPERLINK(\"http://evil\")"}
    assert client.get("/lessons/export.xlsx").status_code == 200
