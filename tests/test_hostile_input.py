"""Hostile input: random and adversarial data to every form, query string and URL of the app.

The forms and URLs come from the authorisation matrix (``tests/authz/matrix.py``), so a new
route is attacked as soon as it has its matrix entry. The field names of each form are read from
the pages the app itself renders. Whatever is sent: no answer is a 5xx, and unless the app
answered with a redirect (post/redirect/get after an accepted change), nothing stored changed.
"""

from __future__ import annotations

import io
import json
import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from tests.authz import scene as authz
from tests.authz.matrix import MATRIX
from tests.authz.scene import Scene, rebuild, routes, snapshot, visits
from tests.conftest import login_as
from tracker.db import db

RULES = routes()
ANONYMOUS_FORMS = {"auth.login", "account.set_password"}  # an admin would just be redirected
# Form posts; the JSON API (api.*) takes no forms: its hostile input is schemathesis's
# (tests/test_api_contract.py) and tests/test_api_writes.py's.
FORM_CASES = [c for c in MATRIX if "POST" in RULES.get(c.endpoint, ()) and c.post
              and not c.endpoint.startswith("api.")]
PAGE_CASES = [c for c in MATRIX if "GET" in RULES.get(c.endpoint, ()) and c.get]
# Ten fixed examples per route in the suite (under half a minute in all); for a deep search run
# TRACKER_HOSTILE_EXAMPLES=500 pytest tests/test_hostile_input.py (random, not derandomised).
EXAMPLES = int(os.environ.get("TRACKER_HOSTILE_EXAMPLES", "0"))
SETTINGS = settings(max_examples=EXAMPLES or 10, derandomize=not EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Digits int() or str.isdigit() accept and no page writes: "²" and "①" made int() fail (a 500).
UNICODE_DIGITS = ["²", "①", "１", "１２", "١٢", "99999999999999999999", "-1"]
ADVERSARIAL = [
    "", " ", "\x00", "\r\n\t", "\u202e\u200b", "NaN", "inf", "-0", "1e400", "-1", "0",
    str(2**31), str(2**63), str(-(2**63) - 1), "9" * 400, "2026-02-30", "0000-00-00", "9999-12-31",
    "../../etc/passwd", "<script>alert(1)</script>", '"onmouseover=alert(1)', "' OR 1=1 --", "%s%n",
    "=HYPERLINK(\"http://evil\")", "A" * 100_000, "🙂" * 3000, "on", "y", "true", "[]", "{}",
    *UNICODE_DIGITS, "\u200b", "\u200d", "\u200e", "\u061c", "\ufeff", "\x85", "\x9b",
]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)  # no lone surrogates: not UTF-8
VALUE = st.one_of(st.sampled_from(ADVERSARIAL), TEXT, st.integers(-(10**30), 10**30).map(str))
INVALID_UTF8 = st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                                b"%ff%fe", b"%c3%28", b"%00"])


shared_app, matrix_app = authz.shared_app, authz.matrix_app  # the fixtures, visible to pytest here


@pytest.fixture
def app(matrix_app):
    return matrix_app


def _names(html: str) -> set[str]:
    """The names of every form control on a page."""
    return set(re.findall(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"', html))


_VOCABULARY: list[str] = []


def vocabulary(app, scene: Scene) -> list[str]:
    """Every field name the app renders anywhere (as admin, staff and anonymous), computed once."""
    if not _VOCABULARY:
        names = {"version", "next", "page", "q", "id", "csrf_token"}
        for _case, _user, client, url in visits(app, scene, PAGE_CASES):
            response = client.get(url)
            if response.mimetype == "text/html":
                names |= _names(response.text)
            response.close()
        _VOCABULARY.extend(sorted(names))
    return _VOCABULARY


class Attack:
    """Posts as the right persona; after an accepted change the scene is rebuilt."""

    def __init__(self, app):
        self.app = app
        self.scene = Scene.build()
        self.case = None

    def url(self) -> str:
        with self.app.test_request_context():
            return self.app.url_for(self.case.endpoint, **self.case.args(self.scene))

    def client(self):
        client = self.app.test_client()
        if self.case.endpoint not in ANONYMOUS_FORMS:
            login_as(client, self.scene.world.admin)
        return client

    def send(self, method: str, **request):
        before = snapshot()
        url = self.url()
        response = _open(self.client(), url, method, **request)
        assert response.status_code < 500, f"{method} {url} {request}: {response.status_code}"
        changed = snapshot() != before
        if response.status_code not in (302, 303):
            assert not changed, f"{method} {url} answered {response.status_code} but changed stored data"
        if changed:
            self.scene = rebuild()
        return response


@pytest.fixture
def attack(app, case):
    """One scene per test function, shared by its hypothesis examples."""
    attack = Attack(app)
    attack.case = case
    return attack


def _open(client, url: str, method: str, **request):
    """The response, or a failure naming the request that raised (a 500 in production)."""
    try:
        response = client.open(url, method=method, **request)
    except Exception as exc:
        raise AssertionError(f"{method} {url} {str(request)[:300]} raised {exc!r} (a 500)") from exc
    response.close()
    return response


def _body(draw, names: list[str], valid: dict):
    """Form fields as (name, value) pairs: known and unknown names, repeated, missing or hostile."""
    pairs = []
    if draw(st.booleans()):
        pairs += [(k, str(v)) for k, v in valid.items()]  # start from a valid post, then spoil it
    keys = st.one_of(st.sampled_from(names), TEXT)
    for name, values in draw(st.lists(st.tuples(keys, st.lists(VALUE, min_size=1, max_size=3)), max_size=8)):
        pairs += [(name, v) for v in values]
    return pairs


ENCODINGS = ["urlencoded", "multipart", "json"]


def _encoded(pairs: list[tuple[str, str]], encoding: str) -> dict:
    """The same fields as a browser form post, a multipart form post, or a JSON body."""
    if encoding == "json":
        return {"data": json.dumps(dict(pairs)), "content_type": "application/json"}
    if encoding == "multipart":
        return {"data": MultiDict(pairs), "content_type": "multipart/form-data"}
    body = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    return {"data": body, "content_type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda c: c.id)
@SETTINGS
@given(data=st.data(), encoding=st.sampled_from(ENCODINGS))
def test_forms_survive_hostile_fields(app, attack, case, data, encoding):
    own = _names(attack.client().get(attack.url()).text) if "GET" in RULES[case.endpoint] else set()
    names = sorted(own | set(case.data(attack.scene)) | set(vocabulary(app, attack.scene)))
    pairs = _body(data.draw, names, case.data(attack.scene))
    response = attack.send("POST", **_encoded(pairs, encoding))
    if encoding == "json":
        assert response.status_code == 415  # refused before any view: no guard is bypassed


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda c: c.id)
@SETTINGS
@given(raw=st.lists(st.one_of(st.binary(max_size=40), INVALID_UTF8), max_size=6),
       names=st.lists(st.sampled_from(["email", "password", "title", "name", "comment", "version",
                                       "lang", "next", "amount", "org_number"]), max_size=6))
def test_forms_survive_invalid_utf8_and_garbage_bodies(attack, case, raw, names):
    body = b"&".join(n.encode() + b"=" + r for n, r in zip(names, raw, strict=False)) + b"&" + b"".join(raw)
    attack.send("POST", data=body, content_type="application/x-www-form-urlencoded")


QUERY_KEYS = ["page", "q", "status", "district", "theme", "arena_kind", "year", "sort", "order",
              "partner_id", "kind", "next", "role", "active", "entity", "actor", "from", "to", "fmt",
              "partner", "arena", "check", "date_from", "date_to"]


@pytest.mark.parametrize("case", PAGE_CASES, ids=lambda c: c.id)
@SETTINGS
@given(query=st.lists(st.tuples(st.one_of(st.sampled_from(QUERY_KEYS), TEXT), VALUE), max_size=6),
       garbage=st.one_of(st.just(""), INVALID_UTF8.map(lambda b: b.decode("latin-1"))))
def test_pages_survive_hostile_query_strings(attack, case, query, garbage):
    qs = "&".join(f"{quote(k, safe='')}={quote(v[:2000], safe='')}" for k, v in query)
    qs += "&page=" + quote(garbage, safe="%") if garbage else ""
    attack.send("GET", query_string=qs)


PATH_VALUES = {"int": ["0", str(2**31), str(2**63), str(10**30), "%EF%BC%91", "01"],
               "default": ["%00", "x" * 3000, "%ff%fe", "'%3B--", "%F0%9F%99%82", "..%2F..%2Fetc"]}


def test_unknown_and_huge_ids_in_urls_are_404_not_500(app):
    """Every URL argument replaced by unknown, out-of-range or hostile values."""
    scene = Scene.build()
    client = app.test_client()
    login_as(client, scene.world.admin)
    problems, seen = [], 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.arguments:
            continue
        for converter_values in _substitutions(rule):
            path = rule.rule
            for name, value in converter_values.items():
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
            for method in sorted(rule.methods & {"GET", "POST"}):
                seen += 1
                try:
                    status = _open(client, path, method).status_code
                except AssertionError as exc:
                    problems.append(str(exc))
                    db.session.rollback()
                    continue
                if status >= 500 or (status == 200 and rule.endpoint != "auth.login"):
                    problems.append(f"{method} {path}: {status}")
    assert not problems, "\n".join(problems)
    assert seen > 20


def _substitutions(rule):
    """Per argument, every hostile value (the other arguments keep a harmless one)."""
    kinds = {name: ("int" if isinstance(conv, IntegerConverter) else "default")
             for name, conv in rule._converters.items()}
    for name, kind in kinds.items():
        if type(rule._converters[name]).__name__ == "AnyConverter":
            continue
        for value in PATH_VALUES[kind]:
            yield {n: (value if n == name else ("csv" if n == "fmt" else "1")) for n in kinds}


@pytest.mark.parametrize("where", ["field", "query", "path"])
def test_nul_characters_are_refused_before_reaching_the_database(app, where):
    """PostgreSQL cannot store NUL: refused up front in any field or argument (400) or address (404)."""
    scene = Scene.build()
    client = app.test_client()
    login_as(client, scene.world.staff_a)
    before = snapshot()
    if where == "field":
        response = client.post(f"/pilots/{scene.draft.id}/actions/submit",
                               data={"version": scene.draft.version, "submit-comment": "ok\x00"})
    elif where == "query":
        response = client.get("/pilots/", query_string={"q": "\x00"})
    else:
        response = client.get("/districts/a%00b")
    assert response.status_code == (404 if where == "path" else 400)
    assert snapshot() == before


HEAVY_BODIES = [  # handled before any view: tried on one form per blueprint
    (b"email=" + b"a" * 3_000_000, "application/x-www-form-urlencoded"),
    ("&".join(f"f{i}=1" for i in range(5000)).encode(), "application/x-www-form-urlencoded"),
]
FOREIGN_BODIES = [
    (b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n', "multipart/form-data; boundary=x"),
    (b'{"title": ["x"], "version": {"$gt": 0}}', "application/json"),  # nothing parses JSON or XML
]
FIRST_OF_BLUEPRINT = {c.endpoint.split(".")[0]: c for c in reversed(FORM_CASES)}.values()


def test_forms_survive_oversized_and_foreign_bodies(app):
    """No 5xx and no change for broken multipart, JSON (and, once per blueprint, huge bodies)."""
    attack = Attack(app)
    for case in FORM_CASES:
        attack.case = case
        for body, content_type in FOREIGN_BODIES + (HEAVY_BODIES if case in FIRST_OF_BLUEPRINT else []):
            attack.send("POST", data=body, content_type=content_type)


def test_a_file_in_place_of_any_field_is_a_400_that_changes_nothing(app):
    """No form takes a file: a file posted in place of a text field reached the validators as an
    object (a 500 on nearly every form, the sign-in form included)."""
    attack = Attack(app)
    for case in FORM_CASES:
        attack.case = case
        valid = case.data(attack.scene)
        for name in [n for n in valid if n != "csrf_token"][:3]:
            data = {**valid, name: (io.BytesIO(b"plain text"), "a.txt")}
            response = attack.send("POST", data=data, content_type="multipart/form-data")
            assert response.status_code == 400, f"{case.endpoint} with a file as {name}"


HUGE = "9" * 400  # beyond any float: WTForms' NumberRange raised OverflowError on it


def test_huge_numbers_in_every_field_and_query_argument(app):
    """Every field of every form, and every argument the pages read, set to a 400-digit number."""
    attack = Attack(app)
    for case in FORM_CASES:
        attack.case = case
        own = _names(attack.client().get(attack.url()).text) if "GET" in RULES[case.endpoint] else set()
        valid = case.data(attack.scene)
        huge = {n: HUGE for n in own | set(valid)}
        attack.send("POST", data=huge)
        if "version" in valid:  # and once past the version check, into the forms themselves
            attack.send("POST", data=huge | {"version": valid["version"]})
    for case in PAGE_CASES:
        attack.case = case
        attack.send("GET", query_string={k: HUGE for k in QUERY_KEYS})


@pytest.mark.parametrize("spelling", ["²", "１２"])  # int() fails on the one, reads the other
def test_unicode_digits_in_every_field_and_query_argument(app, spelling):
    """Every field of every form and every argument the pages read, spelled with digits no page
    writes: 4xx or ignored, never a 5xx. Fields go all at once (past the version check too, and
    as multipart), then each id or version of a valid post alone."""
    attack = Attack(app)
    for case in FORM_CASES:
        attack.case = case
        own = _names(attack.client().get(attack.url()).text) if "GET" in RULES[case.endpoint] else set()
        valid = {k: str(v) for k, v in case.data(attack.scene).items()}
        spelled = {n: spelling for n in own | set(valid) if n != "version"}
        attack.send("POST", data=spelled | {"version": spelling})
        past_version = spelled | ({"version": valid["version"]} if "version" in valid else {})
        attack.send("POST", **_encoded(list(past_version.items()), "multipart"))
        for name in [n for n, v in valid.items() if v.isascii() and v.isdigit()]:
            attack.send("POST", data=valid | {name: spelling})
    for case in PAGE_CASES:
        attack.case = case
        attack.send("GET", query_string={key: spelling for key in QUERY_KEYS})
        for key in ("district", "theme", "partner", "partner_id"):  # each id filter alone, others unset
            attack.send("GET", query_string={key: spelling})


@pytest.mark.parametrize("text", ["Title\x1b[31m", "Bell\x07", "Del\x7f", "evil\u202etxt.exe"])
def test_hidden_control_characters_are_refused_with_an_explanation(app, text):
    scene = Scene.build()
    client = app.test_client()
    login_as(client, scene.world.staff_a)
    before = snapshot()
    response = client.post(f"/pilots/{scene.draft.id}/actions/submit",
                           data={"version": scene.draft.version, "submit-comment": text})
    assert response.status_code == 400
    assert "usynlige kontrolltegn" in response.text
    assert snapshot() == before
