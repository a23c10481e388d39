"""The proposal form says everything at once, and a partner added on the way gets its role chosen."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests import factories
from tests.test_pilots_form import form_data
from tests.test_pilots_form import setup as proposal_setup  # noqa: F401 (a fixture)
from tracker.db import db
from tracker.pilots.models import Pilot

EN = {"Accept-Language": "en"}


def _summary(page: str) -> list[str]:
    """The error summary's links, ``#field-id``, in order."""
    block = page.split('id="error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="(#[^"]+)"', block)


def test_submitting_reports_format_errors_and_missing_fields_in_one_round(proposal_setup, login):  # noqa: F811
    world, themes, partners = proposal_setup
    data = form_data(world, themes, partners, save=None, need="", goals=" ", contact_email="not-an-address",
                     planned_start="2026-06-01", planned_end="2026-01-01", themes=None)
    client = login(world.staff_a)
    draft = client.post("/pilots/new", data={**data, "save": "1"}, headers=EN)
    assert _summary(draft.text) == ["#planned_end", "#contact_email"]  # a draft may leave the rest empty

    response = client.post("/pilots/new", data={**data, "submit_for_review": "1"}, headers=EN)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0  # nothing saved
    assert _summary(response.text) == ["#themes", "#need", "#goals", "#planned_end", "#contact_email"]
    summary = response.text.split('id="error-summary"', 1)[1].split("</ul>", 1)[0]
    assert summary.count("Required before the proposal can be submitted.") == 3
    assert "The planned end must be on or after the planned start." in summary
    assert "Enter an e-mail address like name@example.org." in summary


def _role_select(page: str, row: int) -> str:
    return re.search(rf'<select[^>]*id="partners-{row}-role"[^>]*>.*?</select>', page, re.S).group(0)


def test_a_partner_added_on_the_way_comes_back_without_a_role_and_with_the_focus_there(proposal_setup, login):  # noqa: F811
    world = proposal_setup[0]
    pilot = factories.make_pilot(world.staff_a, world.district_a)
    added = factories.make_partner("Brand New AS")
    db.session.commit()
    client = login(world.staff_a)
    role = _role_select(client.get(f"/pilots/{pilot.id}/edit?partner_id={added.id}").text, 0)
    assert "autofocus" in role
    assert re.search(r'<option selected value="">|<option value="" selected>', role)
    assert 'value="participant" selected' not in role and 'selected value="participant"' not in role

    chosen = _role_select(client.get(f"/pilots/{pilot.id}/edit?partner_id={added.id}&role=funder").text, 0)
    assert re.search(r'<option selected value="funder">|<option value="funder" selected>', chosen)
    made_up = _role_select(client.get(f"/pilots/{pilot.id}/edit?partner_id={added.id}&role=boss").text, 0)
    assert re.search(r'<option selected value="">|<option value="" selected>', made_up)


def test_a_partner_without_a_role_is_an_error_linked_to_its_role(proposal_setup, login):  # noqa: F811
    world, themes, partners = proposal_setup
    response = login(world.staff_a).post("/pilots/new", data=form_data(
        world, themes, partners, **{"partners-1-role": ""}), headers=EN)
    assert response.status_code == 400
    assert _summary(response.text) == ["#partners-1-role"]
    assert "Choose the partner&#39;s role." in response.text or "Choose the partner's role." in response.text
