"""Spreadsheet import (issue 17): files built here, read, mapped, dry-run and imported."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests import factories
from tests import imports_samples as samples
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.imports import mapping, plan, reading
from tracker.imports.models import ImportMapping, PilotReference
from tracker.partners.models import Partner
from tracker.pilots import imported
from tracker.pilots.models import FundingLine, Pilot, StatusEvent

H = samples.HEADERS


@pytest.fixture(autouse=True)
def _english(app, client):
    """Messages in English, as the CLI writes them; pages asked for in English."""
    from flask_babel import force_locale

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with force_locale("en"):
        yield


@pytest.fixture
def city(world):
    factories.make_theme(slug="mobilitet", name_nb="Mobilitet", name_en="Mobility")
    factories.make_partner("Sirkulær Bygg AS", org_number="974760673")
    db.session.commit()
    return world


def _rows(world, n=2):
    a = world.district_a.name
    return [H,
            ["OSC-1", "Smarte søppelbøtter", a, "Pågår", 46082, "31.12.2026", "Kari Nordmann",
             "Gjenbruk Norge (974760673)", "kr 1 200 000"],
            ["OSC-2", "=Ikke en formel", world.district_a.slug, "Godkjent", "2026-04-01", "1. mars 2027", "",
             "", "250 000"]][:n + 1]


def _run(data, name, user, **kw):
    table = reading.read_table(data, name, mapping.header_score())
    targets = mapping.auto_mapping(table.headers)
    options = plan.Options(user=user, owner=user, source=name, **kw)
    return table, targets, options, plan.analyse(table, targets, options)


def _pilots():
    return list(db.session.scalars(sa.select(Pilot).order_by(Pilot.id)))


def test_norwegian_xlsx_with_title_row_serial_dates_formula_and_leading_equals(app, city):
    data = samples.xlsx(_rows(city), title="Piloter i Oslo 2026", merge_title=True)
    table, targets, options, result = _run(data, "piloter.xlsx", city.admin)
    assert table.header_row == 2
    assert targets[:6] == ["reference", "title", "district", "status", "planned_start", "planned_end"]
    assert targets[6:] == ["contact_name", "partners", "funding:2026"]
    assert result.totals == {"create": 2, "update": 0, "unchanged": 0, "refused": 0}
    first = result.rows[0]
    assert "matched by organisation number" in first.notes[0]  # another name, same org number
    plan.apply(result, options)
    db.session.commit()
    smart, other = _pilots()
    assert smart.status == "running" and smart.planned_start == date(2026, 3, 1)  # Excel serial 46082
    assert [link.partner.name for link in smart.partner_links] == ["Sirkulær Bygg AS"]
    assert [(f.year, f.amount) for f in smart.funding] == [(2026, 1_200_000)]
    assert other.title == "=Ikke en formel" and other.planned_end == date(2027, 3, 1)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Partner)) == 1


def test_formulas_are_never_evaluated_the_saved_value_is_used(app, city):
    rows = _rows(city, 1)
    rows[1][8] = samples.Formula("=1+1")
    data = samples.with_cached_values(samples.xlsx(rows), {"I2": "300000"})
    _t, _targets, _o, result = _run(data, "f.xlsx", city.admin)
    assert result.rows[0].content.funding[0]["amount"] == 300_000


def test_windows_1252_csv_with_semicolons(app, city):
    data = samples.csv_bytes(_rows(city), sep=";", encoding="cp1252")
    table, _targets, _o, result = _run(data, "piloter.csv", city.admin)
    assert (table.encoding, table.separator) == ("Windows-1252", ";")
    assert "Windows-1252" in table.describe()
    assert result.rows[0].title == "Smarte søppelbøtter"
    assert result.totals["refused"] == 0


def test_utf8_csv_with_bom_and_commas(app, city):
    table = reading.read_table(samples.csv_bytes(_rows(city), sep=",", encoding="utf-8", bom=True), "a.csv")
    assert (table.encoding, table.separator, table.headers[0]) == ("UTF-8 with BOM", ",", "ID")


def test_ods(app, city):
    rows = _rows(city)
    rows[1][4] = "01.03.2026"
    _t, _targets, _o, result = _run(samples.ods(rows), "piloter.ods", city.admin)
    assert result.totals == {"create": 2, "update": 0, "unchanged": 0, "refused": 0}


def test_problems_per_cell_duplicate_unknown_district_ambiguous_amount_empty_rows(app, city):
    rows = [*_rows(city), [None] * 9, _rows(city)[2]]
    rows[1][2], rows[1][8] = "Atlantis", "1,5 mill."
    _t, _targets, _o, result = _run(samples.xlsx(rows), "p.xlsx", city.admin)
    assert [r.action for r in result.rows] == ["refused", "create", "refused"]
    problems = {(p.column, p.value) for p in result.rows[0].problems}
    assert problems == {("Bydel", "Atlantis"), ("Budsjett 2026", "1,5 mill.")}
    assert "ambiguous" in next(p.message for p in result.rows[0].problems if p.column == "Budsjett 2026")
    assert result.rows[2].number == 5 and "row 3" in result.rows[2].problems[0].message


def test_problems_in_norwegian(app, city):
    rows = _rows(city, 1)
    rows[1][2] = "Atlantis"
    from flask_babel import force_locale

    with force_locale("nb"):
        _t, _targets, _o, result = _run(samples.xlsx(rows), "p.xlsx", city.admin)
        assert "er ikke en kjent bydel" in result.rows[0].problems[0].message


def test_second_import_updates_and_creates_no_duplicates(app, city):
    data = samples.xlsx(_rows(city))
    *_x, options, result = _run(data, "p.xlsx", city.admin)
    plan.apply(result, options)
    db.session.commit()
    *_x, options, again = _run(data, "p.xlsx", city.admin)
    assert again.totals == {"create": 0, "update": 0, "unchanged": 2, "refused": 0}
    rows = _rows(city)
    rows[1][3], rows[1][8] = "Avsluttet", 900_000
    *_x, options, changed = _run(samples.xlsx(rows), "p2.xlsx", city.admin)
    assert [r.action for r in changed.rows] == ["update", "unchanged"]
    plan.apply(changed, options)
    db.session.commit()
    assert len(_pilots()) == 2
    smart = _pilots()[0]
    assert smart.status == "completed" and [f.amount for f in smart.funding] == [900_000]
    events = db.session.scalars(sa.select(StatusEvent).where(StatusEvent.pilot_id == smart.id)).all()
    assert [(e.from_status, e.to_status) for e in events] == [(None, "running"), ("running", "completed")]
    assert "p2.xlsx" in events[1].comment
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == smart.id)).all()
    assert [e.action for e in entries] == ["import", "import"]
    assert entries[1].changes["file"] == [None, "p2.xlsx"]
    assert entries[1].changes["status"] == ["running", "completed"]


def test_each_new_pilot_gets_its_rows_and_one_announced_audit_entry_searchable_after_commit(app, city):
    from tracker.events import recorded
    from tracker.search.models import SearchDocument
    said = []
    *_x, options, result = _run(samples.xlsx(_rows(city)), "p.xlsx", city.admin)
    with recorded.connected_to(lambda s, entry, **_kw: said.append((s, entry.entity_id, entry.changes))):
        plan.apply(result, options)
        db.session.commit()
    smart, other = _pilots()
    stored = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [("pilot", e.entity_id, e.changes) for e in stored if e.action == "import"] == said
    assert [p for _s, p, _c in said] == [smart.id, other.id] and stored[-2].actor_id == city.admin.id
    changes = stored[-2].changes
    assert changes["file"] == [None, "p.xlsx"] and changes["owner"][1]["id"] == city.admin.id
    assert changes["partners"][1][0]["partner_id"] == smart.partner_links[0].partner_id
    assert changes["funding"][1][0]["amount"] == "1200000" and smart.version == 1
    assert [(e.from_status, e.to_status) for e in smart.events] == [(None, "running")]
    assert db.session.get(PilotReference, smart.id).reference == "OSC-1"
    found = db.session.scalars(sa.select(SearchDocument.ref_id).where(SearchDocument.kind == "pilot"))
    assert sorted(found) == [smart.id, other.id]


def test_imported_status_is_one_event_dated_from_the_sheet(app, city):
    rows = _rows(city, 1)
    *_x, options, result = _run(samples.xlsx(rows), "p.xlsx", city.admin)
    plan.apply(result, options)
    db.session.commit()
    (event,) = db.session.scalars(sa.select(StatusEvent)).all()
    assert event.to_status == "running" and event.at.date() == date(2026, 3, 1)
    assert event.comment.startswith("Imported as Running")


def _thousand(world, bad_row=None):
    rows = [["ID", "Tittel", "Bydel", "Budsjett 2026"]]
    for i in range(1, 1001):
        rows.append([f"R-{i}", f"Pilot {i}", world.district_a.slug, "1,5 mill." if i == bad_row else 1000])
    return samples.xlsx(rows)


def test_a_refused_row_900_of_1000_leaves_the_database_unchanged(app, city):
    *_x, options, result = _run(_thousand(city, bad_row=900), "big.xlsx", city.admin)
    assert result.totals["refused"] == 1 and result.refused[0].number == 901
    with pytest.raises(plan.HasRefusedRows):
        plan.apply(result, options)
    assert _pilots() == []


def test_a_failure_while_writing_row_900_rolls_everything_back(app, city, monkeypatch):
    *_x, options, result = _run(_thousand(city), "big.xlsx", city.admin)
    real, calls = imported.import_pilots, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # the batch holding row 900 (of 250 rows each)
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(imported, "import_pilots", failing)
    with pytest.raises(RuntimeError):
        plan.apply(result, options)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundingLine)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PilotReference)) == 0


def test_coordinators_import_into_their_own_districts_only(app, city):
    rows = _rows(city)
    rows[2][2] = city.district_b.slug
    _t, _targets, _o, result = _run(samples.xlsx(rows), "p.xlsx", city.coordinator_a)
    assert [r.action for r in result.rows] == ["create", "refused"]


def test_a_partner_named_twice_in_a_cell_is_linked_once(app, city):
    rows = _rows(city, 1)
    rows[1][7] = "Sirkulær Bygg AS; 974760673; Nytt AS; nytt as"
    *_x, options, result = _run(samples.xlsx(rows), "p.xlsx", city.admin)
    plan.apply(result, options)
    db.session.commit()
    assert sorted(link.partner.name for link in _pilots()[0].partner_links) == ["Nytt AS", "Sirkulær Bygg AS"]


def test_close_partner_name_is_a_suggestion_to_confirm(app, city):
    rows = _rows(city, 1)
    rows[1][7] = "Sirkulaer Bygg"
    _t, _targets, _o, result = _run(samples.xlsx(rows), "p.xlsx", city.admin)
    assert "Did you mean “Sirkulær Bygg AS”" in result.rows[0].problems[0].message
    *_x, accepted = _run(samples.xlsx(rows), "p.xlsx", city.admin, accept_suggestions=True)
    assert accepted.rows[0].action == "create"


@pytest.mark.parametrize(("raw", "amount"), [(250000, 250000), ("250 000", 250000), ("kr 1 200 000", 1200000),
                                             ("1.200.000,-", 1200000), ("NOK 5000", 5000)])
def test_amounts_as_norwegians_write_them(app, raw, amount):
    from tracker.imports.values import kroner

    assert kroner(raw) == amount


@pytest.mark.parametrize("raw", ["1,5 mill.", "2 mrd", "300k", "12,50", "-5", "abc"])
def test_ambiguous_or_wrong_amounts_are_refused(app, raw):
    from tracker.imports.values import Bad, kroner

    with pytest.raises(Bad):
        kroner(raw)


# -- hostile files --------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "make", "message"), [
    ("bomb.xlsx", samples.zip_bomb, "unpacks to far more"),
    ("laughs.xlsx", samples.entity_expansion, "XML entities"),
    ("rows.csv", lambda: samples.csv_bytes([["Tittel"]] + [["x"]] * 1_000_000, encoding="utf-8"),
     "more than 20000"),
    ("cell.csv", lambda: samples.csv_bytes([["Tittel"], ["x" * 10_000_000]], encoding="utf-8"), "characters"),
    ("cell.xlsx", lambda: samples.xlsx([["Tittel"], ["x" * 20_000]]), "characters"),
    ("junk.xlsx", lambda: b"not a zip", "not a valid"),
    ("binary.csv", lambda: b"\x00\x81\x8d\x8f" * 10, "CSV"),
])
def test_hostile_files_get_a_clear_error(app, login, world, name, make, message):
    from werkzeug.test import EnvironBuilder

    client = login(world.admin)
    builder = EnvironBuilder(path="/imports/", method="POST", data={"file": (io.BytesIO(make()), name)},
                             headers={"Accept-Language": "en"})
    environ = builder.get_environ()
    try:
        response = client.open(environ)
    finally:  # the test client spools a large body to a temporary file and leaves it open
        builder.close()
        environ["wsgi.input"].close()
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_100_mb_upload_is_refused_before_it_is_read(app, login, world):
    from tests.test_files_routes import _Body

    body = _Body(allowed=0)
    response = login(world.admin).post("/imports/", input_stream=body,
                                       content_type="multipart/form-data; boundary=x",
                                       environ_overrides={"CONTENT_LENGTH": str(100 * 1024 * 1024)})
    assert response.status_code == 413
    assert body.read_bytes == 0


# -- pages and CLI -------------------------------------------------------------------------------
def _upload(client, data, name="piloter.xlsx"):
    response = client.post("/imports/", data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def _review_data(page_form_targets, owner_id, **extra):
    data = {f"col_{i}": t for i, t in enumerate(page_form_targets)}
    data.update(owner=str(owner_id), district="", **extra)
    return data


def test_upload_review_confirm_and_refused_rows_download(app, login, city):
    client = login(city.admin)
    rows = [*_rows(city), ["OSC-3", "Ukjent sted", "Atlantis", "", "", "", "", "", ""]]
    url = _upload(client, samples.xlsx(rows))
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Atlantis" in html and "Nothing has been saved yet" in html
    targets = mapping.auto_mapping(H)
    refused = client.post(url, data=_review_data(targets, city.admin.id, confirm="1"))
    assert refused.status_code == 400 and _pilots() == []
    done = client.post(url, data=_review_data(targets, city.admin.id, confirm="1", valid_only="y",
                                              save_as="Bydelsark"))
    assert done.status_code == 302
    assert len(_pilots()) == 2
    assert db.session.scalar(sa.select(ImportMapping.name)) == "Bydelsark"
    assert client.get(done.headers["Location"]).status_code == 200
    sheet = client.get(url + "/refused.xlsx")
    book = load_workbook(io.BytesIO(sheet.data), read_only=True)
    header, row = list(book.active.iter_rows(values_only=True))
    assert header[0] == "Why it was refused" and "Atlantis" in row[0] and row[2] == "Ukjent sted"


def test_a_corrected_mapping_changes_the_dry_run(app, login, city):
    client = login(city.admin)
    rows = _rows(city, 1)
    rows[0][6] = "Prosjekteier"  # unknown header: not imported until mapped
    url = _upload(client, samples.xlsx(rows))
    targets = mapping.auto_mapping(rows[0])
    assert targets[6] == ""
    targets[6] = "contact_name"
    client.post(url, data=_review_data(targets, city.admin.id, confirm="1"))
    assert _pilots()[0].contact_name == "Kari Nordmann"


def test_a_saved_mapping_is_offered_at_the_next_upload(app, login, city):
    client = login(city.admin)
    rows = _rows(city, 1)
    rows[0][6] = "Prosjekteier"
    targets = mapping.auto_mapping(rows[0])
    targets[6] = "contact_name"
    url = _upload(client, samples.xlsx(rows))
    client.post(url, data=_review_data(targets, city.admin.id, confirm="1", save_as="Bydelsark"))
    saved = db.session.scalar(sa.select(ImportMapping))
    assert saved.columns["prosjekteier"] == "contact_name"
    response = client.post("/imports/", data={"file": (io.BytesIO(samples.xlsx(rows)), "neste.xlsx"),
                                              "mapping": str(saved.id)}, content_type="multipart/form-data")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<option selected value="contact_name">' in page


def test_another_users_upload_is_not_found(app, login, city):
    url = _upload(login(city.admin), samples.xlsx(_rows(city)))
    assert login(city.coordinator_a).get(url).status_code == 404


@pytest.mark.parametrize(("language", "title"), [("nb", "Tittel"), ("en", "Title")])
def test_template_has_headers_example_and_hidden_allowed_values(app, login, city, language, title):
    response = login(city.admin).get("/imports/template.xlsx", headers={"Accept-Language": language})
    book = load_workbook(io.BytesIO(response.data))
    sheet, values = book.worksheets
    assert values.sheet_state == "hidden"
    assert sheet["B1"].value == title and sheet["B2"].value
    assert sheet.data_validations.dataValidation
    table = reading.read_table(response.data, "template.xlsx", mapping.header_score())
    assert "" not in mapping.auto_mapping(table.headers)  # every column of the template is understood


def test_the_old_address_leads_to_the_import(app, login, world):
    response = login(world.admin).get("/import/")
    assert response.status_code == 301 and response.headers["Location"].endswith("/imports/")


def test_cli_dry_run_then_import(app, runner, city, tmp_path):
    path = tmp_path / "piloter.xlsx"
    path.write_bytes(samples.xlsx(_rows(city)))
    db.session.add(ImportMapping(name="standard", columns={}))
    db.session.commit()
    dry = runner.invoke(args=["import", str(path), "--mapping", "standard", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "new 2" in dry.output and _pilots() == []
    done = runner.invoke(args=["import", str(path), "--mapping", "standard", "--district", "district-a"])
    assert done.exit_code == 0, done.output
    assert len(_pilots()) == 2
