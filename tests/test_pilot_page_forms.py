"""The pilot page's forms, printed as plain markup (blank action fields and the comment field come
from a fragment rendered once per process): each language reads its own, and every form posts
with the page's CSRF token, as production checks it."""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from tracker.db import db
from tracker.pilots.models import Pilot


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def page(client, pilot, language: str) -> str:
    response = client.get(f"/pilots/{pilot.id}", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def token(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)


def test_blank_action_forms_read_in_each_language_in_turn(world, login):
    pilot = f.make_pilot(world.staff_a, world.district_a, "running")
    db.session.commit()
    client = login(world.coordinator_a)
    for language, text in [("nb", "Kommentar til «Sett på pause»"), ("en", "Comment for “Pause”"),
                           ("nb", "Kommentar til «Sett på pause»")]:
        html = page(client, pilot, language)
        assert text in html
        assert 'id="pause-comment"' in html and 'name="pause-csrf_token"' in html


def test_an_action_posted_with_the_pages_token_is_taken(world, login):
    pilot = f.make_pilot(world.staff_a, world.district_a, "running")
    db.session.commit()
    client = login(world.coordinator_a)
    html = page(client, pilot, "en")
    response = client.post(f"/pilots/{pilot.id}/actions/pause", data={
        "pause-csrf_token": token(html, "pause-csrf_token"), "pause-comment": "Winter",
        "version": pilot.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Pilot, pilot.id).status == "paused"


def test_a_comment_posted_with_the_pages_token_is_shown(world, login):
    pilot = f.make_pilot(world.staff_a, world.district_a, "running")
    db.session.commit()
    client = login(world.staff_b)
    html = page(client, pilot, "en")
    assert "The owner and everyone who follows the pilot are told." in html
    response = client.post(f"/notifications/pilots/{pilot.id}/comments",
                           data={"csrf_token": token(html, "csrf_token"), "body": "Looks <good>"})
    assert response.status_code == 302
    assert "Looks &lt;good&gt;" in page(client, pilot, "en")
