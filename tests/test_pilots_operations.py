"""Operations called directly: the version guard, rule re-checks, and the funding plan arithmetic."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.db import db, utcnow
from tracker.locking import Conflict
from tracker.pilots import operations
from tracker.pilots.funding import funding_plan
from tracker.pilots.models import Outcome, Pilot, StatusEvent
from tracker.pilots.operations import Content, Incomplete, TooManyLeads
from tracker.pilots.workflow import Action, Refusal, Status, TransitionError


def test_transition_with_a_stale_version_raises_conflict_and_writes_nothing(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING)
    db.session.commit()
    with pytest.raises(Conflict):
        operations.transition(pilot, Action.COMPLETE, world.staff_a, expected_version=pilot.version + 5)
    db.session.rollback()
    stored = db.session.get(Pilot, pilot.id)
    assert stored.status == Status.RUNNING and stored.version == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StatusEvent)) == 1


def test_transition_rechecks_the_actor_and_the_comment(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.SUBMITTED)
    db.session.commit()
    with pytest.raises(TransitionError) as info:
        operations.transition(pilot, Action.APPROVE, world.coordinator_b, expected_version=1)
    assert info.value.kind is Refusal.ACTOR
    with pytest.raises(TransitionError) as info:
        operations.transition(pilot, Action.REJECT, world.coordinator_a, comment="  ", expected_version=1)
    assert info.value.kind is Refusal.COMMENT


def test_submit_without_themes_is_incomplete(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.DRAFT, goals="")
    db.session.commit()
    with pytest.raises(Incomplete) as info:
        operations.transition(pilot, Action.SUBMIT, world.staff_a, expected_version=1)
    assert info.value.missing == ["themes", "goals"]


def test_evaluate_without_outcome_is_refused_even_for_admin(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.COMPLETED)
    db.session.commit()
    with pytest.raises(TransitionError) as info:
        operations.transition(pilot, Action.EVALUATE, world.admin, expected_version=1)
    assert info.value.kind is Refusal.OUTCOME
    pilot.outcome = Outcome(verdict="stop", lessons="Too early.")
    db.session.flush()
    operations.transition(pilot, Action.EVALUATE, world.admin, expected_version=1)
    assert pilot.status == Status.EVALUATED and pilot.version == 2


def test_update_by_someone_who_may_not_edit_is_refused(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.DRAFT)
    db.session.commit()
    content = Content({"title": "Taken over"}, [], [], [])
    with pytest.raises(PermissionError):
        operations.update_pilot(pilot, world.staff_b, content, expected_version=1)


def test_the_owner_cannot_move_a_submitted_pilot_even_past_the_form(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.APPROVED)
    db.session.commit()
    content = Content({"title": pilot.title, "district_id": world.district_b.id}, [], [], [])
    with pytest.raises(PermissionError):
        operations.update_pilot(pilot, world.staff_a, content, expected_version=pilot.version)
    db.session.rollback()
    assert db.session.get(Pilot, pilot.id).district_id == world.district_a.id


def test_record_outcome_requires_lessons_and_permission(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING)
    db.session.commit()
    with pytest.raises(ValueError):
        operations.record_outcome(pilot, world.staff_a, {"verdict": "stop", "lessons": " "}, [], 1)
    with pytest.raises(PermissionError):
        operations.record_outcome(pilot, world.staff_b, {"verdict": "stop", "lessons": "x"}, [], 1)


def line(year, amount, source="", source_type="municipal", kind="cash", partner=None):
    return SimpleNamespace(year=year, amount=amount, source=source, source_type=source_type, kind=kind,
                           partner=partner)


def test_funding_plan_totals_per_year_per_source_and_kind(app):
    uio = SimpleNamespace(name="UiO")
    with app.test_request_context():
        plan = funding_plan([
            line(2027, 100, "Oslo kommune"), line(2026, 50, "Oslo kommune"),
            line(2026, 30, source_type="partner", partner=uio, kind="in_kind"),
            line(2026, 20, "Oslo kommune"), line(2027, 5, source_type="eu"),
        ])
    assert plan.years == [2026, 2027]
    assert plan.sources == ["Oslo kommune", "UiO", "EU"]
    assert plan.cell("Oslo kommune", 2026) == 70 and plan.cell("UiO", 2027) is None
    assert plan.per_year == {2026: 100, 2027: 105}
    assert plan.per_source == {"Oslo kommune": 170, "UiO": 30, "EU": 5}
    assert (plan.cash, plan.in_kind, plan.total) == (175, 30, 205)
    assert not funding_plan([])


def _save_in_own_session(app, barrier, pilot_id, user_id, title, results):
    """One request's worth of work: load, wait for the other, guarded save, commit."""
    from tracker.auth.models import User

    with app.app_context():
        user = db.session.get(User, user_id)
        pilot = db.session.get(Pilot, pilot_id)
        content = Content({"title": title}, list(pilot.themes), [], [])
        barrier.wait(timeout=10)
        try:
            operations.update_pilot(pilot, user, content, expected_version=1)
            db.session.commit()
            results.append(("saved", title))
        except Conflict:
            db.session.rollback()
            results.append(("conflict", title))
        finally:
            db.session.remove()


def test_two_simultaneous_saves_of_the_same_version_only_one_wins(app, world):
    import threading

    pilot = factories.make_pilot(world.staff_a, world.district_a, title="Before")
    db.session.commit()
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_save_in_own_session,
                                args=(app, barrier, pilot.id, user.id, title, results))
               for user, title in ((world.staff_a, "Owner's"), (world.coordinator_a, "Coordinator's"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcome for outcome, _title in results) == ["conflict", "saved"]
    winner = next(title for outcome, title in results if outcome == "saved")
    db.session.expire_all()
    stored = db.session.get(Pilot, pilot.id)
    assert (stored.title, stored.version) == (winner, 2)


def test_two_lead_partners_are_refused_by_the_operations_not_only_the_form(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.DRAFT)
    uio, sintef = factories.make_partner("UiO"), factories.make_partner("SINTEF")
    db.session.commit()
    two_leads = Content({"title": pilot.title}, [], [(uio, "lead"), (sintef, "lead")], [])
    with pytest.raises(TooManyLeads, match="at most one lead"):
        operations.update_pilot(pilot, world.staff_a, two_leads, expected_version=pilot.version)
    with pytest.raises(TooManyLeads):
        operations.create_pilot(world.staff_a, Content({"title": "New", "district_id": world.district_a.id},
                                                       [], two_leads.partners, []))
    db.session.rollback()
    assert db.session.get(Pilot, pilot.id).version == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 1


def test_hand_over_is_a_guarded_pilot_change(world):
    """A hand-over made on a pilot someone else changed meanwhile is refused, not silently merged."""
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.DRAFT)
    db.session.commit()
    db.session.execute(sa.update(Pilot).where(Pilot.id == pilot.id).values(version=Pilot.version + 1)
                       .execution_options(synchronize_session=False))  # another session's edit
    with pytest.raises(Conflict):
        operations.hand_over(pilot, world.staff_b, world.admin)


@pytest.mark.parametrize("change", ["hand over", "partner merge"])
def test_a_hand_over_or_a_partner_merge_counts_as_the_pilots_last_update(world, change):
    """Lists sort by "last updated": a pilot that changed hands or partners is news too."""
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING)
    old, new = factories.make_partner("Gammel AS"), factories.make_partner("Ny AS")
    factories.link_partner(pilot, old)
    db.session.commit()
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.execute(sa.update(Pilot).where(Pilot.id == pilot.id).values(updated_at=long_ago)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    pilot = db.session.get(Pilot, pilot.id)
    if change == "hand over":
        operations.hand_over(pilot, world.staff_b, world.admin)
    else:
        operations.replace_partner(pilot, old, new, world.admin)
    db.session.commit()
    assert db.session.get(Pilot, pilot.id).updated_at.year == utcnow().year
