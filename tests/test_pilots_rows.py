"""Row lists (partners, funding lines, KPIs): too many rows is a form error, never a silent cut."""

import pytest
import sqlalchemy as sa

from tests import factories
from tests.test_pilots_form import form_data, stored_state
from tests.test_pilots_pages import outcome_data
from tracker.db import db
from tracker.pilots.models import Outcome, Pilot
from tracker.pilots.workflow import Status


def funding_rows(count: int) -> dict:
    return {key: value for i in range(count) for key, value in {
        f"funding-{i}-year": "2026", f"funding-{i}-source_type": "municipal", f"funding-{i}-partner": "",
        f"funding-{i}-source": f"Budget line {i}", f"funding-{i}-amount": "1000",
        f"funding-{i}-kind": "cash"}.items()}


def partner_rows(count: int, partners) -> dict:
    """``count`` rows, the partners in the last ones (WTForms kept the first 50, blank ones)."""
    rows = {key: value for i in range(count) for key, value in {
        f"partners-{i}-partner": "", f"partners-{i}-role": "participant"}.items()}
    for i, (partner, role) in enumerate(zip(partners, ("lead", "implementer"), strict=True)):
        rows |= {f"partners-{count - 2 + i}-partner": str(partner.id), f"partners-{count - 2 + i}-role": role}
    return rows


def assert_too_many(body: str, list_id: str, label: str, limit: int, posted: int):
    message = f"For mange rader: høyst {limit}, og denne listen har {posted}."
    summary = body.split('id="error-summary"')[1].split("</div>")[0]
    assert f'href="#{list_id}">{label}: {message}' in summary  # the summary links to the list...
    assert f'id="{list_id}" tabindex="-1"' in body and f'id="{list_id}-error"' in body  # ... shown there


def test_150_funding_lines_are_refused_with_the_input_kept(catalogue, login):
    """They were saved as 100 with "The pilot is saved."."""
    world, themes, partners = catalogue
    data = form_data(world, themes, partners) | funding_rows(150)
    response = login(world.staff_a).post("/pilots/new", data=data)
    assert response.status_code == 400
    assert_too_many(response.text, "funding", "Finansiering", 100, 150)
    assert 'value="Budget line 149"' in response.text  # every posted line is still in the form
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


def test_80_partner_rows_on_an_edit_change_nothing(catalogue, login):
    world, themes, partners = catalogue
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.DRAFT)
    db.session.commit()
    before = stored_state(pilot.id)
    data = {k: v for k, v in form_data(world, themes, partners, version=str(pilot.version)).items()
            if not k.startswith("partners-")} | partner_rows(80, partners)
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/edit", data=data)
    assert response.status_code == 400
    assert_too_many(response.text, "partners", "Partnere", 50, 80)
    assert 'id="partners-79-partner"' in response.text
    assert stored_state(pilot.id) == before


def test_the_limit_itself_still_saves(catalogue, login):
    world, themes, partners = catalogue
    data = form_data(world, themes, partners) | funding_rows(100)
    assert login(world.staff_a).post("/pilots/new", data=data).status_code == 302
    pilot = db.session.scalars(sa.select(Pilot)).one()
    assert len(pilot.funding) == 100


def test_60_kpi_rows_are_refused_and_no_outcome_is_recorded(world, login):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING)
    db.session.commit()
    rows = {f"kpis-{i}-{k}": v for i in range(60) for k, v in (("name", f"KPI {i}"), ("actual", "1"))}
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/outcome", data=outcome_data(pilot) | rows)
    assert response.status_code == 400
    assert_too_many(response.text, "kpis", "Resultatindikatorer", 50, 60)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0


@pytest.mark.parametrize("count", [1000])
def test_a_huge_post_keeps_a_bounded_number_of_rows(catalogue, login, count):
    """Kept for the user to trim, but never more than four times the limit on the page."""
    world, themes, partners = catalogue
    data = form_data(world, themes, partners) | funding_rows(count)
    response = login(world.staff_a).post("/pilots/new", data=data)
    assert response.status_code == 400
    assert_too_many(response.text, "funding", "Finansiering", 100, count)
    assert 'id="funding-399-year"' in response.text and 'id="funding-400-year"' not in response.text
