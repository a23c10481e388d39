"""API reads: anonymous callers see exactly the public register and its public fields; token
callers see what their user sees; keyset paging; ETag / If-None-Match; CORS for public reads."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.api_helpers import auth, token_for
from tracker.api.queries import non_public_fields
from tracker.db import db
from tracker.pilots.models import Outcome
from tracker.pilots.workflow import PUBLIC_STATUSES, Status

SECRET_TEXT = {"contact_name": "Hemmelig Kontakt", "contact_email": "hemmelig@oslo.kommune.no",
               "contact_phone": "+47 99 88 77 66"}


@pytest.fixture
def register(world):
    """One pilot in every status, public and not, with internal details worth leaking."""
    partner = factories.make_partner("Lekk Partner AS")
    pilots = {}
    for status in Status:
        for public in (True, False):
            pilot = factories.make_pilot(world.staff_a, world.district_a, status, is_public=public,
                                         title=f"{status} {'open' if public else 'closed'}", **SECRET_TEXT)
            factories.add_funding(pilot, 2026, 4242424, source="Hemmelig fond")
            factories.link_partner(pilot, partner)
            pilot.events[0].comment = "Intern kommentar"
            pilots[(status, public)] = pilot
    evaluated = pilots[(Status.EVALUATED, True)]
    db.session.add(Outcome(pilot=evaluated, verdict="scale_up", lessons="Lærdom", summary="Oppsummert"))
    running = pilots[(Status.RUNNING, True)]
    db.session.add(Outcome(pilot=running, verdict="stop", lessons="Foreløpig lærdom"))
    db.session.commit()
    return pilots


def _all_items(client, url, headers=None):
    items, cursor = [], None
    while True:
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers or {})
        assert response.status_code == 200
        body = response.get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_anonymous_list_is_exactly_the_public_register(client, register):
    items = _all_items(client, "/api/v1/pilots?limit=3")
    expected = {p.id for (status, public), p in register.items() if public and status in PUBLIC_STATUSES}
    assert {i["id"] for i in items} == expected
    assert [i["id"] for i in items] == sorted(expected)  # stable order, no page overlap


def test_anonymous_responses_leak_no_internal_field_or_status(client, register):
    hidden = {p.id for (status, public), p in register.items() if not (public and status in PUBLIC_STATUSES)}
    bodies = [client.get(url).get_data(as_text=True) for url in (
        "/api/v1/pilots?limit=100", "/api/v1/districts", "/api/v1/partners", "/api/v1/themes")]
    for pilot in register.values():
        response = client.get(f"/api/v1/pilots/{pilot.id}")
        if pilot.id in hidden:
            assert response.status_code == 404
            assert response.mimetype == "application/problem+json"
        else:
            data = response.get_json()
            assert not set(data) & (non_public_fields() | {"is_public", "allowed_actions"})
            assert all("comment" not in e for e in data["status_history"])
            if pilot.status != Status.EVALUATED:
                assert data["outcome"] is None
            else:
                assert data["outcome"]["lessons"] == "Lærdom"
        bodies.append(response.get_data(as_text=True))
    text = "\n".join(bodies)
    for secret in [*SECRET_TEXT.values(), "4242424", "Hemmelig fond", "Intern kommentar", "Foreløpig lærdom",
                   "closed", "draft open", "submitted open", "rejected open", "withdrawn open"]:
        assert secret not in text and json.dumps(secret)[1:-1] not in text, secret


def test_anonymous_counts_count_public_pilots_only(client, register, world):
    districts = {d["slug"]: d for d in client.get("/api/v1/districts").get_json()}
    assert districts["district-a"]["pilot_count"] == len(PUBLIC_STATUSES)
    assert set(districts["district-a"]["by_status"]) == {str(s) for s in PUBLIC_STATUSES}


def test_a_token_sees_what_its_user_sees(client, register, world):
    secret = token_for(world.staff_a, "read")
    items = _all_items(client, "/api/v1/pilots?limit=100", auth(secret))
    assert len(items) == len(register)  # the owner sees drafts and non-public pilots too
    draft = register[(Status.DRAFT, False)]
    data = client.get(f"/api/v1/pilots/{draft.id}", headers=auth(secret)).get_json()
    assert data["contact_email"] == SECRET_TEXT["contact_email"]
    assert data["funding"][0]["amount"] == 4242424
    assert "submit" in data["allowed_actions"]
    other = token_for(world.staff_b, "read")
    assert client.get(f"/api/v1/pilots/{draft.id}", headers=auth(other)).status_code == 404


def test_filters_are_the_district_pages(client, register, world):
    other = factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING, is_public=True,
                                 title="Buss B")
    db.session.commit()
    ids = {i["id"] for i in _all_items(client, f"/api/v1/pilots?district={world.district_b.id}")}
    assert ids == {other.id}
    assert {i["id"] for i in _all_items(client, "/api/v1/pilots?q=BUSS")} == {other.id}
    running = {i["status"] for i in _all_items(client, "/api/v1/pilots?status=running")}
    assert running == {"running"}
    assert _all_items(client, "/api/v1/pilots?status=draft") == []


def test_blank_arguments_are_no_filter(client, register):
    """The docs page's forms send every field, blank ones too (``?q=&status=``)."""
    blank = "q=&district=&status=&theme=&arena=&partner=&year=&limit=&cursor="
    page = client.get(f"/api/v1/pilots?{blank}")
    assert page.status_code == 200 and page.get_json()["items"]
    assert page.get_json() == client.get("/api/v1/pilots").get_json()
    assert client.get("/api/v1/partners?limit=&cursor=").status_code == 200


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "district=0", "status=nope",
                                   "year=1900", "cursor=%%%", "cursor=aWQ6eA"])
def test_bad_arguments_are_problems_naming_the_parameter(client, world, query):
    response = client.get(f"/api/v1/pilots?{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 422 and body["errors"][0]["parameter"] == query.split("=")[0]


def test_etag_gives_304_until_something_changes(client, register):
    first = client.get("/api/v1/pilots")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/pilots", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    pilot = register[(Status.RUNNING, True)]
    pilot.title = "Nytt navn"
    db.session.commit()
    assert client.get("/api/v1/pilots", headers={"If-None-Match": etag}).status_code == 200


def test_cors_only_for_public_reads(client, world):
    assert client.get("/api/v1/pilots").headers["Access-Control-Allow-Origin"] == "*"
    secret = token_for(world.staff_a)
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/pilots", headers=auth(secret)).headers
    posted = client.post("/api/v1/pilots", json={}, headers=auth(secret))
    assert "Access-Control-Allow-Origin" not in posted.headers
    preflight = client.options("/api/v1/pilots")
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET"
    assert "authorization" not in preflight.headers.get("Access-Control-Allow-Headers", "").lower()


def test_unknown_api_urls_are_problems_and_the_web_keeps_its_pages(client):
    assert client.get("/api/v1/nothing").mimetype == "application/problem+json"
    assert client.delete("/api/v1/themes").mimetype == "application/problem+json"
    assert client.get("/pilots/nothing").mimetype == "text/html"
