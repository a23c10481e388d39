"""API writes: the same forms, operations, permissions, optimistic locking and audit as the web,
only with a read+write token; If-Match (428 missing, 412 stale); JSON only (415)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tests.api_helpers import auth, token_for
from tests.conftest import login_as
from tracker.api.models import ApiToken
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import Status


def _draft_body(world, theme, partner, **extra) -> dict:
    return {"title": "Selvkjørende buss på Ensjø", "district": world.district_a.id, "arena_kind": "physical",
            "themes": [theme.id], "need": "Færre bilturer.", "description": "Vi tester en buss.",
            "goals": "100 reiser i uka.", "planned_start": "2027-01-01", "planned_end": "2027-06-30",
            "agency": "Bymiljøetaten", "contact_name": "Kari", "contact_email": "kari@oslo.kommune.no",
            "partners": [{"partner": partner.id, "role": "lead"}],
            "funding": [{"year": 2027, "source_type": "municipal", "amount": 250000}], **extra}


def test_create_a_draft_audited_with_the_token(client, catalogue):
    world, (theme,), (partner, _other) = catalogue
    secret = token_for(world.staff_a, name="Saksbehandling")
    response = client.post("/api/v1/pilots", json=_draft_body(world, theme, partner), headers=auth(secret))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/pilots/{body['id']}"
    assert body["status"] == "draft" and body["partners"][0]["role"] == "lead"
    assert body["funding"][0]["amount"] == 250000
    pilot = db.session.get(Pilot, body["id"])
    assert pilot.owner_id == world.staff_a.id
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity == "pilot",
                                                          AuditEntry.entity_id == pilot.id))
    token = db.session.scalar(sa.select(ApiToken))
    assert entry.action == "create" and entry.actor_id == world.staff_a.id and entry.token_id == token.id


def test_the_forms_rules_apply_with_field_pointers(client, catalogue):
    world, (theme,), (partner, other) = catalogue
    secret = token_for(world.staff_a)
    body = _draft_body(world, theme, partner, planned_end="2026-01-01", contact_email="ikke-epost",
                       partners=[{"partner": partner.id, "role": "lead"},
                                 {"partner": other.id, "role": "lead"}])
    response = client.post("/api/v1/pilots", json=body, headers=auth(secret))
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    pointers = {e["pointer"] for e in response.get_json()["errors"]}
    assert {"/planned_end", "/contact_email", "/partners/1/role"} <= pointers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


@pytest.mark.parametrize("body,pointer", [
    ({"title": 5}, "/title"), ({"title": "x", "district": "1"}, "/district"),
    ({"title": "a\u202eb"}, "/title"), ({"title": "x" * 201}, "/title"), ({"nope": 1}, "/nope"),
    ({"title": "x", "district": 2**40}, "/district"), ({"title": "x", "planned_start": "2026-13-01"},
                                                       "/planned_start"),
])
def test_hostile_bodies_are_field_errors(client, world, body, pointer):
    secret = token_for(world.staff_a)
    response = client.post("/api/v1/pilots", json=body, headers=auth(secret))
    assert response.status_code == 422
    assert pointer in {e["pointer"] for e in response.get_json()["errors"]}


def test_json_only(client, world):
    secret = token_for(world.staff_a)
    assert client.post("/api/v1/pilots", data={"title": "x"}, headers=auth(secret)).status_code == 415
    assert client.post("/api/v1/pilots", data="<x/>", content_type="application/xml",
                       headers=auth(secret)).status_code == 415
    broken = client.post("/api/v1/pilots", data="{", content_type="application/json", headers=auth(secret))
    assert broken.status_code == 400 and broken.mimetype == "application/problem+json"


def test_a_browser_session_does_not_authorise_writes(client, world):
    """The session cookie is ignored: a signed-in browser cannot be made to write (no CSRF needed)."""
    login_as(client, world.staff_a)
    response = client.post("/api/v1/pilots", json={"title": "x", "district": world.district_a.id})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/pilots").get_json()["items"] == []  # and it reads as anonymous


def test_read_tokens_cannot_write(client, world):
    secret = token_for(world.staff_a, "read")
    response = client.post("/api/v1/pilots", json={"title": "x", "district": world.district_a.id},
                           headers=auth(secret))
    assert response.status_code == 403 and "insufficient_scope" in response.headers["WWW-Authenticate"]


def test_update_a_draft_needs_the_current_version(client, world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT)
    db.session.commit()
    secret, url, seen = token_for(world.staff_a), f"/api/v1/pilots/{pilot.id}", pilot.version

    def patch(title, **headers):
        return client.patch(url, json={"title": title}, headers=auth(secret, **headers))

    assert patch("Nytt").status_code == 428
    assert patch("Nytt", **{"If-Match": '"9"'}).status_code == 412
    response = patch("Nytt", **{"If-Match": f'"{seen}"'})
    assert response.status_code == 200 and response.get_json()["title"] == "Nytt"
    assert response.get_json()["version"] == seen + 1
    stale = patch("Igjen", **{"If-Match": str(seen)})
    assert stale.status_code == 412
    assert db.session.get(Pilot, pilot.id).title == "Nytt"


def test_writes_are_refused_where_the_ui_refuses(client, world):
    a, owner = world.district_a, world.staff_a
    draft = factories.make_pilot(owner, a, Status.DRAFT)
    submitted = factories.make_pilot(owner, a, Status.SUBMITTED)
    db.session.commit()

    def act(user, pilot, action, **body):
        headers = auth(token_for(user), **{"If-Match": str(pilot.version)})
        return client.post(f"/api/v1/pilots/{pilot.id}/actions/{action}", json=body, headers=headers)

    assert act(world.staff_b, draft, "submit").status_code == 404  # not even visible
    assert act(world.coordinator_b, submitted, "approve").status_code == 403  # another district
    assert act(owner, submitted, "approve").status_code == 403  # nobody reviews their own
    assert act(world.coordinator_a, submitted, "reject").status_code == 422  # needs a comment
    patched = client.patch(f"/api/v1/pilots/{submitted.id}", json={"title": "x"},
                           headers=auth(token_for(owner), **{"If-Match": str(submitted.version)}))
    assert patched.status_code == 403  # not a draft any more
    assert act(world.coordinator_a, submitted, "approve").status_code == 200
    db.session.refresh(submitted)
    assert submitted.status == Status.APPROVED
    assert act(owner, draft, "explode").status_code == 404


def test_submit_names_what_is_missing(client, world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT, need="")
    db.session.commit()
    response = client.post(f"/api/v1/pilots/{pilot.id}/actions/submit",
                           headers=auth(token_for(world.staff_a), **{"If-Match": str(pilot.version)}))
    assert response.status_code == 422
    assert {e["pointer"] for e in response.get_json()["errors"]} >= {"/need", "/themes"}
