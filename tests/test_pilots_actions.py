"""Workflow actions through the pilot page: the full matrix, side effects, comments, conflicts."""

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from tests import factories
from tests.test_workflow import SPEC, expected
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.pilots.models import Outcome, Pilot, StatusEvent
from tracker.pilots.workflow import REVIEWS, Action, Actor, Refusal, Status

ROLES = {  # name in the world fixture -> how the workflow sees them towards a pilot of staff_a in A
    "staff_a": {Actor.OWNER},
    "staff_b": {Actor.OTHER},
    "coordinator_a": {Actor.COORDINATOR},
    "coordinator_b": {Actor.OTHER},
    "admin": {Actor.ADMIN},
}


def pilot_in(world, status, owner=None, district=None, **values):
    pilot = factories.make_pilot(owner or world.staff_a, district or world.district_a, status=status,
                                 **values)
    pilot.themes = [factories.make_theme()]
    if status in (Status.COMPLETED, Status.EVALUATED):
        pilot.outcome = Outcome(verdict="continue", lessons="We learned a lot.")
    db.session.commit()
    return pilot


def post_action(client, pilot, action, comment="Because.", version=None, **extra):
    """Take ``action`` as the page does: a review through the one decision form, any other action
    through its own form."""
    version = pilot.version if version is None else version
    if action in REVIEWS:
        data = {"decision-choice": action, "decision-comment": comment, "version": version, **extra}
        return client.post(f"/pilots/{pilot.id}/decision", data=data)
    data = {f"{action}-comment": comment, "version": version, **extra}
    return client.post(f"/pilots/{pilot.id}/actions/{action}", data=data)


def counts(pilot_id):
    events = db.session.scalar(sa.select(sa.func.count()).where(StatusEvent.pilot_id == pilot_id))
    audits = db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.entity_id == pilot_id,
                                                                 AuditEntry.entity == "pilot"))
    return events, audits


@pytest.mark.parametrize(("status", "action", "role"), list(itertools.product(Status, Action, ROLES)))
def test_action_matrix_against_the_table(world, login, status, action, role):
    pilot = pilot_in(world, status)
    before_version, before_counts = pilot.version, counts(pilot.id)
    client = login(getattr(world, role))
    response = post_action(client, pilot, action)
    want = expected(status, action, ROLES[role], "Because.")
    db.session.refresh(pilot)
    if not isinstance(want, Refusal):
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert pilot.status == want
        assert pilot.version == before_version + 1
        assert counts(pilot.id) == (before_counts[0] + 1, before_counts[1] + 1)
    else:
        assert response.status_code == 403
        assert pilot.status == status and pilot.version == before_version
        assert counts(pilot.id) == before_counts


@pytest.mark.parametrize(("action", "target", "comment"), [
    ("return", "draft", "Add the budget, please."), ("approve", "approved", "Well argued.")])
def test_each_action_writes_event_and_audit_with_actor_and_comment(world, login, action, target, comment):
    """An approval may carry a comment too (the decision form has one comment box)."""
    pilot = pilot_in(world, Status.SUBMITTED)
    response = post_action(login(world.coordinator_a), pilot, action, comment=comment)
    assert response.status_code == 302
    event = db.session.scalars(sa.select(StatusEvent).where(StatusEvent.pilot_id == pilot.id)
                               .order_by(StatusEvent.id.desc())).first()
    assert (event.action, event.from_status, event.to_status) == (action, "submitted", target)
    assert event.actor_id == world.coordinator_a.id and event.comment == comment
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == pilot.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.action == action and entry.actor_id == world.coordinator_a.id
    assert entry.changes["status"] == ["submitted", target]
    db.session.refresh(pilot)
    assert pilot.status_changed_at == event.at


def test_start_sets_actual_start_default_today_and_complete_sets_given_end(world, login):
    pilot = pilot_in(world, Status.APPROVED)
    client = login(world.staff_a)
    assert post_action(client, pilot, "start", comment="").status_code == 302
    db.session.refresh(pilot)
    assert pilot.actual_start == date.today() and pilot.status == Status.RUNNING
    earlier = pilot_in(world, Status.RUNNING, actual_start=date(2025, 1, 6))
    response = post_action(client, earlier, "complete", comment="", **{"complete-on_date": "2025-06-30"})
    assert response.status_code == 302
    db.session.refresh(earlier)
    assert earlier.actual_end == date(2025, 6, 30) and earlier.status == Status.COMPLETED


@pytest.mark.parametrize(("action", "status"), [("start", Status.APPROVED), ("complete", Status.RUNNING)])
def test_an_actual_date_in_the_future_is_refused(world, login, action, status):
    """A start "next March" made the pilot run now, and completing it today then failed."""
    from datetime import timedelta

    pilot = pilot_in(world, status)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = post_action(login(world.staff_a), pilot, action, comment="", **{f"{action}-on_date": tomorrow})
    assert response.status_code == 400
    assert "En faktisk dato kan ikke være fram i tid" in response.text
    db.session.refresh(pilot)
    assert pilot.status == status and pilot.actual_end is None


def test_complete_before_start_is_refused_with_a_field_error(world, login):
    pilot = pilot_in(world, Status.RUNNING, actual_start=date(2026, 5, 1))
    response = post_action(login(world.staff_a), pilot, "complete", comment="",
                           **{"complete-on_date": "2026-04-30"})
    assert response.status_code == 400
    assert "Sluttdatoen kan ikke være før startdatoen." in response.get_data(as_text=True)
    db.session.refresh(pilot)
    assert pilot.status == Status.RUNNING and pilot.actual_end is None


@pytest.mark.parametrize(("action", "status", "on_date"), [
    ("start", Status.APPROVED, "9999-12-31"), ("start", Status.APPROVED, "0001-01-01"),
    ("complete", Status.RUNNING, "2101-01-01")])
def test_a_date_outside_the_pilot_years_is_refused_and_changes_nothing(world, login, action, status, on_date):
    pilot = pilot_in(world, status)
    response = post_action(login(world.staff_a), pilot, action, comment="", **{f"{action}-on_date": on_date})
    assert response.status_code == 400
    assert "Skriv en dato i årene 2000 til 2100." in response.get_data(as_text=True)
    db.session.refresh(pilot)
    assert pilot.status == status and (pilot.actual_start, pilot.actual_end) == (None, None)


def test_bad_date_is_a_form_error_not_a_500(world, login):
    pilot = pilot_in(world, Status.APPROVED)
    response = post_action(login(world.staff_a), pilot, "start", comment="",
                           **{"start-on_date": "31/31/2026"})
    assert response.status_code == 400
    db.session.refresh(pilot)
    assert pilot.status == Status.APPROVED


LABEL_NB = {"return": "Send tilbake til eier", "reject": "Avslå", "pause": "Sett på pause",
            "withdraw": "Trekk"}


@pytest.mark.parametrize("action", [a for a, spec in SPEC.items() if spec[3] and a not in REVIEWS])
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_comment_required_actions_refuse_empty_comments(world, login, action, comment):
    source = next(iter(sorted(SPEC[action][0])))
    pilot = pilot_in(world, source)
    response = post_action(login(world.admin), pilot, action, comment=comment)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Skriv en kommentar: denne handlingen krever det." in body
    assert f'href="#{action}-comment"' in body  # the error summary links to the field
    # ... and names the box of this action: the page has one comment box per action.
    summary = body.split('id="error-summary"')[1].split("</div>")[0]
    assert f"Kommentar til «{LABEL_NB[action]}»" in summary
    db.session.refresh(pilot)
    assert pilot.status == source and counts(pilot.id) == (1, 0)


@pytest.mark.parametrize("action", sorted(REVIEWS - {Action.APPROVE}))
@pytest.mark.parametrize("comment", ["", "   \n "])
def test_a_return_or_reject_decision_needs_a_comment(world, login, action, comment):
    pilot = pilot_in(world, Status.SUBMITTED)
    response = post_action(login(world.coordinator_a), pilot, action, comment=comment)
    assert response.status_code == 400
    summary = response.text.split('id="error-summary"')[1].split("</div>")[0]
    message = f"Skriv en kommentar: «{LABEL_NB[action]}» krever det."
    assert f'href="#decision-comment">Kommentar til eieren: {message}' in summary
    assert f'id="decision-choice-{action}" checked' in response.text  # the choice is kept
    db.session.refresh(pilot)
    assert pilot.status == Status.SUBMITTED and counts(pilot.id) == (1, 0)


def test_the_reviewer_sees_one_decision_form(world, login):
    """Approve, return or reject as one choice in a fieldset, with one comment box; withdraw apart."""
    pilot = pilot_in(world, Status.SUBMITTED)
    page = login(world.coordinator_a).get(f"/pilots/{pilot.id}").text
    form = page.split(f'action="/pilots/{pilot.id}/decision"')[1].split("</form>")[0]
    assert '<fieldset class="checkbox-group" id="decision-choice"' in form
    assert "<legend" in form and "Din avgjørelse" in form
    for action in ("approve", "return", "reject"):
        assert f'type="radio" class="pkt-input-check__input-checkbox" name="decision-choice" ' \
               f'value="{action}"' in form
    assert form.count("<textarea") == 1 and "Påkrevd for: Send tilbake til eier, Avslå." in form
    withdraw = page.split(f'action="/pilots/{pilot.id}/actions/withdraw"')[1].split("</form>")[0]
    assert withdraw.count("<textarea") == 1  # the withdrawal keeps its own comment, apart


def test_a_decision_without_a_choice_is_a_clear_error(world, login):
    pilot = pilot_in(world, Status.SUBMITTED)
    response = login(world.coordinator_a).post(f"/pilots/{pilot.id}/decision",
                                                data={"version": pilot.version, "decision-comment": "Hmm."})
    assert response.status_code == 400
    assert 'href="#decision-choice">Din avgjørelse: Velg avgjørelsen din.' in response.text
    assert "Hmm." in response.text  # the comment is kept
    db.session.refresh(pilot)
    assert pilot.status == Status.SUBMITTED and counts(pilot.id) == (1, 0)


@pytest.mark.parametrize("choice", ["teleport", "withdraw", "submit"])
def test_a_decision_outside_the_review_choices_changes_nothing(world, login, choice):
    pilot = pilot_in(world, Status.SUBMITTED)
    response = login(world.coordinator_a).post(f"/pilots/{pilot.id}/decision", data={
        "version": pilot.version, "decision-choice": choice, "decision-comment": "Because."})
    assert response.status_code == 400
    db.session.refresh(pilot)
    assert pilot.status == Status.SUBMITTED and counts(pilot.id) == (1, 0)


@pytest.mark.parametrize("action", sorted(REVIEWS))
def test_reviews_are_not_taken_through_the_single_action_route(world, login, action):
    pilot = pilot_in(world, Status.SUBMITTED)
    response = login(world.coordinator_a).post(f"/pilots/{pilot.id}/actions/{action}", data={
        "version": pilot.version, f"{action}-comment": "Because."})
    assert response.status_code == 404
    db.session.refresh(pilot)
    assert pilot.status == Status.SUBMITTED


def test_stale_action_is_refused_with_conflict_and_nothing_changes(world, login):
    pilot = pilot_in(world, Status.RUNNING)
    stale = pilot.version
    # The coordinator pauses first; the owner's page still carries the old version.
    assert post_action(login(world.coordinator_a), pilot, "pause", comment="Winter.").status_code == 302
    db.session.refresh(pilot)
    response = post_action(login(world.staff_a), pilot, "complete", comment="", version=stale)
    assert response.status_code == 409
    assert "Coordinator A" in response.get_data(as_text=True)
    db.session.refresh(pilot)
    assert pilot.status == Status.PAUSED and counts(pilot.id)[0] == 2


def test_stale_action_still_allowed_by_status_is_a_conflict(world, login):
    pilot = pilot_in(world, Status.RUNNING)
    stale = pilot.version
    db.session.execute(sa.update(Pilot).where(Pilot.id == pilot.id).values(version=Pilot.version + 1))
    db.session.commit()
    response = post_action(login(world.staff_a), pilot, "pause", comment="Snow.", version=stale)
    assert response.status_code == 409
    assert "Snow." in response.get_data(as_text=True)  # the comment is kept
    db.session.refresh(pilot)
    assert pilot.status == Status.RUNNING


def test_evaluate_needs_an_outcome(world, login):
    pilot = pilot_in(world, Status.COMPLETED)
    pilot.outcome = None
    db.session.commit()
    client = login(world.coordinator_a)
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Registrer resultatet før du markerer piloten som evaluert." in page
    assert f"/pilots/{pilot.id}/actions/evaluate" not in page
    assert post_action(client, pilot, "evaluate", comment="").status_code == 403
    db.session.refresh(pilot)
    assert pilot.status == Status.COMPLETED


def test_the_owner_records_the_outcome_and_someone_else_evaluates_it(world, login):
    """Evaluating is the coordinator's judgement that the outcome is complete: never the owner's."""
    pilot = pilot_in(world, Status.COMPLETED)
    owner = login(world.staff_a)
    page = owner.get(f"/pilots/{pilot.id}").text
    assert f"/pilots/{pilot.id}/actions/evaluate" not in page
    assert "Noen andre markerer piloten din som evaluert" in page
    assert post_action(owner, pilot, "evaluate", comment="").status_code == 403
    db.session.refresh(pilot)
    assert pilot.status == Status.COMPLETED and counts(pilot.id) == (1, 0)
    assert post_action(login(world.coordinator_a), pilot, "evaluate", comment="").status_code == 302
    db.session.refresh(pilot)
    assert pilot.status == Status.EVALUATED


@pytest.mark.parametrize(("action", "status", "text"), [
    ("complete", Status.RUNNING, "Fullføre «{title}»? Faktisk slutt settes"),
    ("withdraw", Status.RUNNING, "Trekke «{title}»? Dette kan ikke angres."),
    ("evaluate", Status.COMPLETED, "Markere «{title}» som evaluert? Dette er endelig"),
])
def test_final_and_irreversible_actions_ask_first(world, login, action, status, text):
    pilot = pilot_in(world, status, title="Ferje & «bro» 100%")
    page = login(world.coordinator_a).get(f"/pilots/{pilot.id}").text
    form = page.split(f'action="/pilots/{pilot.id}/actions/{action}"')[1].split("</form>")[0]
    escaped = text.format(title="Ferje &amp; «bro» 100%")
    assert f'data-confirm="{escaped}' in form
    others = [a for a in ("start", "pause", "resume") if f"/actions/{a}" in page]
    for other in others:
        assert "data-confirm" not in page.split(f"/actions/{other}\"")[1].split("</form>")[0]


def test_submit_incomplete_proposal_lists_missing_fields_linked_to_the_form(world, login):
    pilot = pilot_in(world, Status.DRAFT, need="", planned_end=None)
    pilot.themes = []
    db.session.commit()
    response = post_action(login(world.staff_a), pilot, "submit", comment="")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    for name in ("themes", "need", "planned_end"):
        assert f'/pilots/{pilot.id}/edit?check=submit#{name}"' in body
    db.session.refresh(pilot)
    assert pilot.status == Status.DRAFT
    # The link opens the form with the same fields marked.
    form = login(world.staff_a).get(f"/pilots/{pilot.id}/edit?check=submit").get_data(as_text=True)
    for name in ("themes", "need", "planned_end"):
        assert f'href="#{name}"' in form and f'id="{name}-error"' in form
    assert 'href="#title"' not in form


@pytest.mark.parametrize("version", ["", "abc", "-1", "9" * 40])
@pytest.mark.parametrize("path", ["decision", "actions/withdraw"])
def test_malformed_version_is_a_400(world, login, version, path):
    pilot = pilot_in(world, Status.SUBMITTED)
    response = login(world.coordinator_a).post(f"/pilots/{pilot.id}/{path}", data={"version": version})
    assert response.status_code == 400


def test_unknown_action_and_unknown_pilot_are_404(world, login):
    pilot = pilot_in(world, Status.SUBMITTED)
    client = login(world.admin)
    assert client.post(f"/pilots/{pilot.id}/actions/teleport", data={"version": 1}).status_code == 404
    assert client.post("/pilots/999999/actions/approve", data={"version": 1}).status_code == 404


def test_anonymous_action_goes_to_login(world, client):
    pilot = pilot_in(world, Status.SUBMITTED)
    response = post_action(client, pilot, "approve")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.refresh(pilot)
    assert pilot.status == Status.SUBMITTED


def test_buttons_shown_are_exactly_the_allowed_actions(world, login):
    pilot = pilot_in(world, Status.SUBMITTED)
    staff_page = login(world.staff_a).get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert f"/pilots/{pilot.id}/actions/withdraw" in staff_page
    assert f"/pilots/{pilot.id}/decision" not in staff_page
    coord_page = login(world.coordinator_a).get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert f"/pilots/{pilot.id}/actions/withdraw" in coord_page
    assert f'action="/pilots/{pilot.id}/decision"' in coord_page
    other = login(world.coordinator_b).get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "/actions/" not in other and "/decision" not in other


@pytest.mark.parametrize(("action", "status", "message"), [
    ("approve", Status.SUBMITTED, "Piloten er godkjent. Eieren kan starte den når den begynner."),
    ("return", Status.SUBMITTED, "Forslaget er sendt tilbake til eieren med kommentaren din."),
    ("complete", Status.RUNNING, "Piloten er fullført. Registrer resultatet og erfaringene som neste steg."),
])
def test_each_action_confirms_what_is_true_now(world, login, action, status, message):
    pilot = pilot_in(world, status)
    client = login(world.coordinator_a)
    response = post_action(client, pilot, action)
    assert response.status_code == 302
    assert message in client.get(response.headers["Location"]).text


def test_a_coordinator_does_not_review_their_own_proposal(world, login):
    """A review is someone else's judgement: their own proposal goes to another reviewer."""
    pilot = factories.make_pilot(world.coordinator_a, world.district_a, status=Status.SUBMITTED)
    db.session.commit()
    client = login(world.coordinator_a)
    page = client.get(f"/pilots/{pilot.id}").text
    assert "ingen vurderer sitt eget forslag" in page
    assert f"/pilots/{pilot.id}/decision" not in page
    for action in ("approve", "return", "reject"):
        assert post_action(client, pilot, action).status_code == 403
    db.session.refresh(pilot)
    assert pilot.status == Status.SUBMITTED and counts(pilot.id) == (1, 0)
    # The owner may still withdraw it; an admin reviews it.
    assert f"/pilots/{pilot.id}/actions/withdraw" in page
    assert post_action(login(world.admin), pilot, "approve").status_code == 302


def test_an_admin_does_not_review_or_evaluate_their_own_pilot(world, login):
    """The hostile test approved an admin's own proposal: the rule holds for admins too."""
    proposal = pilot_in(world, Status.SUBMITTED, owner=world.admin)
    done = pilot_in(world, Status.COMPLETED, owner=world.admin)
    admin = login(world.admin)
    page = admin.get(f"/pilots/{proposal.id}").text
    assert "/decision" not in page and "ingen vurderer sitt eget forslag" in page
    for action in ("approve", "return", "reject"):
        assert post_action(admin, proposal, action).status_code == 403
    assert "/actions/evaluate" not in admin.get(f"/pilots/{done.id}").text
    assert post_action(admin, done, "evaluate", comment="").status_code == 403
    for pilot, status in ((proposal, Status.SUBMITTED), (done, Status.COMPLETED)):
        db.session.refresh(pilot)
        assert pilot.status == status and counts(pilot.id) == (1, 0)
    # A coordinator of the district reviews and evaluates them.
    coordinator = login(world.coordinator_a)
    assert post_action(coordinator, proposal, "approve").status_code == 302
    assert post_action(coordinator, done, "evaluate", comment="").status_code == 302
