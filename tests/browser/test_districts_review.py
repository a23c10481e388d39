"""A coordinator reviews a district in a real browser: filters, bookmark, downloads, accessibility."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.db import db
from tracker.pilots.models import Outcome
from tracker.pilots.workflow import Status


def build(world):
    owner, a = world.staff_a, world.district_a
    mobility = f.make_theme(name_nb="Mobilitet", name_en="Mobility")
    uni = f.make_partner("Universitetet i Oslo", kind="university")
    bus = f.make_pilot(owner, a, Status.RUNNING, title="Øko-bussen på Årvoll", arena_kind="digital",
                       is_public=True, planned_start=date(2025, 1, 1), planned_end=date(2026, 12, 31),
                       actual_start=date(2025, 2, 1))
    bus.themes = [mobility]
    f.link_partner(bus, uni, "lead")
    f.add_funding(bus, 2025, 250_000, "eu", source="Horizon Europe")
    f.make_pilot(owner, a, Status.PAUSED, title="Sensorpark", is_public=True)
    f.make_pilot(owner, a, Status.SUBMITTED, title="=SUM(A1:A9) formula title")
    done = f.make_pilot(owner, a, Status.EVALUATED, title="Gjenbruk av betong", is_public=True)
    db.session.add(Outcome(pilot=done, verdict="scale_up", lessons="Snakk med vaktmesteren først."))
    db.session.commit()


def titles(page) -> list[str]:
    return page.locator("#pilot-table tbody td:first-child a").all_inner_texts()


def test_coordinator_filters_bookmarks_and_downloads(page, world, live_server):
    build(world)
    sign_in(page, world.coordinator_a.email, f.PASSWORD)
    page.goto("/districts/district-a")
    check_accessibility(page, "district page")
    assert set(titles(page)) == {"Øko-bussen på Årvoll", "Sensorpark", "=SUM(A1:A9) formula title",
                                 "Gjenbruk av betong"}

    page.get_by_label("Arenatype").select_option("digital")
    page.get_by_label("Tittel eller tekst inneholder").fill("buss")
    page.get_by_label("Sorter etter").select_option("title")
    follow(page.get_by_role("button", name="Vis piloter"))
    page.wait_for_url("**arena=digital**")
    assert titles(page) == ["Øko-bussen på Årvoll"]
    bookmark = page.url
    assert "q=buss" in bookmark and "sort=title" in bookmark

    # Reopen the bookmark in a new tab: the same view, the filters still filled in.
    again = page.context.new_page()
    again.goto(bookmark)
    assert titles(again) == ["Øko-bussen på Årvoll"]
    expect(again.get_by_label("Tittel eller tekst inneholder")).to_have_value("buss")
    expect(again.get_by_label("Arenatype")).to_have_value("digital")
    again.close()

    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV for norsk Excel (;)").click()
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:2] == ["ID", "Tittel"] and [r[1] for r in rows[1:]] == ["Øko-bussen på Årvoll"]

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert [c.value for c in sheet["B"]] == ["Tittel", "Øko-bussen på Årvoll"]


def test_district_page_with_filter_errors_is_accessible(page, world):
    build(world)
    sign_in(page, world.coordinator_a.email, f.PASSWORD)
    page.goto("/districts/district-a?year=abc&status=flying")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#year-error")).to_be_visible()
    check_accessibility(page, "district page with filter errors")


def test_city_overview_is_accessible_signed_in_and_anonymous(page, world):
    build(world)
    page.goto("/districts/")
    expect(page.get_by_role("columnheader", name="Finansiering (kr)")).to_have_count(0)
    check_accessibility(page, "city overview, anonymous")
    page.goto("/districts/district-a")
    # The public register: no funding, and only the statuses it can hold.
    expect(page.get_by_role("heading", name="Finansiering")).to_have_count(0)
    expect(page.get_by_label("Status", exact=True).locator("option")).to_have_text(
        ["Alle", "Godkjent", "Pågår", "På pause", "Fullført", "Evaluert"])
    check_accessibility(page, "district page, anonymous")
    sign_in(page, world.admin.email, f.PASSWORD)
    page.goto("/districts/district-a")
    expect(page.get_by_role("heading", name="Finansiering")).to_be_visible()
    hint = re.compile("i dag for en pågående pilot")
    expect(page.get_by_label("Aktiv i år")).to_have_accessible_description(hint)
    page.goto("/districts/?arena=digital")
    assert page.locator("#overview-table tfoot").inner_text().split()[0] == "Totalt"
    check_accessibility(page, "city overview, admin")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Distrikt" and rows[-1][0] == "Totalt"


def test_my_work_needs_attention_is_accessible(page, world):
    from datetime import UTC, datetime, timedelta

    build(world)
    f.make_pilot(world.staff_a, world.district_a, Status.SUBMITTED, title="Venter lenge",
                 status_changed_at=datetime.now(UTC) - timedelta(days=30))
    db.session.commit()
    sign_in(page, world.coordinator_a.email, f.PASSWORD)
    page.goto("/")
    section = page.locator("section[aria-labelledby=home-attention-title]")
    assert "Venter lenge" in section.inner_text()
    check_accessibility(page, "My work with needs attention")
    page.goto("/districts/district-a")
    assert "Venter lenge" in page.locator("section[aria-labelledby=attention-title]").inner_text()
