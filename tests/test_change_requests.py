"""Change requests after approval (issue 15): scope vs direct fields, accept/decline, who may
decide, optimistic locking, audit, the registry deciding scope, and the funding-period rule."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests import factories
from tests.test_pilots_form import form_data
from tracker.audit import AuditEntry
from tracker.changes import operations
from tracker.changes.models import ChangeRequest, State
from tracker.db import db
from tracker.locking import Conflict
from tracker.pilots import operations as pilot_operations
from tracker.pilots.audit_fields import FIELDS, scope_fields
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import Status, TransitionError


@pytest.fixture
def approved(catalogue):
    """An approved pilot of district A owned by staff A, funded 2026 with one lead partner."""
    world, themes, partners = catalogue
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.APPROVED, themes=themes)
    factories.link_partner(pilot, partners[0], "lead")
    factories.add_funding(pilot, 2026, 500_000)
    db.session.commit()
    return world, themes, partners, pilot


def edit_data(world, themes, partners, pilot, **overrides):
    """The proposal form as it shows ``pilot`` (see ``approved``), with ``overrides``."""
    values = {"title": pilot.title, "need": pilot.need, "description": pilot.description,
              "goals": pilot.goals,
              "location": pilot.location, "planned_start": "2026-01-01", "planned_end": "2026-12-31",
              "agency": pilot.agency, "contact_name": pilot.contact_name,
              "contact_email": pilot.contact_email,
              "is_public": None, "partners-1-partner": None, "partners-1-role": None,
              "funding-0-amount": "500000", "funding-1-year": None, "funding-1-source_type": None,
              "funding-1-partner": None, "funding-1-source": None, "funding-1-amount": None,
              "funding-1-kind": None, "version": str(pilot.version)}
    values.update(overrides)
    return form_data(world, themes, partners, **values)


def reload(pilot_id):
    db.session.expire_all()
    return db.session.get(Pilot, pilot_id)


def actions(pilot_id):
    return [e.action for e in db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.entity == "pilot", AuditEntry.entity_id == pilot_id).order_by(AuditEntry.id))]


def test_registry_declares_the_scope_fields():
    assert [f.name for f in scope_fields()] == ["district", "need", "description", "goals", "planned_start",
                                                 "planned_end", "partners", "funding"]
    assert not any(f.scope for f in FIELDS if f.name in ("title", "location", "contact_name", "is_public"))


def test_owner_scope_edit_becomes_a_change_request_and_other_fields_apply(approved, login):
    world, themes, partners, pilot = approved
    client = login(world.staff_a)
    response = client.post(f"/pilots/{pilot.id}/edit", data=edit_data(
        world, themes, partners, pilot, **{"funding-0-amount": "5000000000", "location": "Økern sentrum"}))
    assert response.status_code == 302
    pilot = reload(pilot.id)
    assert pilot.location == "Økern sentrum"  # not scope: applied
    assert [line.amount for line in pilot.funding] == [500_000]  # scope: waits
    change = operations.open_request(pilot.id)
    assert change.requested_by_id == world.staff_a.id
    assert change.proposed["funding"][0]["amount"] == "5000000000"
    assert actions(pilot.id)[-2:] == ["update", "change_request"]


def test_a_second_edit_updates_the_one_open_request(approved, login):
    world, themes, partners, pilot = approved
    client = login(world.staff_a)
    client.post(f"/pilots/{pilot.id}/edit", data=edit_data(world, themes, partners, pilot, goals="Bigger."))
    pilot = reload(pilot.id)
    response = client.get(f"/pilots/{pilot.id}/edit")
    assert "Bigger." in response.get_data(as_text=True)  # the form shows the proposal
    client.post(f"/pilots/{pilot.id}/edit",
                data=edit_data(world, themes, partners, pilot, goals="Even bigger."))
    requests = db.session.scalars(sa.select(ChangeRequest).where(ChangeRequest.pilot_id == pilot.id)).all()
    assert [(c.state, c.proposed) for c in requests] == [(State.OPEN, {"goals": "Even bigger."})]
    pilot = reload(pilot.id)
    client.post(f"/pilots/{pilot.id}/edit", data=edit_data(world, themes, partners, pilot))
    assert reload(pilot.id).goals == "Measurable goals."
    assert operations.open_request(pilot.id) is None  # the approved values back: taken back
    assert actions(pilot.id)[-1] == "change_withdraw"


@pytest.mark.parametrize(("start", "scope"), [("2026-01-25", False), ("2026-02-05", True)])
def test_the_planned_period_is_scope_only_when_moved_more_than_30_days(approved, login, start, scope):
    world, themes, partners, pilot = approved
    login(world.staff_a).post(f"/pilots/{pilot.id}/edit",
                              data=edit_data(world, themes, partners, pilot, planned_start=start))
    pilot = reload(pilot.id)
    assert (pilot.planned_start == date(2026, 1, 1)) is scope
    assert (operations.open_request(pilot.id) is not None) is scope


def test_only_the_lead_partner_is_scope(approved, login):
    world, themes, partners, pilot = approved
    client = login(world.staff_a)
    client.post(f"/pilots/{pilot.id}/edit", data=edit_data(world, themes, partners, pilot, **{
        "partners-1-partner": str(partners[1].id), "partners-1-role": "implementer"}))
    pilot = reload(pilot.id)
    assert sorted((link.partner_id, link.role) for link in pilot.partner_links) == sorted(
        [(partners[0].id, "lead"), (partners[1].id, "implementer")])
    assert operations.open_request(pilot.id) is None
    client.post(f"/pilots/{pilot.id}/edit", data=edit_data(world, themes, partners, pilot, **{
        "partners-0-partner": str(partners[1].id), "partners-0-role": "lead"}))
    change = operations.open_request(pilot.id)
    lead = {"partner_id": partners[1].id, "name": "Ruter AS", "role": "lead"}
    assert change.proposed == {"partners": [lead]}
    links = reload(pilot.id).partner_links
    assert [(link.partner_id, link.role) for link in links] == [(partners[0].id, "lead")]


@pytest.mark.parametrize("editor", ["coordinator_a", "admin"])
def test_coordinator_and_admin_edits_apply_directly(approved, login, editor):
    world, themes, partners, pilot = approved
    login(getattr(world, editor)).post(f"/pilots/{pilot.id}/edit",
                                       data=edit_data(world, themes, partners, pilot, goals="New goals."))
    assert reload(pilot.id).goals == "New goals."
    assert operations.open_request(pilot.id) is None
    assert actions(pilot.id)[-1] == "update"


def test_draft_edits_by_the_owner_apply_directly(catalogue):
    world, _themes, _partners = catalogue
    pilot = factories.make_pilot(world.staff_a, world.district_a)
    content = pilot_operations.current_content(pilot)
    content.values["goals"] = "Changed."
    assert operations.save_edit(pilot, world.staff_a, content, pilot.version) is None
    assert pilot.goals == "Changed."


def test_update_pilot_refuses_an_owners_scope_change(approved):
    world, _themes, _partners, pilot = approved
    content = pilot_operations.current_content(pilot)
    content.values["need"] = "Another problem."
    with pytest.raises(pilot_operations.ScopeNeedsReview):
        pilot_operations.update_pilot(pilot, world.staff_a, content, pilot.version)


def raise_request(pilot, user, **values):
    content = pilot_operations.current_content(pilot)
    content.values.update(values)
    change = operations.save_edit(pilot, user, content, pilot.version)
    db.session.commit()
    return change


def test_accept_applies_through_the_operations_with_audit(approved, login):
    world, _themes, _partners, pilot = approved
    change = raise_request(pilot, world.staff_a, goals="Twice the passengers.")
    response = login(world.coordinator_a).post(f"/changes/{change.id}/decision", data={
        "change-choice": "accept", "change-comment": "Fits the budget.",
        "version": str(reload(pilot.id).version)})
    assert response.status_code == 302
    pilot = reload(pilot.id)
    assert pilot.goals == "Twice the passengers."
    change = db.session.get(ChangeRequest, change.id)
    assert (change.state, change.decided_by_id, change.comment) == (State.ACCEPTED, world.coordinator_a.id,
                                                                      "Fits the budget.")
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "change_accept")).one()
    assert entry.actor_id == world.coordinator_a.id
    assert entry.changes["goals"] == ["Measurable goals.", "Twice the passengers."]
    assert entry.changes["comment"] == [None, "Fits the budget."]
    page = login(world.staff_a).get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Endringsønske godtatt" in page and "Coordinator A" in page  # who accepted


def test_decline_keeps_the_pilot_and_needs_a_comment(approved, login):
    world, _themes, _partners, pilot = approved
    change = raise_request(pilot, world.staff_a, need="Another problem.")
    client = login(world.coordinator_a)
    version = str(reload(pilot.id).version)
    response = client.post(f"/changes/{change.id}/decision",
                           data={"change-choice": "decline", "version": version})
    assert response.status_code == 400
    assert "si hvorfor endringen avslås" in response.get_data(as_text=True)
    response = client.post(f"/changes/{change.id}/decision", data={
        "change-choice": "decline", "change-comment": "Out of the district's focus.", "version": version})
    assert response.status_code == 302
    assert reload(pilot.id).need == "A real need."
    assert db.session.get(ChangeRequest, change.id).state == State.DECLINED
    assert actions(pilot.id)[-1] == "change_decline"


@pytest.mark.parametrize("who", ["staff_a", "coordinator_b", "staff_b"])
def test_decision_refused_for_the_owner_and_outsiders(approved, login, who):
    world, _themes, _partners, pilot = approved
    change = raise_request(pilot, world.staff_a, goals="More.")
    response = login(getattr(world, who)).post(f"/changes/{change.id}/decision", data={
        "change-choice": "accept", "version": str(reload(pilot.id).version)})
    assert response.status_code == 403
    assert reload(pilot.id).goals == "Measurable goals."


def test_the_requester_may_not_decide_even_as_coordinator(catalogue):
    world, _themes, _partners = catalogue
    other_coordinator = factories.make_user("coordinator", [world.district_a], name="Coordinator A2")
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
    change = ChangeRequest(pilot_id=pilot.id, requested_by_id=world.coordinator_a.id, proposed={"goals": "X"})
    db.session.add(change)
    db.session.flush()
    with pytest.raises(TransitionError):
        operations.accept(change, world.coordinator_a, "", pilot.version)
    operations.accept(change, other_coordinator, "", pilot.version)
    assert pilot.goals == "X"


def test_a_stale_decision_is_a_conflict(approved, login):
    world, _themes, _partners, pilot = approved
    change = raise_request(pilot, world.staff_a, goals="First.")
    seen = reload(pilot.id).version
    raise_request(reload(pilot.id), world.staff_a, goals="Second.")  # the owner changed it meanwhile
    response = login(world.coordinator_a).post(f"/changes/{change.id}/decision", data={
        "change-choice": "accept", "version": str(seen)})
    assert response.status_code == 409
    assert reload(pilot.id).goals == "Measurable goals."
    with pytest.raises(Conflict):
        operations.accept(db.session.get(ChangeRequest, change.id), world.coordinator_a, "", seen)


def test_pilot_page_shows_the_diff_and_the_decision_only_to_a_decider(approved, login):
    world, _themes, _partners, pilot = approved
    raise_request(pilot, world.staff_a, goals="Twice the passengers.")
    page = login(world.coordinator_a).get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Measurable goals." in page and "Twice the passengers." in page
    assert 'name="change-choice"' in page
    page = login(world.staff_a).get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Twice the passengers." in page and 'name="change-choice"' not in page


def test_queue_and_needs_attention_list_open_requests(approved, login):
    world, _themes, _partners, pilot = approved
    raise_request(pilot, world.staff_a, goals="More.")
    page = login(world.coordinator_a).get("/").get_data(as_text=True)
    queue = page.split('id="change-queue-title"')[1].split("</section>")[0]
    assert pilot.title in queue
    attention = page.split('id="home-attention-title"')[1].split("</section>")[0]
    assert "Endringsønske venter på avgjørelse" in attention and pilot.title in attention
    page = login(world.coordinator_b).get("/").get_data(as_text=True)
    assert pilot.title not in page.split('id="change-queue-title"')[1].split("</section>")[0]


# -- funding within the planned period ------------------------------------------------------------

def test_submit_refuses_funding_outside_the_period_naming_period_and_line(catalogue, login):
    world, themes, partners = catalogue
    client = login(world.staff_a)
    data = form_data(world, themes, partners, save=None, submit_for_review="1", planned_end="2026-12-31")
    response = client.post("/pilots/new", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert "Finansieringslinje 2" in summary  # the line (line 2 is in 2027)...
    assert "2027 ligger utenfor den planlagte perioden 1. mars 2026 – 31. des. 2026" in summary  # the period
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


def test_drafts_may_hold_funding_outside_the_period(catalogue, login):
    world, themes, partners = catalogue
    response = login(world.staff_a).post("/pilots/new", data=form_data(world, themes, partners,
                                                                       planned_end="2026-12-31"))
    assert response.status_code == 302
    pilot = db.session.scalars(sa.select(Pilot)).one()
    with pytest.raises(pilot_operations.Incomplete) as exc:
        pilot_operations.transition(pilot, "submit", world.staff_a)
    assert exc.value.outside == [1] and exc.value.missing == []


def test_the_submit_button_on_the_pilot_page_names_the_funding_problem(catalogue, login):
    world, themes, _partners = catalogue
    pilot = factories.make_pilot(world.staff_a, world.district_a, themes=themes)
    factories.add_funding(pilot, 2031, 1000)
    db.session.commit()
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/actions/submit",
                                         data={"version": pilot.version})
    assert response.status_code == 400
    assert "må ligge innenfor den planlagte perioden 1. jan. 2026 – 31. des. 2026" in response.text
    assert reload(pilot.id).status == Status.DRAFT


def test_a_change_request_with_funding_outside_the_period_is_refused(approved, login):
    world, themes, partners, pilot = approved
    response = login(world.staff_a).post(f"/pilots/{pilot.id}/edit", data=edit_data(
        world, themes, partners, pilot, **{"funding-0-year": "2029"}))
    assert response.status_code == 400
    assert "2029" in response.get_data(as_text=True)
    assert operations.open_request(pilot.id) is None


# -- My work ---------------------------------------------------------------------------------------

def test_my_work_puts_returned_proposals_first_with_the_comment(catalogue, login):
    world, _themes, _partners = catalogue
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.SUBMITTED)
    factories.make_pilot(world.staff_a, world.district_a, title="Plain draft")
    pilot_operations.transition(pilot, "return", world.coordinator_a, comment="Add the budget for 2027.")
    db.session.commit()
    page = login(world.staff_a).get("/").get_data(as_text=True)
    action = page.split('id="needs-action-title"')[1].split("</section>")[0]
    assert pilot.title in action and "Add the budget for 2027." in action
    mine = page.split('id="mine-title"')[1]
    assert pilot.title not in mine and "Plain draft" in mine
    assert page.index("needs-action-title") < page.index("mine-title")
    edit = login(world.staff_a).get(f"/pilots/{pilot.id}/edit").get_data(as_text=True)
    assert edit.index("Add the budget for 2027.") < edit.index('class="pilot-form"')


def test_a_request_that_no_longer_fits_the_period_is_refused_at_acceptance(approved, login):
    """The funding rule holds when the request is decided, not only when it is made: the
    coordinator shortened the period after the owner asked for funding in its last year."""
    world, _themes, _partners, pilot = approved
    content = pilot_operations.current_content(pilot)
    content.values["planned_end"] = date(2027, 12, 31)
    pilot_operations.update_pilot(pilot, world.coordinator_a, content, pilot.version)
    db.session.commit()
    content = pilot_operations.current_content(reload(pilot.id))
    content.funding.append({**content.funding[0], "year": 2027})
    change = operations.save_edit(reload(pilot.id), world.staff_a, content, reload(pilot.id).version)
    db.session.commit()
    assert change is not None
    content = pilot_operations.current_content(reload(pilot.id))
    content.values["planned_end"] = date(2026, 12, 31)
    pilot_operations.update_pilot(reload(pilot.id), world.coordinator_a, content, reload(pilot.id).version)
    db.session.commit()
    before = actions(pilot.id)
    response = login(world.coordinator_a).post(f"/changes/{change.id}/decision", data={
        "change-choice": "accept", "version": str(reload(pilot.id).version)})
    assert response.status_code == 400
    assert "utenfor den planlagte perioden" in response.get_data(as_text=True)
    assert [line.year for line in reload(pilot.id).funding] == [2026]
    assert db.session.get(ChangeRequest, change.id).state == State.OPEN
    assert actions(pilot.id) == before
