"""Nothing shows where it does not belong: drafts, internal pilots and internal fields, on every
page and export of the app (the GET pages of the authorisation matrix), for every persona."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests import factories
from tests.authz import scene as authz
from tests.authz.matrix import MATRIX
from tests.authz.scene import PERSONAS, Scene, routes
from tests.conftest import login_as
from tracker.db import db
from tracker.pilots.models import StatusEvent
from tracker.pilots.workflow import Status

RULES = routes()
PAGES = [c for c in MATRIX if "GET" in RULES.get(c.endpoint, ()) and c.get]
DRAFT = "Draft-only-title-7f3a"  # owner, district A's coordinator, admin, innovation office
SUBMITTED = "Internal-submitted-title-52c1"  # any signed-in user, never the public
BUDGET = "Budget-line-source-9e0d"  # funding of the public pilot: signed-in users only
CONTACT = "contact.person.4b2e@example.org"  # contact of the public pilot: signed-in users only
COMMENT = "Status-comment-c81f"  # workflow comment: signed-in users only

MAY_SEE = {
    DRAFT: {"staff_own", "coordinator_own", "admin", "viewer"},
    SUBMITTED: set(PERSONAS) - {"anonymous"},
    BUDGET: set(PERSONAS) - {"anonymous"},
    CONTACT: set(PERSONAS) - {"anonymous"},
    COMMENT: set(PERSONAS) - {"anonymous"},
}

shared_app, matrix_app = authz.shared_app, authz.matrix_app  # the fixtures, visible to pytest here


@pytest.fixture
def app(matrix_app):
    return matrix_app


def _plant(scene: Scene) -> None:
    scene.draft.title = DRAFT
    scene.submitted.title = SUBMITTED
    factories.add_funding(scene.running, 2026, 250_000, source=BUDGET)
    scene.running.contact_email = CONTACT
    scene.running.events.append(StatusEvent(from_status=Status.APPROVED, to_status=Status.RUNNING,
                                            actor=scene.world.staff_a, comment=COMMENT, action="start"))
    db.session.commit()


def _text(response) -> str:
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return "\n".join(str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_or_export_shows_what_the_persona_may_not_see(app, persona):
    scene = Scene.build()
    _plant(scene)
    client = app.test_client()
    if scene.persona(persona) is not None:
        login_as(client, scene.persona(persona))
    leaks, seen = [], set()
    for case in PAGES:
        urls = []
        with app.test_request_context():
            url = app.url_for(case.endpoint, **case.args(scene))
            urls.append(url)
            if "fmt" in case.args(scene):  # every export format
                urls.append(app.url_for(case.endpoint, **{**case.args(scene), "fmt": "xlsx"}))
        for url in urls:
            response = client.get(url)
            text = _text(response)
            response.close()
            for secret, allowed in MAY_SEE.items():
                if secret in text:
                    seen.add(secret)
                    if persona not in allowed:
                        leaks.append(f"{secret} on {url}")
    assert not leaks, f"{persona} sees what they may not:\n  " + "\n  ".join(leaks)
    # And what they may see is really shown somewhere (the pages work, the check is not vacuous).
    assert seen == {s for s, allowed in MAY_SEE.items() if persona in allowed}
