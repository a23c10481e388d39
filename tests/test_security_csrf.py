"""CSRF on every POST route of the app (from the authorisation matrix), as production has it."""

from __future__ import annotations

import pytest

from tests.authz.matrix import MATRIX
from tests.authz.scene import Scene, routes, snapshot, visits

RULES = routes()
POSTS = [c for c in MATRIX if "POST" in RULES.get(c.endpoint, ()) and c.post]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.mark.parametrize("token", ["missing", "forged"])
def test_every_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(app, token):
    scene = Scene.build()
    problems = []
    for case, user, client, url in visits(app, scene, POSTS):
        data = dict(case.data(scene))
        if token == "forged":
            data["csrf_token"] = "IjQ2ZjM5ZDQ3In0.aBcDeF.forged-signature"
        before = snapshot()
        response = client.post(url, data=data)
        response.close()
        # 401: the JSON API (tracker/api) takes no cookie, so a session without a token is refused.
        refused = response.status_code in (400, 401) or (
            response.status_code == 302 and response.headers["Location"].startswith("/login?"))
        if not refused or snapshot() != before:
            who = user.email if user else "anonymous"
            problems.append(f"POST {url} as {who}: {response.status_code}")
    assert not problems, "POSTs accepted without a valid CSRF token:\n  " + "\n  ".join(problems)
