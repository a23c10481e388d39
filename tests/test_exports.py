"""CSV and XLSX exports: columns, æøå, separators, filters, visibility and formula injection."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from tests import factories as f
from tracker.db import db
from tracker.districts.exports import formula_like
from tracker.pilots.workflow import Status

OVERVIEW_FUNDING = "Finansiering av piloter som er godkjent eller kommet lenger (kr)"
EVIL = ["=HYPERLINK(\"http://evil\")", "+1+2", "-3+4", "@SUM(A1)", "\tTab", "\rCR"]


@pytest.fixture
def pilots(world):
    made = {
        "ærlig": f.make_pilot(world.staff_a, world.district_a, Status.RUNNING,
                              title="Ærlig øko-søppel på Årvoll", is_public=True),
        "draft": f.make_pilot(world.staff_a, world.district_a, Status.DRAFT, title="Secret draft"),
        "internal": f.make_pilot(world.staff_a, world.district_a, Status.APPROVED, title="Internal only"),
    }
    f.add_funding(made["ærlig"], 2025, 120_000)
    f.link_partner(made["ærlig"], f.make_partner("Bærum Øvelse AS"))
    for n, text in enumerate(EVIL):
        made[f"evil{n}"] = f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title=text)
    db.session.commit()
    return made


def read_csv(response, sep=","):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=sep))


def read_xlsx(response):
    return load_workbook(io.BytesIO(response.get_data())).active


def test_district_csv_has_the_columns_and_keeps_aeoeaa(pilots, login):
    response = login(pilots["ærlig"].owner).get("/districts/district-a/export.csv?q=rlig")
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="district-a-') and disposition.endswith('.csv"')
    rows = read_csv(response)
    assert rows[0][:6] == ["ID", "Tittel", "Distrikt", "Status", "Arenatype", "Temaer"]
    assert rows[0][10:13] == ["Partnere", "Finansiering (kr)", "Konklusjon"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Tittel"] == "Ærlig øko-søppel på Årvoll" and row["Status"] == "Pågår"
    assert row["Partnere"] == "Bærum Øvelse AS" and row["Finansiering (kr)"] == "120000"  # raw number
    assert row["Planlagt start"] == "2026-01-01" and row["Lenke"].endswith(f"/pilots/{pilots['ærlig'].id}")


def test_semicolon_option_for_norwegian_excel(pilots, login):
    response = login(pilots["ærlig"].owner).get("/districts/district-a/export.csv?sep=semicolon&q=rlig")
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("ID;Tittel;Distrikt;")
    assert read_csv(response, ";")[1][1] == "Ærlig øko-søppel på Årvoll"


def test_english_header_when_the_ui_is_english(pilots, login):
    response = login(pilots["ærlig"].owner).get("/districts/district-a/export.csv",
                                               headers={"Accept-Language": "en"})
    assert read_csv(response)[0][:3] == ["ID", "Title", "District"]


def test_csv_formula_like_text_stays_text(pilots, login):
    rows = read_csv(login(pilots["ærlig"].owner).get("/districts/district-a/export.csv?sort=title"))
    titles = {r[1] for r in rows[1:]}
    for text in EVIL:
        assert "'" + text in titles
    assert "Ærlig øko-søppel på Årvoll" in titles  # ordinary text is untouched


def test_xlsx_formula_like_text_is_a_string_cell(pilots, login):
    response = login(pilots["ærlig"].owner).get("/districts/district-a/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = read_xlsx(response)
    assert [c.value for c in sheet[1]][:3] == ["ID", "Tittel", "Distrikt"]
    cells = {c.value: c for c in sheet["B"][1:]}
    for text in EVIL:
        # XML turns a lone CR into LF (openpyxl keeps it when it writes through lxml, which
        # feedgen brings); the cell is text either way.
        cell = cells.get(text) or cells[text.replace("\r", "\n")]
        assert cell.data_type == "s", text
    numbers = [c.value for c in sheet["L"][1:]]
    assert 120000 in numbers  # funding stays a number


def test_export_honours_filters_and_visibility(pilots, login, client):
    rows = read_csv(client.get("/districts/district-a/export.csv"))
    assert [r[1] for r in rows[1:]] == ["Ærlig øko-søppel på Årvoll"]  # anonymous: the public register
    assert "Finansiering (kr)" not in rows[0]  # per-pilot funding is internal
    staff = read_csv(login(pilots["ærlig"].owner).get("/districts/district-a/export.csv?status=approved"))
    assert [r[1] for r in staff[1:]] == ["Internal only"]


def test_overview_exports(pilots, login):
    client = login(pilots["ærlig"].owner)
    rows = read_csv(client.get("/districts/export.csv?sep=semicolon"), ";")
    assert rows[0][:3] == ["Distrikt", "Nedlagt", "Utkast"] and rows[0][-1] == "Trenger oppfølging"
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"District A", "District B", "Totalt"}
    total_col = rows[0].index("Totalt")
    assert by_name["District A"][total_col] == "9" and by_name["Totalt"][total_col] == "9"
    assert by_name["District A"][rows[0].index(OVERVIEW_FUNDING)] == "120000"
    sheet = read_xlsx(client.get("/districts/export.xlsx?arena=digital"))
    assert [c.value for c in sheet["A"]] == ["Distrikt", "District A", "District B", "Totalt"]
    assert sheet.cell(row=4, column=total_col + 1).value == 0


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", True), ("+47 22 00 00 00", True), ("-", True), ("@x", True), ("\tx", True), ("\rx", True),
    ("a=b", False), ("", False), (-5, False), (None, False), ("Øst", False),
])
def test_formula_like(value, expected):
    assert formula_like(value) is expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", ["/districts/district-a/export", "/districts/export"])
def test_anonymous_exports_hold_no_funding(pilots, client, login, url, fmt):
    def cells(response) -> list[list]:
        if fmt == "csv":
            return read_csv(response)
        return [[c.value for c in row] for row in read_xlsx(response).iter_rows()]

    public = cells(client.get(f"{url}.{fmt}"))
    assert len(public) > 1 and not any("Finansiering" in str(h) for h in public[0])
    assert not any(str(v) == "120000" for row in public for v in row)  # the public pilot's funding
    internal = cells(login(pilots["ærlig"].owner).get(f"{url}.{fmt}"))
    assert any("Finansiering" in str(h) for h in internal[0])
    assert any(str(v) == "120000" for row in internal for v in row)


def test_overview_export_funding_counts_approved_and_later_pilots(world, login):
    for n, status in enumerate(Status):
        f.add_funding(f.make_pilot(world.staff_a, world.district_a, status), 2026, 10 ** n)
    db.session.commit()
    rows = read_csv(login(world.admin).get("/districts/export.csv"))
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["District A"][rows[0].index(OVERVIEW_FUNDING)] == "1111100"  # approved to evaluated
    assert by_name["Totalt"][rows[0].index(OVERVIEW_FUNDING)] == "1111100"


@pytest.mark.parametrize(("utc", "oslo"), [
    (datetime(2026, 11, 23, 18, 22, tzinfo=UTC), "2026-11-23 19:22"),  # winter: UTC+1
    (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), "2026-07-01 00:30"),  # summer: UTC+2, the next day
])
def test_last_updated_is_oslo_time_as_on_the_page(pilots, login, utc, oslo):
    pilots["ærlig"].updated_at = utc
    db.session.commit()
    client = login(pilots["ærlig"].owner)
    rows = read_csv(client.get("/districts/district-a/export.csv?q=rlig"))
    assert dict(zip(rows[0], rows[1], strict=True))["Sist oppdatert"] == oslo
    sheet = read_xlsx(client.get("/districts/district-a/export.xlsx?q=rlig"))
    header = [c.value for c in sheet[1]]
    moment = sheet.cell(row=2, column=header.index("Sist oppdatert") + 1)
    assert moment.value.strftime("%Y-%m-%d %H:%M") == oslo and moment.number_format == "yyyy-mm-dd hh:mm"


def test_xlsx_dates_are_dates_and_links_are_links(pilots, login):
    """Dates that sort and filter as dates in Excel, and the pilot's page one click away."""
    sheet = read_xlsx(login(pilots["ærlig"].owner).get("/districts/district-a/export.xlsx?q=rlig"))
    header = [c.value for c in sheet[1]]
    start = sheet.cell(row=2, column=header.index("Planlagt start") + 1)
    assert start.is_date and start.value.date() == pilots["ærlig"].planned_start
    link = sheet.cell(row=2, column=header.index("Lenke") + 1)
    assert link.hyperlink.target == link.value and link.value.endswith(f"/pilots/{pilots['ærlig'].id}")


SPLIT_EVIL = ["Plan;=1+1;x", "Plan,=1+1,x", "Plan\t=1+1", 'Plan;"=1+1";x', 'Plan,"-2"', "Plan;\t@x",
              "a,b;+c", "Plan\r\n=1"]


@pytest.mark.parametrize("sep", ["comma", "semicolon"])
def test_no_split_of_a_csv_line_starts_a_formula(world, login, sep):
    """Norwegian Excel splits on ``;``, other spreadsheets on ``,`` or tab: whichever separator a
    reader uses on either file, no cell starts as a formula."""
    for text in SPLIT_EVIL:
        f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title=text)
    db.session.commit()
    response = login(world.staff_a).get(f"/districts/district-a/export.csv?sep={sep}")
    body = response.get_data().decode("utf-8-sig")
    for reader_sep in [",", ";", "\t"]:
        cells = [c for row in csv.reader(io.StringIO(body, newline=""), delimiter=reader_sep) for c in row]
        assert len(cells) > 10
        assert not [c for c in cells if formula_like(c)], reader_sep
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter="," if sep == "comma" else ";"))
    assert "Plan;'=1+1;x" in {r[1] for r in rows[1:]}  # the text stays readable, marked as text


def test_only_the_link_column_holds_hyperlinks(world, login):
    pilot = f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title="https://evil.example/login")
    f.link_partner(pilot, f.make_partner("http://partner.example"))
    db.session.commit()
    sheet = read_xlsx(login(world.staff_a).get("/districts/district-a/export.xlsx"))
    header = [c.value for c in sheet[1]]
    linked = {(c.row, c.column) for row in sheet.iter_rows() for c in row if c.hyperlink}
    assert linked == {(2, header.index("Lenke") + 1)}
    assert sheet.cell(row=2, column=2).value == "https://evil.example/login"
