"""The proposal form: create, edit, rows without JavaScript, validation, optimistic locking."""

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.pilots.models import FundingLine, Pilot, PilotPartner, StatusEvent
from tracker.pilots.workflow import Status


@pytest.fixture
def setup(world):
    themes = [factories.make_theme(name_en="Mobility"), factories.make_theme(name_en="Energy")]
    partners = [factories.make_partner("Universitetet i Oslo"), factories.make_partner("Ruter AS")]
    db.session.commit()
    return world, themes, partners


def form_data(world, themes, partners, /, **overrides):
    data = {
        "title": "Autonomous buses in Hovinbyen", "district": str(world.district_a.id),
        "arena_kind": "physical", "themes": [str(themes[0].id)], "need": "First/last mile.",
        "description": "Two buses on a fixed route.", "goals": "1000 passengers.", "location": "Økern",
        "planned_start": "2026-03-01", "planned_end": "2027-12-31", "agency": "Bymiljøetaten",
        "contact_name": "Kari", "contact_email": "kari@example.org", "contact_phone": "",
        "is_public": "y",
        "partners-0-partner": str(partners[0].id), "partners-0-role": "lead",
        "partners-1-partner": str(partners[1].id), "partners-1-role": "implementer",
        "funding-0-year": "2026", "funding-0-source_type": "municipal", "funding-0-partner": "",
        "funding-0-source": "Oslo kommune", "funding-0-amount": "500000", "funding-0-kind": "cash",
        "funding-1-year": "2027", "funding-1-source_type": "partner",
        "funding-1-partner": str(partners[1].id),
        "funding-1-source": "", "funding-1-amount": "250000", "funding-1-kind": "in_kind",
        "save": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored_state(pilot_id):
    """Everything the form can change, read back from the database."""
    db.session.expire_all()
    pilot = db.session.get(Pilot, pilot_id)
    return (
        {c: getattr(pilot, c) for c in ("title", "district_id", "need", "planned_start", "planned_end",
                                         "contact_email", "is_public", "version", "status")},
        sorted(t.id for t in pilot.themes),
        sorted((link.partner_id, link.role) for link in pilot.partner_links),
        sorted((line.year, line.source_type, line.partner_id, line.source, line.amount, line.kind)
               for line in pilot.funding),
    )


def create(client, world, themes, partners, **overrides):
    response = client.post("/pilots/new", data=form_data(world, themes, partners, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.scalars(sa.select(Pilot).order_by(Pilot.id.desc())).first()


def test_create_draft_with_partners_and_funding(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners)
    fields, theme_ids, links, lines = stored_state(pilot.id)
    assert fields["status"] == Status.DRAFT and fields["title"] == "Autonomous buses in Hovinbyen"
    assert pilot.owner_id == world.staff_a.id and fields["is_public"] is True
    assert theme_ids == [themes[0].id]
    assert links == sorted([(partners[0].id, "lead"), (partners[1].id, "implementer")])
    assert lines == [(2026, "municipal", None, "Oslo kommune", 500000, "cash"),
                     (2027, "partner", partners[1].id, "", 250000, "in_kind")]
    events = db.session.scalars(sa.select(StatusEvent).where(StatusEvent.pilot_id == pilot.id)).all()
    assert [(e.action, e.to_status) for e in events] == [(None, "draft")]
    created = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == pilot.id)).one()
    assert created.action == "create"
    # The creation records everything saved, the relations included (not only the columns).
    assert {"title", "themes", "partners", "funding"} <= set(created.changes)
    assert created.changes["funding"] == [None, [
        {"year": 2026, "source_type": "municipal", "partner_id": None, "source": "Oslo kommune",
         "amount": "500000", "kind": "cash"},
        {"year": 2027, "source_type": "partner", "partner_id": partners[1].id, "source": "Ruter AS",
         "amount": "250000", "kind": "in_kind"}]]
    assert created.changes["district"] == [None, {"id": world.district_a.id, "name": world.district_a.name}]
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    # The funding plan: per source, per year, grand total (nb grouping with a no-break space).
    assert "750\xa0000" in page and "500\xa0000" in page and "Ruter AS" in page


def test_save_and_submit_in_one_step(setup, login):
    world, themes, partners = setup
    pilot = create(login(world.staff_a), world, themes, partners, save=None, submit_for_review="1")
    assert stored_state(pilot.id)[0]["status"] == Status.SUBMITTED


def test_submit_incomplete_lists_missing_fields_and_saves_nothing(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    response = client.post("/pilots/new", data=form_data(
        world, themes, partners, save=None, submit_for_review="1", need="", themes=None, planned_end=""))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for name in ("need", "themes", "planned_end"):
        assert f'href="#{name}"' in body
    assert "Må fylles ut før forslaget kan sendes til vurdering." in body
    assert 'value="Autonomous buses in Hovinbyen"' in body  # the input is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


def test_draft_needs_only_title_and_district(setup, login):
    world, _themes, _partners = setup
    response = login(world.staff_a).post("/pilots/new", data={"title": "Just an idea",
                                                              "district": str(world.district_b.id),
                                                              "arena_kind": "digital"})
    assert response.status_code == 302
    pilot = db.session.scalars(sa.select(Pilot)).one()
    assert (pilot.title, pilot.district_id, pilot.need) == ("Just an idea", world.district_b.id, "")
    assert pilot.funding == []


AMOUNT_RANGE = "Skriv et helt beløp i kroner fra 0 til 10 000 000 000."
WHOLE_KRONER = "Skriv beløpet i hele kroner, for eksempel 250 000."
BAD_INPUT = [
    ({"title": ""}, "title", "Skriv en tittel."),
    ({"title": "x" * 201}, "title", None),
    ({"district": ""}, "district", "Velg et distrikt."),
    ({"district": "999999"}, "district", "Velg et distrikt fra listen."),
    ({"district": "abc"}, "district", "Velg et distrikt fra listen."),
    ({"arena_kind": "underwater"}, "arena_kind", "Velg en arenatype fra listen."),
    ({"themes": ["999999"]}, "themes", "Velg temaer fra listen."),
    ({"themes": ["x'; drop table"]}, "themes", "Velg temaer fra listen."),
    ({"need": "x" * 10_001}, "need", None),
    ({"planned_start": "2026-12-31", "planned_end": "2026-01-01"}, "planned_end",
     "Planlagt slutt må være samme dag som eller etter planlagt start."),
    ({"planned_start": "2026-02-30"}, "planned_start", None),
    ({"planned_start": "0001-01-01"}, "planned_start", "Skriv en dato i årene 2000 til 2100."),
    ({"planned_end": "9999-12-31"}, "planned_end", "Skriv en dato i årene 2000 til 2100."),
    ({"contact_email": "not-an-address"}, "contact_email", "Skriv en e-postadresse som navn@eksempel.no."),
    ({"partners-0-partner": "999999"}, "partners-0-partner", "Velg en partner fra listen."),
    ({"partners-0-partner": "1e99"}, "partners-0-partner", "Velg en partner fra listen."),
    ({"partners-0-role": "boss"}, "partners-0-role", "Velg en rolle fra listen."),
    ({"partners-1-role": "lead"}, "partners-1-role", "En pilot kan ha høyst én hovedansvarlig partner."),
    ({"partners-1-partner": "P0", "partners-1-role": "lead"}, "partners-1-role",
     "Denne partneren har allerede denne rollen i piloten."),
    ({"funding-0-amount": "-5"}, "funding-0-amount", AMOUNT_RANGE),
    ({"funding-0-amount": "10000000001"}, "funding-0-amount", AMOUNT_RANGE),
    ({"funding-0-amount": "9" * 40}, "funding-0-amount", AMOUNT_RANGE),
    ({"funding-0-amount": "12.5"}, "funding-0-amount", WHOLE_KRONER),
    ({"funding-0-amount": "1000000,50"}, "funding-0-amount", WHOLE_KRONER),  # never 100 000 050
    ({"funding-0-amount": "lots"}, "funding-0-amount", WHOLE_KRONER),
    ({"funding-0-amount": ""}, "funding-0-amount", "Skriv beløpet i hele kroner."),
    ({"funding-0-year": "1999"}, "funding-0-year", None),
    ({"funding-0-year": "2101"}, "funding-0-year", None),
    ({"funding-0-year": ""}, "funding-0-year", "Skriv årstallet."),
    ({"funding-0-source_type": "lottery"}, "funding-0-source_type", "Velg en type kilde fra listen."),
    ({"funding-1-partner": ""}, "funding-1-partner", "Velg partneren som finansierer denne linjen."),
    ({"funding-1-partner": "424242"}, "funding-1-partner", "Velg partneren som finansierer denne linjen."),
    ({"funding-0-source_type": "other", "funding-0-source": ""}, "funding-0-source",
     "Skriv navnet på kilden."),
    ({"funding-0-kind": "gold"}, "funding-0-kind", "Velg kontanter eller egeninnsats."),
]


@pytest.mark.parametrize(("changes", "field_id", "message"), BAD_INPUT)
def test_bad_input_gets_a_field_linked_error_and_changes_nothing(setup, login, changes, field_id, message):
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners)
    before = stored_state(pilot.id)
    changes = {k: (str(partners[0].id) if v == "P0" else v) for k, v in changes.items()}
    data = form_data(world, themes, partners, version=str(pilot.version), title="Changed title", **{
        k: v for k, v in changes.items() if k != "title"})
    if "title" in changes:
        data["title"] = changes["title"]
    response = client.post(f"/pilots/{pilot.id}/edit", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="error-summary"' in body
    assert f'href="#{field_id}"' in body  # the summary links to the field
    assert f'id="{field_id}-error"' in body or f'id="{field_id}"' in body
    if message:
        assert message in body
    assert stored_state(pilot.id) == before


def test_edit_changes_fields_rows_and_audits_them(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners)
    version = pilot.version
    data = form_data(world, themes, partners, version=str(version), title="Renamed",
                     themes=[str(themes[1].id)],
                     **{"partners-0-role": "funder", "funding-1-amount": "300000"})
    response = client.post(f"/pilots/{pilot.id}/edit", data=data)
    assert response.status_code == 302
    fields, theme_ids, links, lines = stored_state(pilot.id)
    assert fields["title"] == "Renamed" and fields["version"] == version + 1
    assert theme_ids == [themes[1].id]
    assert (partners[0].id, "funder") in links
    assert lines[1][4] == 300000
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.changes["title"] == ["Autonomous buses in Hovinbyen", "Renamed"]
    assert {"themes", "partners", "funding"} <= set(entry.changes)


def test_swapping_the_lead_between_partners_saves(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners)
    data = form_data(world, themes, partners, version=str(pilot.version),
                     **{"partners-0-role": "implementer", "partners-1-role": "lead"})
    assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 302
    assert sorted(stored_state(pilot.id)[2]) == sorted([(partners[0].id, "implementer"),
                                                        (partners[1].id, "lead")])


def test_add_and_remove_rows_without_javascript_keep_input_and_save_nothing(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    data = form_data(world, themes, partners, save=None, add_funding_row="1")
    response = client.post("/pilots/new", data=data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="funding-2-year"' in body and 'value="Autonomous buses in Hovinbyen"' in body
    assert re.search(r'<input[^>]*autofocus[^>]*id="funding-2-year"', body)  # focus lands on the new row
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0
    response = client.post("/pilots/new", data=form_data(world, themes, partners, save=None,
                                                          remove_partner_row="0"))
    body = response.get_data(as_text=True)
    assert 'id="partners-1-partner"' not in body
    # The remaining row is the former second one (Ruter, implementer).
    assert f'<option selected value="{partners[1].id}">' in body or \
        f'<option value="{partners[1].id}" selected>' in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


def test_concurrent_edit_second_save_is_refused_with_input_kept(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners)
    loaded_version = pilot.version
    # The coordinator saves first...
    coordinator = login(world.coordinator_a)
    data = form_data(world, themes, partners, version=str(loaded_version), title="Coordinator's title",
                     **{"funding-0-amount": "450000"})
    assert coordinator.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 302
    after_first = stored_state(pilot.id)
    # ...then the owner saves the form they loaded before.
    client = login(world.staff_a)
    data = form_data(world, themes, partners, version=str(loaded_version), title="Owner's title",
                     need="Owner's new need")
    response = client.post(f"/pilots/{pilot.id}/edit", data=data)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert 'value="Owner&#39;s title"' in body and "Owner&#39;s new need" in body  # input kept
    assert "Coordinator&#39;s title" in body and "Coordinator A" in body  # the other change, and by whom
    assert "450\xa0000" in body  # the coordinator's funding change is shown too
    assert stored_state(pilot.id) == after_first  # nothing overwritten
    # Saving again after seeing the difference overwrites deliberately (the form carries the new version).
    data["version"] = str(after_first[0]["version"])
    assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 302
    assert stored_state(pilot.id)[0]["title"] == "Owner's title"


def test_edit_after_a_status_action_is_a_conflict(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners)
    pilot.status = Status.RUNNING
    db.session.commit()
    stale = pilot.version
    pause = {"version": stale, "pause-comment": "Winter."}
    assert login(world.coordinator_a).post(f"/pilots/{pilot.id}/actions/pause", data=pause).status_code == 302
    data = form_data(world, themes, partners, version=str(stale), title="Late edit")
    assert login(world.staff_a).post(f"/pilots/{pilot.id}/edit", data=data).status_code == 409
    assert stored_state(pilot.id)[0]["title"] != "Late edit"


def test_missing_or_forged_version_is_a_400(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    pilot = create(client, world, themes, partners)
    for version in (None, "x", "1" * 30):
        data = form_data(world, themes, partners, title="Nope", version=version)
        assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 400
    assert stored_state(pilot.id)[0]["title"] != "Nope"


@pytest.mark.parametrize("who", ["staff_b", "coordinator_b", "staff_a", "coordinator_a"])
def test_nobody_but_an_admin_edits_a_submitted_proposal(setup, login, who):
    """Others never; under review not the owner either, and a coordinator returns the proposal with a
    comment instead of rewriting it."""
    world, themes, partners = setup
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.SUBMITTED)
    db.session.commit()
    before = stored_state(pilot.id)
    client = login(getattr(world, who))
    assert f"/pilots/{pilot.id}/edit" not in client.get(f"/pilots/{pilot.id}").text  # no edit link
    assert client.get(f"/pilots/{pilot.id}/edit").status_code == 403
    data = form_data(world, themes, partners, version=str(pilot.version), title="Hijacked")
    assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 403
    assert stored_state(pilot.id) == before


def test_final_pilots_cannot_be_edited(setup, login):
    world = setup[0]
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.WITHDRAWN)
    db.session.commit()
    assert login(world.staff_a).get(f"/pilots/{pilot.id}/edit").status_code == 403


def test_coordinator_of_the_district_may_edit_from_approval_on(setup, login):
    world, themes, partners = setup
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.APPROVED)
    db.session.commit()
    client = login(world.coordinator_a)
    assert client.get(f"/pilots/{pilot.id}/edit").status_code == 200
    data = form_data(world, themes, partners, version=str(pilot.version), title="Sharper title")
    assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 302
    assert stored_state(pilot.id)[0]["title"] == "Sharper title"


def test_an_admin_corrects_a_submitted_proposal_and_the_change_log_shows_it(setup, login):
    world, themes, partners = setup
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.SUBMITTED)
    db.session.commit()
    client = login(world.admin)
    assert f'href="/pilots/{pilot.id}/edit"' in client.get(f"/pilots/{pilot.id}").text
    data = form_data(world, themes, partners, version=str(pilot.version), title="Corrected title")
    assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 302
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == pilot.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id) == ("update", world.admin.id)
    assert entry.changes["title"][1] == "Corrected title"
    assert stored_state(pilot.id)[0]["status"] == Status.SUBMITTED  # still waiting for its review
    log = login(world.staff_a).get(f"/pilots/{pilot.id}").text.split('id="audit-title"')[1]
    assert "Corrected title" in log and world.admin.name in log


def test_retired_district_and_theme_are_not_offered_but_kept_on_existing_pilots(setup, login):
    world, themes, partners = setup
    retired_district = factories.make_district(name="Old district", retired=True)
    retired_theme = factories.make_theme(name_nb="Gammelt tema", retired=True)
    pilot = factories.make_pilot(world.staff_a, retired_district)
    pilot.themes = [retired_theme]
    db.session.commit()
    client = login(world.staff_a)
    new_page = client.get("/pilots/new").get_data(as_text=True)
    assert "Old district" not in new_page and "Gammelt tema" not in new_page
    edit_page = client.get(f"/pilots/{pilot.id}/edit").get_data(as_text=True)
    assert "Old district" in edit_page and "Gammelt tema" in edit_page
    data = form_data(world, themes, partners, version=str(pilot.version), district=str(retired_district.id),
                     themes=[str(retired_theme.id)], title="Still here")
    assert client.post(f"/pilots/{pilot.id}/edit", data=data).status_code == 302
    response = client.post("/pilots/new", data=form_data(world, themes, partners,
                                                          district=str(retired_district.id)))
    assert response.status_code == 400


def test_save_and_add_partner_saves_then_goes_to_the_partner_form(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    response = client.post("/pilots/new", data=form_data(world, themes, partners, save=None,
                                                          save_and_add_partner="1"))
    assert response.status_code == 302
    pilot = db.session.scalars(sa.select(Pilot)).one()
    assert response.headers["Location"] == f"/partners/new?next=%2Fpilots%2F{pilot.id}%2Fedit"
    new_partner = factories.make_partner("Brand New AS")
    db.session.commit()
    page = client.get(f"/pilots/{pilot.id}/edit?partner_id={new_partner.id}").get_data(as_text=True)
    assert 'id="partners-2-partner"' in page
    assert f'<option selected value="{new_partner.id}">' in page or \
        f'<option value="{new_partner.id}" selected>' in page
    # An unknown partner id is ignored.
    assert client.get(f"/pilots/{pilot.id}/edit?partner_id=999999").status_code == 200


def test_anonymous_is_sent_to_login(client, setup):
    response = client.get("/pilots/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_post_without_csrf_token_is_refused(setup, login):
    world, themes, partners = setup
    response = login(world.staff_a).post("/pilots/new", data=form_data(world, themes, partners))
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


def test_counts_of_links_and_lines(setup, login):
    world, themes, partners = setup
    pilot = create(login(world.staff_a), world, themes, partners)
    assert db.session.scalar(sa.select(sa.func.count()).where(PilotPartner.pilot_id == pilot.id)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(FundingLine.pilot_id == pilot.id)) == 2


def test_submit_button_only_where_the_owner_may_submit(setup, login):
    world = setup[0]
    draft = factories.make_pilot(world.staff_a, world.district_a, status=Status.DRAFT)
    submitted = factories.make_pilot(world.staff_a, world.district_a, status=Status.SUBMITTED)
    db.session.commit()
    owner = login(world.staff_a)
    assert 'name="submit_for_review"' in owner.get("/pilots/new").get_data(as_text=True)
    assert 'name="submit_for_review"' in owner.get(f"/pilots/{draft.id}/edit").get_data(as_text=True)
    assert owner.get(f"/pilots/{submitted.id}/edit").status_code == 403  # under review
    coordinator_page = login(world.coordinator_a).get(f"/pilots/{draft.id}/edit").get_data(as_text=True)
    assert 'name="submit_for_review"' not in coordinator_page


def test_after_submission_only_the_coordinator_or_an_admin_moves_a_pilot(setup, login):
    """An approval in District A must not silently become a pilot in District B."""
    world, themes, partners = setup
    staff = login(world.staff_a)
    pilot = create(staff, world, themes, partners)
    pilot.status = Status.APPROVED
    db.session.commit()
    form_page = staff.get(f"/pilots/{pilot.id}/edit").text
    assert "Når piloten er sendt inn, kan bare distriktets koordinator" in form_page
    choices = form_page.split('id="district"')[1].split("</select>")[0]
    assert f'value="{world.district_b.id}"' not in choices and f'value="{world.district_a.id}"' in choices
    before = stored_state(pilot.id)
    response = staff.post(f"/pilots/{pilot.id}/edit", data=form_data(
        world, themes, partners, version=str(pilot.version), district=str(world.district_b.id)))
    assert response.status_code == 400 and 'href="#district"' in response.text
    assert stored_state(pilot.id) == before
    # The owner's other edits still go through; the coordinator may move it.
    response = staff.post(f"/pilots/{pilot.id}/edit", data=form_data(
        world, themes, partners, version=str(pilot.version), location="Updated location."))
    assert response.status_code == 302
    db.session.refresh(pilot)
    response = login(world.coordinator_a).post(f"/pilots/{pilot.id}/edit", data=form_data(
        world, themes, partners, version=str(pilot.version), district=str(world.district_b.id)))
    assert response.status_code == 302
    assert stored_state(pilot.id)[0]["district_id"] == world.district_b.id


def test_the_amount_limit_reads_with_english_grouping_on_english_pages(setup, login):
    world, themes, partners = setup
    client = login(world.staff_a)
    client.post("/language", data={"lang": "en"})
    data = form_data(world, themes, partners, **{"funding-0-amount": "-5"})
    response = client.post("/pilots/new", data=data)
    assert response.status_code == 400
    assert "Enter a whole amount in kroner from 0 to 10,000,000,000." in response.text
