"""The authorisation matrix: every route of the app, as every persona, with GET and POST.

Routes are discovered from the URL map, so a new route without an entry in ``MATRIX`` fails
``test_every_route_has_an_entry`` (and its own matrix cases) with a message naming it.

One entry per case: the endpoint, how to fill its URL (and form) from the scene, and the expected
status per persona, in the order of ``PERSONAS``: ``L`` means "redirected to sign in", a number is
the exact status. A method the route does not accept must be refused (405, or the blueprint's own
refusal). Refused requests (``L``, 401, 403, 404, 405, 410) and every GET must leave the database
exactly as it was (every row of every table is hashed before and after).
"""

from __future__ import annotations

import pytest

from tests.authz import scene as authz
from tests.authz.headers import assert_strict_headers
from tests.authz.matrix import MATRIX, Case
from tests.authz.scene import PERSONAS, Scene, rebuild, routes, snapshot
from tests.conftest import login_as

REFUSED = {"L", 401, 403, 404, 405, 410}
RULES = routes()


def test_every_route_has_an_entry():
    covered = {case.endpoint for case in MATRIX}
    missing = sorted(set(RULES) - covered)
    assert not missing, f"routes without an entry in the authorisation matrix: {missing}"
    stale = sorted(covered - set(RULES))
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def test_every_accepted_method_has_expectations():
    gaps = [f"{case.id} {method}" for case in MATRIX if case.endpoint in RULES
            for method in sorted(RULES[case.endpoint]) if case.expected(method) is None]
    assert not gaps, f"matrix entries without expectations for a method the route accepts: {gaps}"


shared_app, matrix_app = authz.shared_app, authz.matrix_app  # the fixtures, visible to pytest here


@pytest.fixture
def app(matrix_app):
    """One app for all cases (see ``tests/authz/scene.py``), emptied after each."""
    return matrix_app


def _params():
    for case in MATRIX:
        for method in ("GET", "POST"):
            yield pytest.param(case, method, id=f"{case.id}-{method}")


def _visit(app, case: Case, method: str, scene: Scene, persona: str):
    """One request as ``persona``: (status or "L", url, whether stored data changed, Location)."""
    client = app.test_client()
    user = scene.persona(persona)
    if user is not None:
        login_as(client, user)
    with app.test_request_context():
        url = app.url_for(case.endpoint, **case.args(scene))
    before = snapshot()
    response = client.open(url, method=method, data=case.data(scene) if method == "POST" else None)
    response.close()
    assert_strict_headers(response)  # on every answer of every route, refusals included
    location = response.headers.get("Location", "")
    # "L": sent to sign in, coming back here afterwards (``?next=``); a plain redirect is a 302.
    status = "L" if response.status_code == 302 and location.startswith("/login?") else response.status_code
    return status, url, snapshot() != before, location


@pytest.mark.parametrize("case,method", list(_params()))
def test_route_access(app, case, method):
    """Every persona in turn; the scene is rebuilt after a request that was allowed to change it."""
    if case.endpoint not in RULES:
        pytest.fail(f"{case.endpoint} is in the matrix but not in the app")
    accepted = method in RULES[case.endpoint]
    problems = []
    scene = Scene.build()
    for index, persona in enumerate(PERSONAS):
        status, url, changed, location = _visit(app, case, method, scene, persona)
        if accepted and status != case.expected(method)[index]:
            problems.append(f"{persona}: got {status} {location}, expected {case.expected(method)[index]}")
        if not accepted and status not in {405, "L", 403}:
            problems.append(f"{persona}: {method} is not accepted here, yet it answered {status}")
        if changed and (status in REFUSED or method == "GET"):
            problems.append(f"{persona}: the {status} answer changed stored data")
        if changed:
            scene = rebuild()
    assert not problems, f"{method} {url}:\n  " + "\n  ".join(problems)


def test_every_case_names_every_persona():
    """A new persona (the innovation office's ``viewer``) needs an expectation on every line."""
    short = [f"{case.id} {method}" for case in MATRIX for method in ("GET", "POST")
             if case.expected(method) is not None and len(case.expected(method)) != len(PERSONAS)]
    assert not short, f"matrix entries without a status for each of {PERSONAS}: {short}"
