"""The analyst's XLSX, opened with openpyxl: every sheet, its header, frozen pane, auto-filter,
column widths and cell types; the read-me sheet; what the public register's workbook leaves out."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests import factories as f
from tests.sql import statements
from tracker.db import db
from tracker.pilots.models import Outcome, OutcomeKPI, StatusEvent
from tracker.pilots.workflow import Status

NB_SHEETS = ["Piloter", "Finansieringslinjer", "Partnere per pilot", "Resultater og KPI-er",
             "Statushistorikk", "Les meg"]
EN_SHEETS = ["Pilots", "Funding lines", "Partners per pilot", "Outcomes and KPIs", "Status history",
             "Read me"]


@pytest.fixture
def portfolio(world):
    running = f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title="Smart avfall",
                           is_public=True)
    evaluated = f.make_pilot(world.staff_a, world.district_a, Status.EVALUATED, title="Grønt tak",
                             is_public=True)
    f.add_funding(running, 2025, 120_000)
    f.add_funding(running, 2026, 80_000, source_type="partner", source="",
                  partner=f.make_partner("Sintef AS"), kind="in_kind")
    lead = f.make_partner("Bærum Øvelse AS", org_number="974760673")
    f.link_partner(running, lead, role="lead")
    f.link_partner(running, f.make_partner("=Evil AS"), role="funder")
    outcome = Outcome(pilot=evaluated, verdict="scale_up", lessons="Det virket.",
                      recorded_by=world.coordinator_a)
    outcome.kpis = [OutcomeKPI(name="Tonn avfall", unit="t", baseline=10, target=5, actual=6, position=0),
                    OutcomeKPI(name="Fornøyde brukere", unit="%", baseline=50, target=80, actual=85.5,
                               position=1)]
    db.session.add(outcome)
    running.events.append(StatusEvent(from_status="approved", to_status="running", action="start",
                                      actor=world.coordinator_a, comment="Internal-comment-77"))
    db.session.commit()
    return {"running": running, "evaluated": evaluated}


def book(response):
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.get_data()))


def rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_every_sheet_is_a_table_with_frozen_filtered_header(portfolio, login):
    wb = book(login(portfolio["running"].owner).get("/districts/district-a/export.xlsx"))
    assert wb.sheetnames == NB_SHEETS and wb.active.title == "Piloter"
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == sheet.dimensions, sheet.title
        assert all(c.font.b for c in sheet[1] if c.value), sheet.title
        widths = [sheet.column_dimensions[c.column_letter].width for c in sheet[1]]
        assert all(8 <= w <= 62 for w in widths), (sheet.title, widths)


def test_header_rows_are_in_the_users_language(portfolio, login):
    client = login(portfolio["running"].owner)
    wb = book(client.get("/districts/district-a/export.xlsx", headers={"Accept-Language": "en"}))
    assert wb.sheetnames == EN_SHEETS
    assert [c.value for c in wb["Funding lines"][1]] == [
        "Pilot ID", "Pilot", "District", "Status", "Year", "Source kind", "Source", "Kind", "Amount (NOK)"]


def test_funding_lines_one_row_per_line_with_pilot_and_district_and_nok_numbers(portfolio, login):
    wb = book(login(portfolio["running"].owner).get("/districts/district-a/export.xlsx"))
    sheet = wb["Finansieringslinjer"]
    lines = rows(sheet)
    pilot_id = portfolio["running"].id
    assert [(r["Pilot-ID"], r["Distrikt"], r["År"], r["Beløp (kr)"]) for r in lines] == [
        (pilot_id, "District A", 2025, 120000), (pilot_id, "District A", 2026, 80000)]
    assert lines[1]["Kilde"] == "Sintef AS"
    amounts = [row[-1] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "n" and "kr" in c.number_format for c in amounts)
    pilots = wb["Piloter"]
    header = [c.value for c in pilots[1]]
    funding = pilots.cell(row=2, column=header.index("Finansiering (kr)") + 1)
    assert "kr" in funding.number_format


def test_partners_per_pilot_with_roles(portfolio, login):
    wb = book(login(portfolio["running"].owner).get("/districts/district-a/export.xlsx"))
    sheet = wb["Partnere per pilot"]
    found = {(r["Partner"], r["Rolle"], r["Organisasjonsnummer"]) for r in rows(sheet)}
    assert found == {("Bærum Øvelse AS", "Hovedansvarlig", "974760673"), ("=Evil AS", "Finansierer", None)}
    evil = next(c for c in sheet["D"] if c.value == "=Evil AS")
    assert evil.data_type == "s"  # text, never a live formula


def test_outcomes_one_row_per_kpi_with_numbers_and_dates(portfolio, login):
    wb = book(login(portfolio["running"].owner).get("/districts/district-a/export.xlsx"))
    sheet = wb["Resultater og KPI-er"]
    kpis = rows(sheet)
    assert [(r["Pilot"], r["Indikator"], r["Faktisk"]) for r in kpis] == [
        ("Grønt tak", "Tonn avfall", 6), ("Grønt tak", "Fornøyde brukere", 85.5)]
    assert isinstance(kpis[0]["Registrert"], datetime)
    assert sheet.cell(row=2, column=5).is_date


def test_status_history_with_actor_and_comment_for_signed_in_users(portfolio, login):
    wb = book(login(portfolio["running"].owner).get("/districts/district-a/export.xlsx"))
    events = rows(wb["Statushistorikk"])
    start = next(e for e in events if e["Kommentar"] == "Internal-comment-77")
    assert start["Fra"] == "Godkjent" and start["Til"] == "Pågår" and start["Av"] == "Coordinator A"
    assert isinstance(start["Når"], datetime)


def test_the_read_me_says_what_whom_which_filters_and_when(portfolio, login):
    client = login(portfolio["running"].owner)
    wb = book(client.get("/districts/district-a/export.xlsx?arena=physical&q=tak"))
    about = {r[0].value: r[1].value for r in wb["Les meg"].iter_rows(min_row=2)}
    assert about["Eksport"] == "Piloter i District A"
    assert about["Eksportert av"] == "Staff A (Ansatt)"
    assert "Arenatype: Fysisk" in about["Filtre"] and "Tittel eller tekst inneholder: tak" in about["Filtre"]
    assert about["Piloter som telles"].startswith("Alle piloter du kan se")
    assert isinstance(about["Eksportert"], datetime) and about["Eksportert"].date() >= date(2026, 1, 1)
    assert [c.value for c in wb["Piloter"]["B"][1:]] == ["Grønt tak"]  # the filters apply to every sheet


def test_the_public_register_workbook_has_no_funding_actors_or_comments(portfolio, client):
    wb = book(client.get("/districts/district-a/export.xlsx"))
    assert "Finansieringslinjer" not in wb.sheetnames
    history = [c.value for c in wb["Statushistorikk"][1]]
    assert "Av" not in history and "Kommentar" not in history
    about = {r[0].value: r[1].value for r in wb["Les meg"].iter_rows(min_row=2)}
    assert about["Eksportert av"] == "Ikke innlogget: det offentlige registeret"
    assert about["Piloter som telles"].startswith("Bare det offentlige registeret telles")


def test_the_overview_workbook_starts_with_the_district_table(portfolio, login):
    wb = book(login(portfolio["running"].owner).get("/districts/export.xlsx"))
    assert wb.sheetnames == ["Distrikter", *NB_SHEETS]
    overview = wb["Distrikter"]
    assert overview.freeze_panes == "A2" and overview.auto_filter.ref == overview.dimensions
    header = [c.value for c in overview[1]]
    funding = overview.cell(row=2, column=header.index(
        "Finansiering av piloter som er godkjent eller kommet lenger (kr)") + 1)
    assert funding.value == 200000 and "kr" in funding.number_format


def test_the_workbook_takes_a_fixed_number_of_queries(world, login):
    def queries_for(n: int) -> int:
        for i in range(n):
            pilot = f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title=f"P{n}-{i}")
            f.add_funding(pilot, 2026, 1000)
            f.link_partner(pilot, f.make_partner())
        db.session.commit()
        return statements(login(world.viewer), "/districts/export.xlsx")

    assert queries_for(2) == queries_for(10)
