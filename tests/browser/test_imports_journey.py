"""Importing a sheet in a real browser, in nb and en: upload, correct one column's mapping, see the
dry run refuse a row, fix the file, import, and find the pilots on the district page (axe on each)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, follow
from tests.imports_samples import xlsx

T = {
    "nb": {"menu": "Import", "upload": "Last opp og kontroller", "again": "Kjør prøvekjøringen på nytt",
           "unknown": "er ikke en kjent bydel", "restart": "Begynn på nytt med en annen fil",
           "import": "Importer 2 pilot(er)", "done": "Importen er ferdig"},
    "en": {"menu": "Import", "upload": "Upload and check", "again": "Run the dry run again",
           "unknown": "is not a known district", "restart": "Start again with another file",
           "import": "Import 2 pilot(s)", "done": "Import done"},
}
HEADER = ["ID", "Tittel", "Bydel", "Status", "Oppstart", "Slutt", "Prosjekteier", "Budsjett 2026"]


def _sheet(district: str) -> dict:
    rows = [HEADER, ["J-1", "Lading av elsparkesykler", "district-a", "Pågår", "01.03.2026", "31.12.2026",
                     "Kari Nordmann", "kr 250 000"],
            ["J-2", "Digital nabohjelp", district, "Godkjent", "2026-05-01", "2026-11-30", "Ola Nordmann",
             90000]]
    return {"name": "piloter.xlsx", "buffer": xlsx(rows),
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _signed_in(page, app, server, user, lang):
    """Signed in with a session cookie made by the app (the real sign-in form has its own journey
    tests; its deliberately slow password hash only slows this one down)."""
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    name = app.config["SESSION_COOKIE_NAME"]
    page.context.add_cookies([{"name": name, "value": cookie, "url": server.url}])
    page.goto("/")
    if lang == "en":
        follow(page.get_by_role("button", name="English"))


def _upload(page, t, district):
    page.locator("#file").set_input_files([_sheet(district)])
    follow(page.get_by_role("button", name=t["upload"]))
    page.locator("#col_6").select_option("contact_name")  # "Prosjekteier" is not guessed


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_coordinator_imports_a_sheet_after_a_dry_run(page, app, live_server, world, lang):
    t = T[lang]
    _signed_in(page, app, live_server, world.coordinator_a, lang)
    follow(page.get_by_role("link", name=t["menu"], exact=True))
    check_accessibility(page, "upload form")
    _upload(page, t, "Atlantis")
    follow(page.get_by_role("button", name=t["again"]))
    expect(page.locator("table")).to_contain_text(t["unknown"])
    expect(page.locator("#col_6")).to_have_value("contact_name")
    check_accessibility(page, "dry run with a refused row")
    follow(page.get_by_role("link", name=t["restart"]))
    _upload(page, t, "District A")
    follow(page.get_by_role("button", name=t["again"]))
    expect(page.locator("table")).not_to_contain_text(t["unknown"])
    follow(page.get_by_role("button", name=t["import"]))
    expect(page.locator("h1")).to_contain_text(t["done"])
    check_accessibility(page, "import done")
    follow(page.get_by_role("link", name="District A"))
    expect(page.locator("main")).to_contain_text("Lading av elsparkesykler")
    expect(page.locator("main")).to_contain_text("Digital nabohjelp")
