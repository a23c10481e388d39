"""Pilot page visibility, the list with filters and pages, My work, and the outcome form."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.sql import statements
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.pilots import permissions
from tracker.pilots.models import Outcome, Pilot
from tracker.pilots.workflow import Status


def make(world, status=Status.APPROVED, owner=None, district=None, **values):
    pilot = factories.make_pilot(owner or world.staff_a, district or world.district_a, status=status,
                                 **values)
    db.session.commit()
    return pilot


# -- visibility ------------------------------------------------------------------------------

def test_anonymous_sees_public_pilot_without_internal_fields(world, client):
    pilot = make(world, is_public=True, contact_phone="+47 22 00 00 00")
    factories.add_funding(pilot, 2026, 123456)
    db.session.commit()
    factories.link_partner(pilot, factories.make_partner("Public Partner AS"), "lead")
    db.session.commit()
    body = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert pilot.title in body and "Public Partner AS" in body
    assert not re.search(r"/partners/\d", body)  # partner pages are for signed-in users only
    for secret in (pilot.contact_email, "+47 22 00 00 00", "123\xa0456", "Endringslogg"):
        assert secret not in body


@pytest.mark.parametrize(("status", "public"), [(Status.DRAFT, True), (Status.SUBMITTED, True),
                                                 (Status.APPROVED, False), (Status.REJECTED, True)])
def test_anonymous_gets_404_for_pilots_outside_the_public_register(world, client, status, public):
    pilot = make(world, status=status, is_public=public)
    assert client.get(f"/pilots/{pilot.id}").status_code == 404


def test_signed_in_users_see_internal_fields_and_others_drafts_are_403(world, login):
    pilot = make(world, status=Status.SUBMITTED, contact_phone="+47 22 00 00 00")
    draft = make(world, status=Status.DRAFT)
    client = login(world.staff_b)
    body = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "+47 22 00 00 00" in body and "Endringslogg" in body
    assert client.get(f"/pilots/{draft.id}").status_code == 403
    assert login(world.coordinator_a).get(f"/pilots/{draft.id}").status_code == 200
    assert login(world.coordinator_b).get(f"/pilots/{draft.id}").status_code == 403
    assert client.get("/pilots/987654").status_code == 404


def test_pilot_page_shows_partners_by_role_timeline_and_audit(world, login):
    pilot = make(world, status=Status.SUBMITTED)
    factories.link_partner(pilot, factories.make_partner("Lead Org AS"), "lead")
    db.session.commit()
    client = login(world.coordinator_a)
    client.post(f"/pilots/{pilot.id}/decision", data={"decision-choice": "return", "version": pilot.version,
                                                       "decision-comment": "Needs a budget."})
    body = login(world.staff_a).get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Hovedansvarlig" in body and "Lead Org AS" in body
    assert "Needs a budget." in body and "Coordinator A" in body
    assert "Til vurdering → " in body


def _grow(world, pilot, size):
    pilot.themes = [*pilot.themes, factories.make_theme(), factories.make_theme()]
    for i in range(size):
        factories.link_partner(pilot, factories.make_partner(), "participant")
        factories.add_funding(pilot, 2026 + i % 3, 1000 * i, source_type="partner", source="",
                              partner=factories.make_partner())
        other = make(world, status=Status.SUBMITTED)
        other.themes = [factories.make_theme()]
    db.session.commit()


def _count_queries(client, pilot):
    return {url: statements(client, url)
            for url in (f"/pilots/{pilot.id}", "/pilots/", "/", f"/pilots/{pilot.id}/edit")}


def test_page_query_counts_do_not_grow_with_the_data(world, login):
    pilot = make(world, status=Status.SUBMITTED)
    _grow(world, pilot, 1)
    client = login(world.admin)  # sees the decision form and may still edit a submitted proposal
    small = _count_queries(client, pilot)
    _grow(world, pilot, 10)
    large = _count_queries(client, pilot)
    assert small == large
    assert max(large.values()) <= 20, large


# -- the list --------------------------------------------------------------------------------

def test_list_filters_by_district_status_theme_kind_and_text(world, login):
    theme = factories.make_theme(name_nb="Mobilitet")
    a = make(world, title="Bus pilot", status=Status.RUNNING)
    a.themes = [theme]
    make(world, title="Heat pilot", status=Status.APPROVED, district=world.district_b, arena_kind="digital")
    db.session.commit()
    client = login(world.staff_b)

    def titles(query):
        body = client.get("/pilots/?" + query).get_data(as_text=True)
        return {t for t in ("Bus pilot", "Heat pilot") if t in body}

    assert titles("") == {"Bus pilot", "Heat pilot"}
    assert titles(f"district={world.district_b.id}") == {"Heat pilot"}
    assert titles("status=running") == {"Bus pilot"}
    assert titles(f"theme={theme.id}") == {"Bus pilot"}
    assert titles("arena=digital") == {"Heat pilot"}
    assert titles("kind=digital") == {"Heat pilot"}  # the old name, in bookmarks
    assert titles("q=heat") == {"Heat pilot"}
    assert titles("q=%25") == set()
    # Malformed filters are ignored, never a 500.
    for query in ("district=abc", "status=flying", "theme=" + "9" * 40, "page=-3", "page=abc", "kind=x",
                  "arena=x", "year=x", "sort=x"):
        assert client.get("/pilots/?" + query).status_code == 200


def test_list_hides_drafts_of_others_and_non_public_pilots_from_anonymous(world, client, login):
    make(world, title="Secret draft", status=Status.DRAFT)
    make(world, title="Internal approved", status=Status.APPROVED, is_public=False)
    make(world, title="Public running", status=Status.RUNNING, is_public=True)
    anonymous = client.get("/pilots/").get_data(as_text=True)
    assert "Public running" in anonymous and "Internal approved" not in anonymous
    assert "Secret draft" not in anonymous
    staff = login(world.staff_b).get("/pilots/").get_data(as_text=True)
    assert "Internal approved" in staff and "Secret draft" not in staff
    assert "Secret draft" in login(world.staff_a).get("/pilots/").get_data(as_text=True)


def test_the_list_total_counts_exactly_the_pilots_each_viewer_may_see(world, client, login):
    for status in (Status.DRAFT, Status.SUBMITTED, Status.RUNNING):
        for owner in (world.staff_a, world.staff_b, world.coordinator_a):
            for district in (world.district_a, world.district_b):
                make(world, status=status, owner=owner, district=district, is_public=owner is world.staff_b)
    pilots = db.session.scalars(sa.select(Pilot)).all()
    # Anonymous first: the client stays signed in after ``login``.
    for who in (None, "admin", "viewer", "coordinator_a", "coordinator_b", "staff_a", "staff_b"):
        user = getattr(world, who) if who else None
        body = (login(user) if user else client).get("/pilots/").get_data(as_text=True)
        shown = int(re.search(r'<p role="status">(\d+)', body).group(1))
        assert shown == sum(permissions.can_view(user, p) for p in pilots), who


@pytest.mark.parametrize("app_config", [{"PAGE_SIZE": 3}])
def test_list_is_paginated_with_filters_kept(world, login):
    for i in range(7):
        make(world, title=f"Paged pilot {i}", status=Status.RUNNING)
    client = login(world.staff_b)
    first = client.get("/pilots/?status=running").get_data(as_text=True)
    assert first.count("Paged pilot") == 3 and "Side 1 av 3" in first
    assert "page=2" in first and "status=running" in first
    third = client.get("/pilots/?status=running&page=3").get_data(as_text=True)
    assert third.count("Paged pilot") == 1
    # An old link past the end goes to the last page (not "7 pilots" above "No pilots found").
    past = client.get("/pilots/?status=running&page=999")
    assert past.status_code == 302 and past.headers["Location"] == "/pilots/?status=running&page=3"
    assert client.get("/pilots/?q=nothing-like-it&page=5").headers["Location"] == \
        "/pilots/?q=nothing-like-it"


# -- My work ---------------------------------------------------------------------------------

def test_my_work_groups_my_pilots_and_shows_the_review_queue_oldest_first(world, login):
    now = datetime.now(UTC)
    make(world, title="My draft", status=Status.DRAFT)
    newer = make(world, title="Newer proposal", status=Status.SUBMITTED)
    older = make(world, title="Older proposal", status=Status.SUBMITTED, owner=world.staff_b)
    make(world, title="Other district proposal", status=Status.SUBMITTED, district=world.district_b)
    newer.status_changed_at = now - timedelta(days=2)
    older.status_changed_at = now - timedelta(days=9)
    db.session.commit()
    mine = login(world.staff_a).get("/").get_data(as_text=True)
    assert "My draft" in mine and "Utkast (1)" in mine and "Til vurdering (2)" in mine
    assert "Venter på din vurdering" not in mine
    queue = login(world.coordinator_a).get("/").get_data(as_text=True)
    section = queue[queue.index("Venter på din vurdering"):]
    assert section.index("Older proposal") < section.index("Newer proposal")
    assert "Other district proposal" not in section
    assert ">9</td>" in section and ">2</td>" in section


@pytest.mark.parametrize("reviewer", ["coordinator_a", "admin"])
def test_my_own_proposal_is_not_waiting_for_my_review(world, login, reviewer):
    """Nobody reviews their own proposal, so it is not in their review queue either."""
    me = getattr(world, reviewer)
    make(world, title="My own proposal", status=Status.SUBMITTED, owner=me)
    make(world, title="Someone else's proposal", status=Status.SUBMITTED)
    page = login(me).get("/").text
    queue = page.split('aria-labelledby="queue-title"')[1].split("</section>")[0]
    assert "(1)" in queue and "Someone else&#39;s proposal" in queue and "My own proposal" not in queue


# -- outcome ---------------------------------------------------------------------------------

def outcome_data(pilot, **overrides):
    data = {"version": str(pilot.version), "verdict": "scale_up", "summary": "It worked.",
            "lessons": "Start small.", "next_steps": "Scale.",
            "kpis-0-name": "Passengers", "kpis-0-unit": "per day", "kpis-0-baseline": "0",
            "kpis-0-target": "1000", "kpis-0-actual": "1250.5"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_kpi_numbers_take_a_decimal_comma_and_spaces(world, login):
    """Typed the Norwegian way: "12,5" is twelve and a half (Chromium's number box made it 125)."""
    pilot = make(world, status=Status.COMPLETED)
    client = login(world.staff_a)
    form = client.get(f"/pilots/{pilot.id}/outcome").text
    box = re.search(r'<input[^>]*id="kpis-0-baseline"[^>]*>', form).group(0)
    assert 'type="text"' in box and 'inputmode="decimal"' in box
    data = outcome_data(pilot, **{"kpis-0-baseline": "12,5", "kpis-0-target": "1 250,75",
                                  "kpis-0-actual": "-3"})
    assert client.post(f"/pilots/{pilot.id}/outcome", data=data).status_code == 302
    kpi = db.session.scalars(sa.select(Outcome)).one().kpis[0]
    assert (kpi.baseline, kpi.target, kpi.actual) == (12.5, 1250.75, -3.0)


def test_record_outcome_with_kpi_then_evaluate(world, login):
    pilot = make(world, status=Status.COMPLETED)
    client = login(world.staff_a)
    assert client.get(f"/pilots/{pilot.id}/outcome").status_code == 200
    assert client.post(f"/pilots/{pilot.id}/outcome", data=outcome_data(pilot)).status_code == 302
    outcome = db.session.scalars(sa.select(Outcome)).one()
    assert (outcome.verdict, outcome.lessons, outcome.recorded_by_id) == ("scale_up", "Start small.",
                                                                          world.staff_a.id)
    assert [(k.name, k.unit, k.baseline, k.target, k.actual) for k in outcome.kpis] == [
        ("Passengers", "per day", 0.0, 1000.0, 1250.5)]
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.entity_id == pilot.id)) \
        == "outcome_create"
    db.session.refresh(pilot)
    # The owner records the outcome; the district's coordinator evaluates it.
    response = login(world.coordinator_a).post(f"/pilots/{pilot.id}/actions/evaluate",
                                               data={"version": pilot.version})
    assert response.status_code == 302
    db.session.refresh(pilot)
    assert pilot.status == Status.EVALUATED


@pytest.mark.parametrize(("changes", "field_id"), [
    ({"lessons": ""}, "lessons"), ({"lessons": "   "}, "lessons"), ({"verdict": ""}, "verdict"),
    ({"verdict": "great"}, "verdict"), ({"kpis-0-actual": "lots"}, "kpis-0-actual"),
    ({"kpis-0-actual": "nan"}, "kpis-0-actual"), ({"kpis-0-target": "1e400"}, "kpis-0-target"),
    ({"kpis-0-name": ""}, "kpis-0-name"), ({"summary": "x" * 10_001}, "summary"),
])
def test_outcome_validation(world, login, changes, field_id):
    pilot = make(world, status=Status.RUNNING)
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/outcome",
                                         data=outcome_data(pilot, **changes))
    assert response.status_code == 400
    assert f'href="#{field_id}"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0


def test_stale_outcome_is_refused_with_input_kept(world, login):
    pilot = make(world, status=Status.RUNNING)
    stale = outcome_data(pilot, lessons="Owner's lessons.")
    first = outcome_data(pilot, lessons="Coordinator's lessons.")
    assert login(world.coordinator_a).post(f"/pilots/{pilot.id}/outcome", data=first).status_code == 302
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/outcome", data=stale)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Owner&#39;s lessons." in body and "Coordinator A" in body
    assert db.session.scalars(sa.select(Outcome)).one().lessons == "Coordinator's lessons."


def test_outcome_rows_can_be_added_without_javascript(world, login):
    pilot = make(world, status=Status.RUNNING)
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/outcome",
                                         data=outcome_data(pilot, add_kpi_row="1"))
    assert response.status_code == 200 and 'id="kpis-1-name"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0


@pytest.mark.parametrize(("who", "status"), [("staff_b", Status.RUNNING), ("coordinator_b", Status.RUNNING),
                                             ("staff_a", Status.APPROVED), ("staff_a", Status.EVALUATED)])
def test_outcome_refused_for_others_and_wrong_status(world, login, who, status):
    pilot = make(world, status=status)
    client = login(getattr(world, who))
    assert client.post(f"/pilots/{pilot.id}/outcome", data=outcome_data(pilot)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Outcome)) == 0


def test_forged_post_with_another_users_pilot_id_changes_nothing(world, login):
    theirs = make(world, status=Status.DRAFT, owner=world.staff_b, district=world.district_b, title="Theirs")
    client = login(world.staff_a)
    client.post(f"/pilots/{theirs.id}/edit", data={"title": "Mine now", "district": str(world.district_a.id),
                                                   "arena_kind": "physical", "version": theirs.version})
    client.post(f"/pilots/{theirs.id}/actions/withdraw", data={"withdraw-comment": "x",
                                                               "version": theirs.version})
    client.post(f"/pilots/{theirs.id}/outcome", data=outcome_data(theirs))
    db.session.expire_all()
    stored = db.session.get(Pilot, theirs.id)
    assert (stored.title, stored.status, stored.version, stored.outcome) == ("Theirs", Status.DRAFT, 1, None)


@pytest.mark.parametrize("app_config", [{"PAGE_SIZE": 1}])
def test_page_links_ignore_unknown_query_arguments(world, login):
    for _ in range(3):
        make(world, status=Status.RUNNING)
    query = "page=2&_scheme=javascript&_external=1&_anchor=x&status=running"
    response = login(world.staff_b).get("/pilots/?" + query)
    assert response.status_code == 200
    pager = response.get_data(as_text=True).split('class="pager"')[1]
    assert 'href="/pilots/?page=3&amp;status=running"' in pager
    assert "javascript" not in pager and "_anchor" not in pager


def test_periods_read_naturally(app):
    from datetime import date

    from tracker.pilots.routes import _period

    with app.test_request_context():
        assert _period(None, None) == "–"
        assert _period(date(2026, 3, 1), None) == "1. mars 2026 –"
        assert _period(date(2026, 3, 1), date(2026, 11, 30)) == "1. mars 2026 – 30. nov. 2026"


def test_my_work_says_why_a_proposal_came_back(world, login):
    """A returned proposal is a draft again: without the reason it looked like any new draft."""
    from tracker.pilots import operations

    pilot = make(world, title="Came back", status=Status.SUBMITTED)
    rejected = make(world, title="Turned down", status=Status.SUBMITTED)
    make(world, title="Plain draft", status=Status.DRAFT)
    operations.transition(pilot, "return", world.coordinator_a, comment="Add the evaluation plan.")
    operations.transition(rejected, "reject", world.coordinator_a, comment="Outside the district's focus.")
    db.session.commit()
    page = login(world.staff_a).get("/").text
    item = page.split(">Came back</a>")[1].split("</li>")[0]
    assert "Sendt tilbake til deg" in item and "Add the evaluation plan." in item
    assert world.coordinator_a.name in item
    assert "Outside the district&#39;s focus." in page.split(">Turned down</a>")[1].split("</li>")[0]
    assert "Sendt tilbake" not in page.split(">Plain draft</a>")[1].split("</li>")[0]


def test_required_fields_are_marked_as_such(world, login):
    """District and verdict are enforced by the forms' own checks: their labels must say so too."""
    client = login(world.staff_a)
    form = client.get("/pilots/new").text
    for name in ("title", "district"):
        label = form.split(f'for="{name}"')[1].split("</div>")[0]
        assert "(må fylles ut)" in label, name
    # What the submit action will ask for is said up front, not only after a failed submit.
    for name in ("need", "planned_end", "contact_email"):
        assert "(må fylles ut før innsending)" in form.split(f'for="{name}"')[1].split("</div>")[0], name
    assert "(må fylles ut før innsending)" in form.split('id="themes"')[1].split("</legend>")[0]
    assert "(må fylles ut før innsending)" not in form.split('for="location"')[1].split("</div>")[0]
    pilot = make(world, status=Status.COMPLETED)
    outcome = client.get(f"/pilots/{pilot.id}/outcome").text
    for name in ("verdict", "lessons"):
        assert "(må fylles ut)" in outcome.split(f'for="{name}"')[1].split("</div>")[0], name


def test_titles_name_the_pilot_and_say_when_the_page_shows_errors(world, login):
    pilot = make(world, status=Status.DRAFT, title="Bussen på Økern")
    client = login(world.staff_a)
    edit_page = client.get(f"/pilots/{pilot.id}/edit").text
    assert "<title>Rediger pilot: Bussen på Økern – Testarena</title>" in edit_page
    response = client.post(f"/pilots/{pilot.id}/edit", data={"title": "", "version": str(pilot.version)})
    assert response.status_code == 400
    assert "<title>Feil: Rediger pilot: Bussen på Økern – Testarena</title>" in response.text
    assert "<title>Feil:" not in client.get("/pilots/new").text


@pytest.mark.parametrize("app_config", [{"PAGE_SIZE": 2}])
def test_list_sorts_by_title_or_planned_start_and_keeps_the_order_across_pages(world, login):
    from datetime import date

    for title, start in [("Cecilie", date(2026, 1, 1)), ("Anders", date(2026, 3, 1)), ("Bente", None)]:
        make(world, title=title, status=Status.RUNNING, planned_start=start)
    client = login(world.staff_b)

    def titles(query):
        html = client.get(f"/pilots/?{query}").text
        return [t for t in ("Anders", "Bente", "Cecilie") if f">{t}</a>" in html], html

    first, html = titles("sort=title")
    assert first == ["Anders", "Bente"] and "sort=title" in html.split('class="pager"')[1]
    assert titles("sort=title&page=2")[0] == ["Cecilie"]
    assert titles("sort=start")[0] == ["Anders", "Cecilie"]  # undated last
    assert titles("sort=start&page=2")[0] == ["Bente"]
    assert titles("sort=nonsense")[1].count('selected>Sist endret') == 1  # unknown: the default


def test_the_pilot_page_says_why_it_came_back_and_asks_before_evaluating(world, login):
    from tracker.pilots import operations

    pilot = make(world, title="Came back", status=Status.SUBMITTED)
    operations.transition(pilot, "return", world.coordinator_a, comment="Add the evaluation plan.")
    done = make(world, title="Done", status=Status.COMPLETED)
    done.outcome = Outcome(verdict="continue", lessons="Plan for winter.")
    db.session.commit()
    client = login(world.staff_a)
    banner = client.get(f"/pilots/{pilot.id}").text.split('class="pkt-alert pkt-alert--info sent-back"')[1]
    banner = banner.split("</div>")[0]
    assert "Sendt tilbake til eieren" in banner and "Add the evaluation plan." in banner
    # In the change log a comment is a quote, not a change "from nothing".
    log = client.get(f"/pilots/{pilot.id}").text
    assert "<strong>Kommentar</strong>: Add the evaluation plan.</li>" in log
    assert world.coordinator_a.name in banner
    done_page = login(world.coordinator_a).get(f"/pilots/{done.id}").text  # the coordinator evaluates
    assert 'data-confirm="Markere «Done» som evaluert?' in done_page
    assert "sent-back" not in client.get(f"/pilots/{done.id}").text
