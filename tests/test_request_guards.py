"""The request guards (``tracker/guards.py``): form posts only, one id parser, no hidden characters.

Each test here is an attack found by the hostile review of issue 10 (a 500, a stored override
character, a bypassed throttle, an id spelled in other digits) and the answer the app gives now.
"""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from flask import Blueprint, request

from tests import factories
from tests.authz.matrix import MATRIX
from tests.authz.scene import Scene, routes, snapshot, visits
from tests.conftest import make_app
from tests.test_pilots_form import form_data
from tracker.db import db
from tracker.districts.models import District
from tracker.guards import MAX_DB_ID, brings_own_body_guards, parse_id
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import Status

RULES = routes()
POSTS = [c for c in MATRIX if "POST" in RULES.get(c.endpoint, ()) and c.post]
# The JSON API brings its own body guards (415 for anything but JSON, checked after its token:
# tests/test_api_writes.py); every other POST is a form.
FORM_POSTS = [c for c in POSTS if not c.endpoint.startswith("api.")]
CSRF_ON = {"WTF_CSRF_ENABLED": True}


def fullwidth(number: int) -> str:
    """``12`` as "１２": digits ``int()`` reads, no page writes."""
    return str(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


# "²" and "①" pass str.isdigit() and make int() fail; "１" passes both; the others are out of range.
NOT_IDS = ["²", "①", "１", "99999999999999999999", "-1"]


def csrf_token(client, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def post_json(client, path: str, payload: dict, token: str, **kwargs):
    """A JSON body with a valid CSRF token in the header, as a script would send it."""
    return client.post(path, data=json.dumps({"csrf_token": token, **payload}),
                       content_type="application/json", headers={"X-CSRFToken": token}, **kwargs)


# -- defect 1: bodies that are not form posts -------------------------------------------------
@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_a_json_sign_in_is_refused_before_the_form_reads_it(client):
    """It answered 500: the JSON number 1 reached the e-mail validators as an int."""
    response = post_json(client, "/login", {"email": 1, "password": "x"}, csrf_token(client))
    assert response.status_code == 415


@pytest.mark.parametrize("app_config", [CSRF_ON])
def test_a_json_proposal_cannot_store_a_right_to_left_override(world, login):
    """The hidden-character guard reads form fields only: JSON stored "abc\\u202egpj.exe"."""
    client = login(world.staff_a)
    token = csrf_token(client, "/pilots/new")
    for title in ("abc\u202egpj.exe", "a\x00b"):
        response = post_json(client, "/pilots/new", {"title": title, "district": str(world.district_a.id),
                                                      "arena_kind": "digital"}, token)
        assert response.status_code == 415
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


THROTTLED = CSRF_ON | {"RATELIMIT_ENABLED": True, "LOGIN_LIMITS": "2 per minute"}


@pytest.mark.parametrize("app_config", [THROTTLED])
def test_json_cannot_sign_in_to_an_account_the_throttle_has_locked(app, world):
    """The per-account throttle keys on the form's e-mail: a JSON attempt had no key and signed in."""
    email = world.staff_a.email
    for n in range(3):  # the account is locked, whatever address the attempts come from
        client = app.test_client()
        response = client.post("/login", data={"csrf_token": csrf_token(client), "email": email,
                                               "password": "wrong password!"},
                               environ_base={"REMOTE_ADDR": f"10.9.0.{n}"})
    assert response.status_code == 429
    client = app.test_client()
    response = post_json(client, "/login", {"email": email, "password": factories.PASSWORD},
                         csrf_token(client), environ_base={"REMOTE_ADDR": "10.9.1.1"})
    assert response.status_code == 415
    assert client.get("/").status_code == 302  # still signed out: the start page sends to sign in


FOREIGN = ["application/json", "text/plain", "application/xml", "application/x-www-form-urlencoded-not"]


@pytest.mark.parametrize("app_config", [CSRF_ON])
@pytest.mark.parametrize("content_type", FOREIGN)
def test_every_form_refuses_a_body_that_is_not_a_form_post(app, content_type):
    """Before any view, and with a valid CSRF token in the header: 415, nothing changed."""
    scene = Scene.build()
    problems = []
    for case, user, client, url in visits(app, scene, FORM_POSTS):
        before = snapshot()
        token = csrf_token(client, "/pilots/")
        body = json.dumps({"csrf_token": token, **{k: str(v) for k, v in case.data(scene).items()}})
        response = client.post(url, data=body, content_type=content_type, headers={"X-CSRFToken": token})
        if response.status_code != 415 or snapshot() != before:
            problems.append(f"POST {url} as {user.email if user else 'anonymous'}: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_a_multipart_field_without_a_readable_name_is_a_bad_request(world, login):
    """Found by the multipart hostile tests: a part named "\\r" came out with the name None (a 500)."""
    body = b'--x\r\nContent-Disposition: form-data; name="\r"\r\n\r\nv\r\n--x--\r\n'
    before = snapshot()
    response = login(world.staff_a).post("/pilots/new", data=body,
                                         content_type="multipart/form-data; boundary=x")
    assert response.status_code == 400 and snapshot() == before


def test_a_blueprint_that_brings_its_own_guards_takes_json(_schema):
    """The hook the JSON API will use: its blueprint opts out and checks its bodies itself."""
    app = make_app(_schema)
    api = brings_own_body_guards(Blueprint("test_json_api", __name__))
    api.add_url_rule("/test-json", "echo", lambda: {"got": request.get_json()},
                     methods=["POST"])
    app.register_blueprint(api)
    app.config["WTF_CSRF_ENABLED"] = False
    response = app.test_client().post("/test-json", json={"a": 1})
    assert response.status_code == 200 and response.json == {"got": {"a": 1}}
    assert app.test_client().post("/login", json={"email": "a"}).status_code == 415


# -- defect 2: ids and versions in other digits --------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("1", 1), ("42", 42), (str(MAX_DB_ID), MAX_DB_ID),
    *[(t, None) for t in NOT_IDS],
    ("0", None), ("01", None), (" 1", None), ("1 ", None), ("1\n", None), ("+1", None), ("1_0", None),
    ("१", None), (str(MAX_DB_ID + 1), None), ("", None), (None, None), (1, None),
])
def test_parse_id_reads_only_what_the_app_writes(text, expected):
    assert parse_id(text) == expected


@pytest.fixture
def two_public_pilots(world):
    """A running public pilot in each district, with one theme on the first."""
    theme = factories.make_theme()
    a = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True, title="Alpha")
    b = factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING, is_public=True, title="Bravo")
    a.themes.append(theme)
    db.session.commit()
    return a, b, theme


@pytest.mark.parametrize("name", ["district", "theme"])
@pytest.mark.parametrize("value", [*NOT_IDS, "real id in fullwidth digits"])
def test_pilot_list_filters_ignore_ids_that_are_not_ascii_digits(client, world, two_public_pilots, name,
                                                                  value):
    """``?district=²`` and ``?theme=①`` answered 500; ``?district=１`` filtered by district 1."""
    theme = two_public_pilots[2]
    if value.startswith("real"):
        value = fullwidth(world.district_a.id if name == "district" else theme.id)
    response = client.get("/pilots/", query_string={name: value})
    assert response.status_code == 200
    assert "Alpha" in response.text and "Bravo" in response.text  # the filter is ignored


def _version_posts(world):
    """(path, data without version, current version) for every form that posts a version."""
    draft = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT)
    running = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
    partner = factories.make_partner("Versjon AS")
    db.session.commit()
    return [
        (f"/pilots/{draft.id}/edit", {"title": "Changed", "district": str(world.district_a.id),
                                      "arena_kind": "digital"}, draft.version),
        (f"/pilots/{running.id}/actions/pause", {"pause-comment": "Winter"}, running.version),
        (f"/pilots/{running.id}/outcome", {"verdict": "continue", "lessons": "Learnt."}, running.version),
        (f"/partners/{partner.id}/edit", {"name": "Versjon 2 AS", "kind": "company"}, partner.version),
    ]


@pytest.mark.parametrize("value", [*NOT_IDS, "current version in fullwidth digits"])
def test_a_version_in_other_digits_is_a_bad_request_that_changes_nothing(world, login, value):
    """``version=²`` answered 500 on the pilot forms; a partner's ``version=１`` was read as 1."""
    client = login(world.coordinator_a)
    for path, data, version in _version_posts(world):
        before = snapshot()
        sent = fullwidth(version) if value.startswith("current") else value
        response = client.post(path, data=data | {"version": sent})
        assert response.status_code == 400, path
        assert snapshot() == before, path


@pytest.mark.parametrize("value", NOT_IDS)
def test_the_edit_page_ignores_a_partner_id_in_other_digits(world, login, value):
    """``?partner_id=²`` (the return from the new-partner form) answered 500."""
    pilot = factories.make_pilot(world.staff_a, world.district_a)
    factories.make_partner("Kommet tilbake AS")
    db.session.commit()
    response = login(world.staff_a).get(f"/pilots/{pilot.id}/edit", query_string={"partner_id": value})
    assert response.status_code == 200 and "autofocus" not in response.text


@pytest.mark.parametrize("row", ["partners-0-partner", "funding-1-partner"])
@pytest.mark.parametrize("value", [*NOT_IDS, "real id in fullwidth digits"])
def test_partner_rows_with_ids_in_other_digits_are_field_errors(catalogue, login, row, value):
    """``partners-0-partner=²`` answered 500 (and "１２" would have been partner 12)."""
    world, themes, partners = catalogue
    sent = fullwidth(partners[0].id) if value.startswith("real") else value
    before = snapshot()
    data = form_data(world, themes, partners, **{row: sent})
    response = login(world.staff_a).post("/pilots/new", data=data)
    assert response.status_code == 400 and f'href="#{row}"' in response.text
    assert snapshot() == before


def test_admin_and_merge_choices_refuse_ids_in_other_digits(world, login):
    """WTForms' ``coerce=int`` read "１２" as 12: a hand-made post picked a record no page offered."""
    client = login(world.admin)
    keep, dup = factories.make_partner("Beholdes AS"), factories.make_partner("Slås sammen AS")
    factories.make_pilot(world.staff_a, world.district_a)
    db.session.commit()
    before = snapshot()
    posts = [
        ("/admin/districts/new", {"name": "Ny bydel", "coordinators": [fullwidth(world.coordinator_a.id)]},
         "coordinators"),
        (f"/admin/users/{world.staff_a.id}/handover", {"to_user": fullwidth(world.coordinator_a.id)},
         "to_user"),
        (f"/partners/{dup.id}/merge", {"survivor": fullwidth(keep.id)}, "survivor"),
    ]
    for path, data, field in posts:
        response = client.post(path, data=data)
        assert response.status_code == 400 and f'href="#{field}"' in response.text, path
    assert snapshot() == before
    assert db.session.scalar(sa.select(District).where(District.name == "Ny bydel")) is None


# -- item 10: characters a reader cannot see -------------------------------------------------------
HIDDEN = {"zero-width space": "\u200b", "zero-width non-joiner": "\u200c", "zero-width joiner": "\u200d",
          "word joiner": "\u2060", "byte-order mark": "\ufeff", "left-to-right mark": "\u200e",
          "right-to-left mark": "\u200f", "Arabic letter mark": "\u061c", "C1 control (NEL)": "\x85",
          "C1 control (CSI)": "\x9b"}


@pytest.mark.parametrize("char", HIDDEN.values(), ids=HIDDEN.keys())
@pytest.mark.parametrize("field", ["title", "contact_name", "contact_email"])
def test_invisible_characters_are_refused_in_names_titles_and_e_mails(catalogue, login, field, char):
    world, themes, partners = catalogue
    good = form_data(world, themes, partners)
    before = snapshot()
    value = good[field].replace("@", char + "@") if field == "contact_email" else "Pay" + char + "pal"
    response = login(world.staff_a).post("/pilots/new", data=good | {field: value})
    assert response.status_code == 400 and "usynlige kontrolltegn" in response.text
    assert snapshot() == before


def test_line_breaks_tabs_and_emoji_stay_allowed_in_long_text(catalogue, login):
    """Ordinary text is not refused: line breaks and tabs, and a joiner inside one emoji (👩‍🔬)."""
    world, themes, partners = catalogue
    scientist, rainbow_flag = "\U0001f469\u200d\U0001f52c", "\U0001f3f3\ufe0f\u200d\U0001f308"
    text = f"Linje 1\r\nLinje 2\n\tinnrykk, forsker: {scientist}, flagg: {rainbow_flag}"
    data = form_data(world, themes, partners, description=text)
    response = login(world.staff_a).post("/pilots/new", data=data)
    assert response.status_code == 302
    stored = db.session.scalar(sa.select(Pilot.description))
    assert "Linje 2\n\tinnrykk" in stored and scientist in stored and rainbow_flag in stored
