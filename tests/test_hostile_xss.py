"""Stored hostile text is shown escaped wherever it appears: pages (as every persona) and exports."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests import factories
from tests.authz import scene as authz
from tests.authz.matrix import MATRIX
from tests.authz.scene import Scene, routes
from tests.conftest import login_as
from tracker import audit
from tracker.db import db
from tracker.pilots.models import Outcome, OutcomeKPI, StatusEvent
from tracker.pilots.workflow import Status

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"onmouseover=alert(1) x="'
PAYLOAD = f"{SCRIPT}{ATTRIBUTE}"
FORMULA = '=HYPERLINK("http://evil.example","click")'
RULES = routes()
PAGES = [c for c in MATRIX if "GET" in RULES.get(c.endpoint, ()) and c.get]


shared_app, matrix_app = authz.shared_app, authz.matrix_app  # the fixtures, visible to pytest here


@pytest.fixture
def app(matrix_app):
    return matrix_app


def _poison(scene: Scene) -> None:
    """Hostile text in every kind of stored text a page can show."""
    w = scene.world
    for user in (w.staff_a, w.staff_b, w.coordinator_a):
        user.name = f"{user.name} {PAYLOAD}"
        user.agency = PAYLOAD
    for district in (w.district_a, w.district_b):
        district.name += PAYLOAD
        district.description = district.focus = PAYLOAD
    for partner in (scene.partner, scene.other_partner):
        partner.name += PAYLOAD
        partner.description = partner.contact_name = PAYLOAD
    scene.partner.website = "javascript:alert(1)"
    scene.theme.name_nb += PAYLOAD
    scene.theme.name_en += PAYLOAD
    for pilot in (scene.draft, scene.submitted, scene.approved, scene.running):
        for name in ("need", "description", "goals", "location", "agency", "contact_name"):
            setattr(pilot, name, PAYLOAD)
        pilot.title = f"{FORMULA}{PAYLOAD}"
        pilot.themes.append(scene.theme)
        pilot.events.append(StatusEvent(from_status=Status.DRAFT, to_status=pilot.status, actor=w.staff_a,
                                        comment=PAYLOAD, action="submit"))
    factories.add_funding(scene.running, 2026, 1000, source=PAYLOAD)
    for pilot in (scene.running, scene.draft):  # the audit trail (pilot page, admin audit page)
        audit.record(w.staff_a, "pilot", pilot.id, "update",
                     {"title": ("Old", PAYLOAD), PAYLOAD: (PAYLOAD, 1)})
    scene.running.outcome = Outcome(verdict="continue", summary=PAYLOAD, lessons=PAYLOAD, next_steps=PAYLOAD,
                                    kpis=[OutcomeKPI(name=PAYLOAD, unit="<b>")])
    db.session.commit()


def _assert_escaped(text: str, where: str) -> None:
    assert SCRIPT not in text, f"{where}: an unescaped <script>"
    assert "onmouseover=alert(1) x=" not in text.replace("&#34;onmouseover", "").replace(
        "&quot;onmouseover", ""), f"{where}: an unescaped attribute breakout"
    assert 'href="javascript:' not in text.lower(), f"{where}: a javascript: link"


@pytest.mark.parametrize("persona", ["admin", "staff_own", "coordinator_own", "anonymous"])
def test_every_page_shows_stored_hostile_text_escaped(app, persona):
    scene = Scene.build()
    _poison(scene)
    client = app.test_client()
    if scene.persona(persona) is not None:
        login_as(client, scene.persona(persona))
    shown = 0
    for case in PAGES:
        with app.test_request_context():
            url = app.url_for(case.endpoint, **case.args(scene))
        response = client.get(url)
        response.close()
        if response.mimetype == "text/html":
            _assert_escaped(response.text, f"{persona} GET {url}")
            shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    # The payload really was on the pages (escaped), not just absent.
    assert shown >= (3 if persona == "anonymous" else 8)


def test_exports_keep_hostile_text_inert(app):
    """CSV and XLSX are downloads (never rendered as HTML) and formulas stay text."""
    scene = Scene.build()
    _poison(scene)
    client = app.test_client()
    login_as(client, scene.world.admin)
    exports = [c for c in PAGES if c.endpoint.endswith("export")]
    assert exports, "no export routes in the matrix"
    for case in exports:
        for fmt in ("csv", "xlsx"):
            with app.test_request_context():
                url = app.url_for(case.endpoint, **{**case.args(scene), "fmt": fmt})
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.mimetype != "text/html"
            assert "attachment" in response.headers["Content-Disposition"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            cells = _cells(response.data, fmt)
            assert any(SCRIPT in c for c in cells), f"{url}: the stored text is missing"
            titles = [c for c in cells if "HYPERLINK" in c]
            assert titles or "slug" not in case.args(scene), f"{url}: the district's pilots are missing"
            if fmt == "csv":  # XLSX cells are typed strings (checked in _cells); CSV has no types
                assert all(not c.startswith(("=", "+", "-", "@")) for c in titles), f"{url}: {titles[0]!r}"


def _cells(data: bytes, fmt: str) -> list[str]:
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
        return [cell for row in csv.reader(io.StringIO(text), dialect) for cell in row]
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", f"{cell.coordinate} is a {cell.data_type}: {cell.value!r}"
                    cells.append(cell.value)
    return cells
