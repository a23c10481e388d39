"""Valid HTML on every page: the W3C Nu Html Checker over every page the matrix reaches.

Every GET of the authorisation matrix that answers 200 (as each persona it answers for), plus the
proposal and partner forms showing their errors, is written to a file; one run of the checker
(``vnu.jar``, one JVM start) validates them all and any error fails the test. Duplicate ids (a
CSRF field per form) and a required ``<select>`` without an empty first option were found this way.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.authz import scene as authz
from tests.authz.matrix import MATRIX
from tests.authz.scene import PERSONAS, Scene
from tests.conftest import login_as

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / ".venv" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

shared_app, matrix_app = authz.shared_app, authz.matrix_app
# Endpoints answering with a piece of a page that a script puts in place (tracker/search's similar
# pilots): checked inside a minimal document, as the page it lands in would hold it.
FRAGMENTS = {"search.similar"}
FRAME = ('<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>-</title></head>'
         "<body>{}</body></html>")


def _pages(app, scene: Scene):
    """``(name, html)`` of every page the matrix expects to answer 200, and forms with errors."""
    for case in MATRIX:
        expected = case.expected("GET") or []
        for persona, status in zip(PERSONAS, expected, strict=False):
            if status != 200:
                continue
            client = app.test_client()
            if (user := scene.persona(persona)) is not None:
                login_as(client, user)
            with app.test_request_context():
                url = app.url_for(case.endpoint, **case.args(scene))
            with client.get(url) as response:  # closed: a download holds its stored file open
                html = response.text if response.mimetype == "text/html" else None
            if html is not None:
                yield f"GET {url} as {persona}", FRAME.format(html) if case.endpoint in FRAGMENTS else html
    client = app.test_client()
    login_as(client, scene.world.staff_a)
    for url, bad in (("/pilots/new", {"title": "", "planned_start": "2027-05-01", "planned_end": "2027-01-01",
                                      "funding-0-amount": "many", "contact_email": "x", "submit": "1"}),
                     ("/partners/new", {"name": "", "website": "nowhere"})):
        token = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', client.get(url).text).group(1)
        yield f"POST {url} (errors)", client.post(url, data={**bad, "csrf_token": token}).text


@pytest.mark.slow
def test_every_page_is_valid_html(matrix_app, tmp_path, monkeypatch):
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail(f"the Nu Html Checker needs Java and {VNU}: run `make install` (make test does)")
    monkeypatch.setitem(matrix_app.config, "WTF_CSRF_ENABLED", True)  # every form has its token
    names = {}
    for index, (name, html) in enumerate(_pages(matrix_app, Scene.build())):
        path = tmp_path / f"page{index:03}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = name
    assert len(names) > 50  # the matrix really was walked
    done = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *sorted(
        str(tmp_path / name) for name in names)], capture_output=True, text=True, check=False)
    messages = json.loads(done.stderr or "{}").get("messages", [])
    problems = sorted({f"{names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}: line "
                       f"{m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()[:80]}]"
                       for m in messages})
    assert not problems, f"{len(problems)} HTML errors:\n" + "\n".join(problems)
