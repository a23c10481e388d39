"""Similar pilots at intake: the proposal form (with and without JavaScript) and the reviewer's
screen show pilots from every district that resemble the proposal, never one the user may not open."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tracker.db import db
from tracker.pilots.models import Outcome
from tracker.pilots.workflow import Status
from tracker.search import queries
from tracker.search.index import reindex


@pytest.fixture
def earlier(world):
    """A pilot in another district that resembles the proposals below, and a hidden draft."""
    done = factories.make_pilot(world.staff_b, world.district_b, Status.EVALUATED, is_public=True,
                                title="Sensorer for luftkvalitet ved skolene",
                                need="Foreldre vet ikke hvor forurenset skoleveien er.")
    done.outcome = Outcome(verdict="scale_up", lessons="Sensorene må kalibreres hver vår.")
    draft = factories.make_pilot(world.staff_b, world.district_b, Status.DRAFT,
                                 title="Hemmelige sensorer for luftkvalitet")
    db.session.flush()
    reindex()
    db.session.commit()
    return done, draft


def _similar_titles(html: str) -> list[str]:
    panel = html.split('id="similar-list"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a href="/pilots/\d+">([^<]+)</a>', panel)


def test_the_button_reshows_the_form_with_the_input_kept_and_similar_pilots(earlier, world, login):
    client = login(world.staff_a)
    assert 'name="find_similar"' in client.get("/pilots/new").text
    response = client.post("/pilots/new", data={"title": "Måling av luftkvalitet", "need": "Skolene spør.",
                                                "find_similar": "1"})
    assert response.status_code == 200
    html = response.text
    assert 'value="Måling av luftkvalitet"' in html
    assert _similar_titles(html) == ["Sensorer for luftkvalitet ved skolene"]
    assert "Sensorene må kalibreres hver vår." in html and "Skaleres opp" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Outcome)) == 1  # nothing saved


def test_the_list_for_the_script_follows_visibility(earlier, world, login, client):
    url = "/search/similar?title=luftkvalitet&need=sensorer"
    found = _similar_titles('id="similar-list"' + client.get(url).text)
    assert found == ["Sensorer for luftkvalitet ved skolene"]
    owner = login(world.staff_b)
    assert set(_similar_titles('id="similar-list"' + owner.get(url).text)) == {
        "Sensorer for luftkvalitet ved skolene", "Hemmelige sensorer for luftkvalitet"}
    assert "Ingen lignende piloter funnet ennå." in client.get("/search/similar?title=").text


def test_the_reviewer_sees_similar_pilots_of_a_submitted_proposal(earlier, world, login):
    proposal = factories.make_pilot(world.staff_a, world.district_a, Status.SUBMITTED,
                                    title="Luftkvalitet rundt skolene")
    db.session.commit()
    html = login(world.coordinator_a).get(f"/pilots/{proposal.id}").text
    assert _similar_titles(html) == ["Sensorer for luftkvalitet ved skolene"]


def test_the_pilot_sharing_most_of_the_proposal_comes_first_and_an_unrelated_one_not_at_all(world):
    def pilot(title, need):
        return factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING, is_public=True,
                                    title=title, need=need)

    closest = pilot("Smart gatebelysning i Bjørvika", "Lyset står på hele natten der ingen går.")
    some = pilot("Nye benker i parken", "Benkene står ute hele året.")
    pilot("Matavfall fra storkjøkkenene", "Avfallet blir ikke sortert.")
    reindex()
    db.session.commit()
    found = queries.similar_pilots(world.staff_a, "Smart gatebelysning Lyset står på hele natten i parken.")
    assert [p.id for p in found] == [closest.id, some.id]
    assert queries.similar_pilots(world.staff_a, "Smart gatebelysning", exclude=closest.id) == []
