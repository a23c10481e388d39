"""Search, lessons and similar pilots in real Chromium, with axe-core on every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.auth.models import Role
from tracker.db import db
from tracker.pilots.models import Outcome, OutcomeKPI
from tracker.pilots.workflow import Status
from tracker.search.index import reindex


def _city():
    staff = factories.make_user(Role.STAFF, email="kari@example.org", name="Kari Nordmann")
    a = factories.make_district("hovinbyen", "Hovinbyen")
    b = factories.make_district("punkt-oslo", "Punkt Oslo")
    school = factories.make_pilot(staff, a, Status.EVALUATED, is_public=True,
                                  title="Sensorer for inneklima i skoler",
                                  need="Lærerne melder om tung luft i klasserommene.")
    school.outcome = Outcome(verdict="scale_up", lessons="Sensorene måtte kalibreres etter vinteren.",
                             kpis=[OutcomeKPI(name="Klager", baseline=40, target=20, actual=12)])
    factories.make_pilot(staff, b, Status.RUNNING, is_public=True, title="Sensorer ved skoleveien",
                         need="Foreldre vil vite hvor trygg skoleveien er.")
    db.session.flush()
    reindex()
    db.session.commit()
    return school


def test_search_from_the_header_narrow_with_facets_and_open_a_result(page):
    _city()
    page.goto("/pilots/")
    page.get_by_role("searchbox", name="Søk i Testarena").fill("sensorene")
    follow(page.get_by_role("button", name="Finn", exact=True))
    expect(page.get_by_role("heading", name="Søk", level=1)).to_be_visible()
    expect(page.get_by_text("2 piloter funnet")).to_be_visible()
    expect(page.locator("mark").first).to_be_visible()
    check_accessibility(page, "search results (nb)")
    follow(page.get_by_role("link", name="Punkt Oslo (1)"))
    assert re.search(r"district=\d+", page.url)
    expect(page.get_by_text("1 pilot funnet")).to_be_visible()
    follow(page.get_by_role("link", name="Sensorer ved skoleveien"))
    expect(page.get_by_role("heading", name="Sensorer ved skoleveien", level=1)).to_be_visible()

    follow(page.get_by_role("button", name="English"))
    page.get_by_role("searchbox", name="Search the tracker").fill("sensors")
    follow(page.get_by_role("button", name="Find", exact=True))
    expect(page.get_by_role("heading", name="Search", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Sensorer for inneklima i skoler")).to_be_visible()
    check_accessibility(page, "search results (en)")


def test_lessons_library(page):
    _city()
    page.goto("/lessons/")
    expect(page.get_by_role("heading", name="Læringsbiblioteket", level=1)).to_be_visible()
    expect(page.get_by_text("Sensorene måtte kalibreres etter vinteren.")).to_be_visible()
    check_accessibility(page, "lessons library")


def test_similar_pilots_while_typing_and_without_javascript(page, browser, live_server):
    _city()
    sign_in(page, "kari@example.org", factories.PASSWORD)
    page.goto("/pilots/new")
    page.get_by_label("Tittel").fill("Måling av inneklima")
    panel = page.locator("#similar-list")
    expect(panel.get_by_role("link", name="Sensorer for inneklima i skoler")).to_be_visible()
    check_accessibility(page, "proposal form with similar pilots")

    context = browser.new_context(base_url=live_server.url, locale="nb-NO", java_script_enabled=False)
    plain = context.new_page()
    sign_in(plain, "kari@example.org", factories.PASSWORD)
    plain.goto("/pilots/new")
    plain.get_by_label("Tittel").fill("Trygg skolevei")
    follow(plain.get_by_role("button", name="Finn lignende piloter"))
    expect(plain.get_by_label("Tittel")).to_have_value("Trygg skolevei")
    expect(plain.locator("#similar-list").get_by_role("link", name="Sensorer ved skoleveien")).to_be_visible()
    context.close()
