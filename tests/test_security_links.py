"""Absolute links come from TRACKER_BASE_URL, never from the Host header a client sends."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests import factories as f
from tracker.db import db
from tracker.pilots.workflow import Status

HOSTILE = {"Host": "evil.example"}


@pytest.fixture
def hostile_login(client):
    """Sign in on the forged host (the test client keeps cookies per host)."""
    def _login(user):
        with client.session_transaction(headers=HOSTILE) as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
        return client

    return _login


@pytest.fixture(params=["https://testarena.example.no", "https://www.example.no/testarena/"])
def base(app, request):
    app.config["BASE_URL"] = request.param
    return request.param.rstrip("/")


def test_set_password_link_uses_the_base_url(world, hostile_login, base):
    """The link shown to the admin is the one e-mailed (one value): an attacker who gets an admin to
    issue it behind a forged Host must not receive the token on their own server."""
    client = hostile_login(world.admin)
    assert client.post(f"/admin/users/{world.staff_a.id}/link", headers=HOSTILE).status_code == 302
    page = client.get(f"/admin/users/{world.staff_a.id}", headers=HOSTILE).text
    link = re.search(r'id="new-link" type="text" readonly value="([^"]+)"', page).group(1)
    assert re.fullmatch(re.escape(base) + r"/account/set-password/[\w-]+", link), link


def test_export_links_use_the_base_url(world, hostile_login, base):
    pilot = f.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
    db.session.commit()
    body = hostile_login(world.staff_a).get("/districts/district-a/export.csv", headers=HOSTILE).get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert dict(zip(rows[0], rows[1], strict=True))["Lenke"] == f"{base}/pilots/{pilot.id}"
