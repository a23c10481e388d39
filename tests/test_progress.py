"""Progress reports while a pilot runs (issue 14, item 7): the KPI plan on the proposal, reports by
the right people on running or paused pilots only, locking and audit, the pilot page's timeline and
trends, the district page's latest state, the needs-attention rule and the export column."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.test_pilots_form import create, form_data, setup  # noqa: F401 (setup is a fixture)
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.districts import attention
from tracker.locking import Conflict
from tracker.pilots import progress
from tracker.pilots.models import Pilot, PlannedKPI, ProgressReport, ProgressValue
from tracker.pilots.permissions import visible_filter
from tracker.pilots.trends import trend
from tracker.pilots.workflow import Status

TODAY = date.today()


@pytest.fixture(autouse=True)
def english(client):
    """The pages in English (the messages asserted are the msgids)."""
    client.post("/language", data={"lang": "en"})


def running(world, status=Status.RUNNING, owner=None, **values) -> Pilot:
    """A pilot of district A with a two-KPI plan."""
    pilot = factories.make_pilot(owner or world.staff_a, world.district_a, status, **values)
    pilot.kpi_plan = [PlannedKPI(position=0, name="Passasjerer", unit="per dag", baseline=0, target=1000),
                      PlannedKPI(position=1, name="Tilfredshet", unit="%", baseline=60, target=80)]
    db.session.commit()
    return pilot


def report_data(pilot, **overrides) -> dict:
    data = {"version": str(pilot.version), "report_date": TODAY.isoformat(), "state": "at_risk",
            "happened": "Bussene gikk i tre uker.", "next_steps": "Vinterdrift.",
            f"kpi_{pilot.kpi_plan[0].id}": "412,5", f"kpi_{pilot.kpi_plan[1].id}": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def reports(pilot_id: int) -> list[ProgressReport]:
    db.session.expire_all()
    return db.session.scalars(sa.select(ProgressReport).where(ProgressReport.pilot_id == pilot_id)).all()


# -- the KPI plan ------------------------------------------------------------------------------------

def test_the_proposal_declares_kpis_that_edits_keep_and_audit(setup, login):  # noqa: F811
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners, **{
        "kpi_plan-0-name": "Passasjerer", "kpi_plan-0-unit": "per dag", "kpi_plan-0-baseline": "0",
        "kpi_plan-0-target": "1 000"})
    plan = [(k.name, k.unit, k.baseline, k.target) for k in pilot.kpi_plan]
    assert plan == [("Passasjerer", "per dag", 0, 1000)]
    kept_id = pilot.kpi_plan[0].id
    response = client.post(f"/pilots/{pilot.id}/edit", data=form_data(world, themes, partners, **{
        "version": str(pilot.version), "kpi_plan-0-name": "Passasjerer", "kpi_plan-0-unit": "per dag",
        "kpi_plan-0-baseline": "0", "kpi_plan-0-target": "1200", "kpi_plan-1-name": "Forsinkelser",
        "kpi_plan-1-unit": "min"}))
    assert response.status_code == 302
    db.session.expire_all()
    pilot = db.session.get(Pilot, pilot.id)
    assert [(k.name, k.target) for k in pilot.kpi_plan] == [("Passasjerer", 1200), ("Forsinkelser", None)]
    assert pilot.kpi_plan[0].id == kept_id  # same KPI, its interim values stay with it
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == pilot.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.action == "update"
    assert entry.changes["kpi_plan"][1] == [
        {"name": "Passasjerer", "unit": "per dag", "baseline": "0", "target": "1200"},
        {"name": "Forsinkelser", "unit": "min", "baseline": None, "target": None}]
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Planned KPIs" in page  # the change log names the field


def test_kpi_plan_rows_need_distinct_names_and_a_name_for_figures(setup, login):  # noqa: F811
    world, themes, partners = setup
    response = login(world.staff_a).post("/pilots/new", data=form_data(world, themes, partners, **{
        "kpi_plan-0-name": "Passasjerer", "kpi_plan-1-name": " passasjerer ", "kpi_plan-2-target": "5",
        "kpi_plan-3-name": "Støy", "kpi_plan-3-baseline": "mye"}))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Each KPI needs its own name" in body and "Name the KPI." in body and "Enter a number" in body
    assert 'href="#kpi_plan-1-name"' in body  # the error summary links to the field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


def test_the_outcome_form_starts_from_the_plan(world, login):
    pilot = running(world)
    page = login(world.staff_a).get(f"/pilots/{pilot.id}/outcome").get_data(as_text=True)
    assert 'name="kpis-0-name" type="text" value="Passasjerer"' in page
    assert 'name="kpis-1-target" type="text" value="80' in page
    assert 'name="kpis-0-actual" type="text" value=""' in page


def test_the_scope_flag_of_the_kpi_plan_is_off():
    """Change requests (another part of issue 14's neighbours) decide scope; the plan is not scope."""
    from tracker.pilots.audit_fields import PILOT

    assert not PILOT["kpi_plan"].scope


# -- who may report, and when -------------------------------------------------------------------------

@pytest.mark.parametrize("status", [Status.RUNNING, Status.PAUSED])
@pytest.mark.parametrize("who", ["staff_a", "coordinator_a", "admin"])
def test_owner_coordinator_and_admin_report_on_running_and_paused_pilots(world, login, status, who):
    pilot = running(world, status)
    response = login(getattr(world, who)).post(f"/pilots/{pilot.id}/progress", data=report_data(pilot))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/pilots/{pilot.id}#progress")
    [report] = reports(pilot.id)
    assert (report.state, report.report_date, report.author_id) == ("at_risk", TODAY, getattr(world, who).id)
    assert [(v.kpi.name, v.value) for v in report.values] == [("Passasjerer", 412.5)]


@pytest.mark.parametrize("who", ["staff_b", "coordinator_b"])
def test_others_may_not_report(world, login, who):
    pilot = running(world)
    client = login(getattr(world, who))
    assert client.get(f"/pilots/{pilot.id}/progress").status_code == 403
    assert client.post(f"/pilots/{pilot.id}/progress", data=report_data(pilot)).status_code == 403
    assert reports(pilot.id) == []


@pytest.mark.parametrize("status", [s for s in Status if s not in (Status.RUNNING, Status.PAUSED)])
def test_reports_only_on_running_or_paused_pilots_with_the_rule_in_words(world, login, status):
    pilot = running(world, status)
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/progress", data=report_data(pilot))
    assert response.status_code == 403
    assert "while a pilot is running or paused" in response.get_data(as_text=True)
    assert reports(pilot.id) == []
    with pytest.raises(progress.NotReportable):
        progress.record_progress(pilot, world.admin, TODAY, "on_track", "x", "", {}, None)


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    pilot = running(world, is_public=True)
    response = client.get(f"/pilots/{pilot.id}/progress")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- validation, locking, audit -----------------------------------------------------------------------

@pytest.mark.parametrize("overrides, message", [
    ({"state": None}, "Choose how the pilot is doing."),
    ({"state": "great"}, "Choose how the pilot is doing."),
    ({"happened": "   "}, "Describe what happened since the last report."),
    ({"report_date": "in a while"}, "Not a valid date value."),
    ({"report_date": (TODAY + timedelta(days=2)).isoformat()}, "cannot be in the future"),
    ({"report_date": "1899-01-01"}, "Enter a date in the years"),
    ({"happened": "x" * 10_001}, "Field cannot be longer than 10000 characters."),
])
def test_bad_input_is_a_field_error_with_the_input_kept(world, login, overrides, message):
    pilot = running(world)
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/progress", data=report_data(pilot, **overrides))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and 'class="error-summary"' in body
    assert "412,5" in body  # the interim value typed is kept
    assert reports(pilot.id) == []


def test_a_bad_interim_value_names_its_kpi(world, login):
    pilot = running(world)
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/progress",
                                         data=report_data(pilot, **{f"kpi_{pilot.kpi_plan[1].id}": "høy"}))
    assert response.status_code == 400
    link = f'href="#kpi_{pilot.kpi_plan[1].id}">Tilfredshet (%): Enter a number'
    assert link in response.get_data(as_text=True)


def test_a_tampered_version_is_a_400_never_a_500(world, login):
    pilot = running(world)
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/progress", data=report_data(pilot, version="x"))
    assert response.status_code == 400


def test_a_stale_report_is_refused_with_the_input_kept(world, login):
    pilot = running(world)
    stale = report_data(pilot, happened="Mitt utkast")
    first = login(world.coordinator_a).post(f"/pilots/{pilot.id}/progress", data=report_data(pilot))
    assert first.status_code == 302
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/progress", data=stale)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Someone else changed this pilot" in body and "Mitt utkast" in body and "412,5" in body
    assert len(reports(pilot.id)) == 1


def test_the_operation_locks_audits_and_moves_the_version(world):
    pilot = running(world)
    kpi = pilot.kpi_plan[0]
    with pytest.raises(Conflict):
        progress.record_progress(pilot, world.staff_a, TODAY, "on_track", "x", "", {}, pilot.version + 1)
    db.session.rollback()
    with pytest.raises(ValueError):
        progress.record_progress(pilot, world.staff_a, TODAY, "on_track", "x", "", {10**9: 1.0}, None)
    db.session.rollback()
    progress.record_progress(pilot, world.staff_a, TODAY, "off_track", " Stopp i leveransen ",
                             "Ny leverandør", {kpi.id: 12.5}, 1)
    db.session.commit()
    assert db.session.get(Pilot, pilot.id).version == 2
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "progress_report")).one()
    assert (entry.entity, entry.entity_id, entry.actor_id) == ("pilot", pilot.id, world.staff_a.id)
    assert entry.changes == {
        "report_date": [None, TODAY.isoformat()], "progress_state": [None, "off_track"],
        "happened": [None, "Stopp i leveransen"], "next_steps": [None, "Ny leverandør"],
        "interim_values": [None, [{"name": "Passasjerer", "unit": "per dag", "value": "12.5"}]]}


# -- correcting a report -------------------------------------------------------------------------------

def _one_report(world, login):
    pilot = running(world)
    login(world.staff_a).post(f"/pilots/{pilot.id}/progress", data=report_data(pilot))
    [report] = reports(pilot.id)
    return db.session.get(Pilot, pilot.id), report


def _entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


@pytest.mark.parametrize("who", ["staff_a", "coordinator_a"])
def test_a_report_is_corrected_on_its_form_and_audited(world, login, who):
    pilot, report = _one_report(world, login)
    version = pilot.version
    client = login(getattr(world, who))
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert f"/pilots/{pilot.id}/progress/{report.id}" in page  # a "Correct" link on the timeline
    form = client.get(f"/pilots/{pilot.id}/progress/{report.id}").get_data(as_text=True)
    assert "Bussene gikk i tre uker." in form and 'value="412.5"' in form  # the form starts from the report
    first, second = pilot.kpi_plan
    response = client.post(f"/pilots/{pilot.id}/progress/{report.id}", data=report_data(
        pilot, state="on_track", **{f"kpi_{first.id}": "", f"kpi_{second.id}": "71"}))
    assert response.status_code == 302
    [report] = reports(pilot.id)
    assert (report.state, report.author_id) == ("on_track", world.staff_a.id)  # the author stays
    assert [(v.kpi.name, v.value) for v in report.values] == [("Tilfredshet", 71.0)]
    [entry] = _entries("progress_edit")
    assert entry.actor_id == getattr(world, who).id
    assert entry.changes["progress_state"] == ["at_risk", "on_track"]
    assert set(entry.changes) == {"progress_state", "interim_values"}
    db.session.expire_all()
    assert db.session.get(Pilot, pilot.id).version == version + 1


def test_an_unchanged_correction_writes_nothing(world, login):
    pilot, report = _one_report(world, login)
    version = pilot.version
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/progress/{report.id}", data=report_data(pilot))
    assert response.status_code == 302
    db.session.expire_all()
    assert _entries("progress_edit") == [] and db.session.get(Pilot, pilot.id).version == version


def test_corrections_follow_the_reporting_rule_and_bad_input_changes_nothing(world, login):
    pilot, report = _one_report(world, login)
    other = running(world)
    assert login(world.staff_b).post(f"/pilots/{pilot.id}/progress/{report.id}",
                                     data=report_data(pilot, state="off_track")).status_code == 403
    client = login(world.staff_a)
    assert client.get(f"/pilots/{other.id}/progress/{report.id}").status_code == 404  # not its report
    assert client.get(f"/pilots/{pilot.id}/progress/{10**9}").status_code == 404
    response = client.post(f"/pilots/{pilot.id}/progress/{report.id}", data=report_data(pilot, happened=" "))
    assert response.status_code == 400
    response = client.post(f"/pilots/{pilot.id}/progress/{report.id}",
                           data=report_data(pilot, state="on_track", version=str(pilot.version - 1)))
    assert response.status_code == 409
    assert reports(pilot.id)[0].state == "at_risk" and _entries("progress_edit") == []


# -- the pilot page -------------------------------------------------------------------------------------

def _report(pilot, user, day: date, state: str, values: dict, text="Rapport") -> None:
    db.session.add(ProgressReport(pilot_id=pilot.id, report_date=day, state=state, happened=text,
                                  next_steps="", author_id=user.id,
                                  values=[ProgressValue(kpi_id=k.id, value=v) for k, v in values.items()]))
    db.session.commit()


def test_the_pilot_page_shows_the_reports_newest_first_and_a_trend_per_kpi(world, login):
    pilot = running(world)
    first, second = pilot.kpi_plan
    _report(pilot, world.staff_a, TODAY - timedelta(days=60), "on_track", {first: 120}, "Første måned")
    _report(pilot, world.coordinator_a, TODAY - timedelta(days=30), "off_track", {first: 90, second: 55},
            "Andre måned")
    page = login(world.staff_b).get(f"/pilots/{pilot.id}").get_data(as_text=True)  # any signed-in reader
    assert page.index("Andre måned") < page.index("Første måned")
    assert "Off track</span>" in page and "On track</span>" in page  # the state in words beside its icon
    assert page.count('<figure class="trend"') == 2 and page.count("<polyline") == 2
    assert "<td class=\"num\">120</td>" in page and "<td class=\"num\">1,000</td>" in page  # the data table
    assert "Add a progress report" not in page  # not theirs
    assert "Add a progress report" in login(world.staff_a).get(f"/pilots/{pilot.id}").get_data(as_text=True)


def test_the_public_sees_no_progress(world, client):
    pilot = running(world, is_public=True)
    _report(pilot, world.staff_a, TODAY, "at_risk", {}, "Intern rapport")
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Intern rapport" not in page and 'id="progress"' not in page


def test_trend_geometry_spans_baseline_target_values_and_actual():
    kpi = PlannedKPI(name="k", unit="", baseline=0, target=100)
    t = trend(kpi, [(date(2026, 2, 1), 50), (date(2026, 1, 1), 25)], actual=100)
    assert [p.value for p in t.points] == [25, 50]  # oldest first
    assert t.baseline_y > t.points[0].y > t.points[1].y > t.target_y == t.actual.y  # higher is up
    assert t.points[0].x < t.points[1].x < t.actual.x
    flat = trend(PlannedKPI(name="k", unit="", baseline=None, target=None), [(date(2026, 1, 1), 5)], None)
    assert flat.low < 5 < flat.high and flat.line  # one value: a visible point, no division by zero
    assert trend(PlannedKPI(name="k", unit="", baseline=1, target=2), [], None).empty


# -- the district page, needs attention, exports ----------------------------------------------------

def test_the_district_page_shows_each_running_pilots_latest_state(world, login, client):
    reported = running(world, title="Rapportert pilot")
    silent = running(world, title="Stille pilot")
    _report(reported, world.staff_a, TODAY - timedelta(days=40), "off_track", {})
    _report(reported, world.staff_a, TODAY - timedelta(days=3), "on_track", {})
    page = login(world.coordinator_a).get("/districts/district-a").get_data(as_text=True)
    row = page[page.index("Rapportert pilot"):]
    row = row[:row.index("</tr>")]
    assert "On track</span>" in row and "Off track" not in row
    silent_row = page[page.index("Stille pilot"):]
    assert "No report yet" in silent_row[:silent_row.index("</tr>")]
    assert silent.id


def test_the_public_district_page_has_no_progress_column(world, client):
    pilot = running(world, is_public=True, title="Offentlig pilot")
    _report(pilot, world.staff_a, TODAY, "at_risk", {})
    page = client.get("/districts/district-a").get_data(as_text=True)
    assert "Offentlig pilot" in page and "Latest progress" not in page and "At risk" not in page


NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def test_running_pilots_without_a_report_for_60_days_need_attention(world, app, monkeypatch):
    monkeypatch.setattr("tracker.districts.attention.utcnow", lambda: NOW)
    long_ago = NOW - timedelta(days=200)
    fresh = running(world, title="started 30 days ago", status_changed_at=NOW - timedelta(days=30))
    silent = running(world, title="never reported", status_changed_at=long_ago)
    old = running(world, title="reported 61 days ago", status_changed_at=long_ago)
    recent = running(world, title="reported 60 days ago", status_changed_at=long_ago)
    paused = running(world, Status.PAUSED, title="paused", status_changed_at=long_ago)
    _report(old, world.staff_a, NOW.date() - timedelta(days=61), "on_track", {})
    _report(recent, world.staff_a, NOW.date() - timedelta(days=60), "on_track", {})
    found = attention.items(visible_filter(world.admin), [world.district_a.id])
    [group] = [g for g in found.groups if g.rule.key == "no_report"]
    assert sorted(p.title for p in group.pilots) == ["never reported", "reported 61 days ago"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(group.rule.title) == "Running without a progress report for 60 days"
    assert {fresh.id, paused.id, recent.id, silent.id}  # built


def test_the_stale_days_come_from_config(world, app, monkeypatch):
    monkeypatch.setattr("tracker.districts.attention.utcnow", lambda: NOW)
    pilot = running(world, title="reported 20 days ago", status_changed_at=NOW - timedelta(days=200))
    _report(pilot, world.staff_a, NOW.date() - timedelta(days=20), "on_track", {})
    app.config["PROGRESS_STALE_DAYS"] = 14
    found = attention.items(visible_filter(world.admin), [world.district_a.id])
    assert [p.title for g in found.groups if g.rule.key == "no_report" for p in g.pilots] == [
        "reported 20 days ago"]


def _csv(client, url) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(url).get_data(as_text=True).lstrip("\ufeff"))))


def test_the_district_export_has_the_latest_state_for_signed_in_users(world, login, client):
    pilot = running(world, is_public=True, title="Eksportert pilot")
    running(world, is_public=True, title="Uten rapport")
    _report(pilot, world.staff_a, TODAY - timedelta(days=9), "on_track", {})
    _report(pilot, world.staff_a, TODAY - timedelta(days=2), "at_risk", {})
    assert "Latest progress" not in _csv(client, "/districts/district-a/export.csv")[0]  # the public
    rows = _csv(login(world.staff_b), "/districts/district-a/export.csv")
    header = rows[0]
    by_title = {r[header.index("Title")]: r for r in rows[1:]}
    state, day = header.index("Latest progress"), header.index("Latest progress report")
    assert by_title["Eksportert pilot"][state] == "At risk"
    assert by_title["Eksportert pilot"][day] == (TODAY - timedelta(days=2)).isoformat()
    assert by_title["Uten rapport"][state] == "" and by_title["Uten rapport"][day] == ""
