"""Who is told about what: every event notifies exactly the right people, never the actor, and
only when the change commits (the outbox row is written in the change's transaction)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tests.sql import counted
from tracker import audit, events
from tracker.auth.models import Role
from tracker.auth.operations import create_user
from tracker.db import db
from tracker.notifications import operations as notify_ops
from tracker.notifications.models import Mode, Notification, OutboxMessage
from tracker.notifications.rules import on_recorded
from tracker.pilots import operations
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import Action, Status


def told(action: str | None = None) -> set[int]:
    stmt = sa.select(Notification.user_id)
    if action:
        stmt = stmt.where(Notification.action == action)
    return set(db.session.scalars(stmt))


def outboxed() -> set[int]:
    return set(db.session.scalars(sa.select(OutboxMessage.user_id)))


@pytest.fixture
def cast(world):
    """The world plus a second coordinator of district A and a follower (staff B)."""
    second = factories.make_user(Role.COORDINATOR, [world.district_a], name="Coordinator A2")
    db.session.commit()
    return world, second


def _pilot(world, status):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=status,
                                 themes=[factories.make_theme()])
    db.session.commit()
    return pilot


def test_submit_tells_the_districts_coordinators_only(cast):
    world, second = cast
    pilot = _pilot(world, Status.DRAFT)
    operations.transition(pilot, Action.SUBMIT, world.staff_a, expected_version=pilot.version)
    db.session.commit()
    assert told("submit") == {world.coordinator_a.id, second.id}
    assert outboxed() == {world.coordinator_a.id, second.id}


@pytest.mark.parametrize("action", [Action.APPROVE, Action.RETURN, Action.REJECT])
def test_a_review_tells_the_owner_with_the_reviewers_comment(cast, action):
    world, _second = cast
    pilot = _pilot(world, Status.SUBMITTED)
    operations.transition(pilot, action, world.coordinator_a, comment="Legg til mål", expected_version=1)
    db.session.commit()
    notes = db.session.scalars(sa.select(Notification)).all()
    expected = [(world.staff_a.id, str(action), "Legg til mål")]
    assert [(n.user_id, n.action, n.comment) for n in notes] == expected


@pytest.mark.parametrize("source,action,comment", [
    (Status.APPROVED, Action.START, ""), (Status.RUNNING, Action.PAUSE, "Vinter"),
    (Status.PAUSED, Action.RESUME, ""), (Status.RUNNING, Action.COMPLETE, ""),
    (Status.RUNNING, Action.WITHDRAW, "Ikke lenger aktuelt"),
])
def test_status_changes_tell_owner_coordinators_and_followers_not_the_actor(cast, source, action, comment):
    world, second = cast
    pilot = _pilot(world, source)
    notify_ops.set_following(pilot, world.staff_b, True)
    db.session.commit()
    operations.transition(pilot, action, world.coordinator_a, comment=comment, expected_version=1)
    db.session.commit()
    assert told() == {world.staff_a.id, second.id, world.staff_b.id}  # not coordinator_a, the actor


def test_evaluate_tells_the_owner_and_followers(cast):
    world, second = cast
    pilot = _pilot(world, Status.COMPLETED)
    operations.record_outcome(pilot, world.staff_a, {"verdict": "continue", "lessons": "Mye lært"}, [], 1)
    db.session.commit()
    assert told() == set()  # an outcome is not on the list
    operations.transition(pilot, Action.EVALUATE, second, expected_version=pilot.version)
    db.session.commit()
    assert told("evaluate") == {world.staff_a.id, world.coordinator_a.id}


def test_an_unfollowing_coordinator_and_a_deactivated_user_are_not_told(cast):
    world, second = cast
    pilot = _pilot(world, Status.RUNNING)
    notify_ops.set_following(pilot, second, False)
    notify_ops.set_following(pilot, world.staff_b, True)
    world.staff_b.active = False
    db.session.commit()
    notify_ops.add_comment(pilot, world.coordinator_b, "Hvordan går det?")
    db.session.commit()
    assert told() == {world.staff_a.id, world.coordinator_a.id}


def test_a_comment_tells_owner_and_followers_not_the_author(cast):
    world, second = cast
    pilot = _pilot(world, Status.RUNNING)
    notify_ops.set_following(pilot, world.staff_b, True)
    db.session.commit()
    notify_ops.add_comment(pilot, world.staff_b, "Flott arbeid!")
    db.session.commit()
    assert told("comment") == {world.staff_a.id, world.coordinator_a.id, second.id}


@pytest.mark.parametrize("action,audience", [
    ("progress_report", "followers"), ("change_request", "coordinators"),
    ("change_accept", "owner"), ("change_decline", "owner"), ("import", "nobody"),
])
def test_actions_of_other_domains(cast, action, audience):
    world, second = cast
    pilot = _pilot(world, Status.RUNNING)
    notify_ops.set_following(pilot, world.staff_b, True)
    db.session.commit()
    actor = world.coordinator_b if action != "progress_report" else world.staff_a
    audit.record(actor, "pilot", pilot.id, action, {})
    db.session.commit()
    expected = {"followers": {world.coordinator_a.id, second.id, world.staff_b.id},
                "coordinators": {world.coordinator_a.id, second.id},
                "owner": {world.staff_a.id}, "nobody": set()}[audience]
    assert told() == expected


def test_a_handover_tells_the_new_owner(cast):
    world, _second = cast
    pilot = _pilot(world, Status.RUNNING)
    operations.hand_over(pilot, world.staff_b, world.admin)
    db.session.commit()
    assert told() == {world.staff_b.id}


def test_an_invitation_tells_the_person_but_a_command_line_account_does_not(world):
    invited = create_user("ny@oslo.kommune.no", "Ny Person", "staff", actor=world.admin)
    create_user("cli@oslo.kommune.no", "Fra CLI", "staff")
    db.session.commit()
    assert told() == {invited.id}


def test_a_rolled_back_action_leaves_no_notification_and_no_outbox_row(cast):
    world, _second = cast
    pilot = _pilot(world, Status.DRAFT)
    operations.transition(pilot, Action.SUBMIT, world.staff_a, expected_version=1)
    db.session.rollback()
    assert told() == set() and outboxed() == set()
    assert db.session.get(Pilot, pilot.id).status == Status.DRAFT


@pytest.mark.parametrize("mode,mailed", [(Mode.NOW, True), (Mode.DIGEST, False), (Mode.APP, False)])
def test_preferences_decide_whether_an_email_is_queued(cast, mode, mailed):
    world, second = cast
    notify_ops.save_settings(world.coordinator_a, {"submitted": mode}, None)
    pilot = _pilot(world, Status.DRAFT)
    operations.transition(pilot, Action.SUBMIT, world.staff_a, expected_version=1)
    db.session.commit()
    assert told() == {world.coordinator_a.id, second.id}  # always in the app
    assert outboxed() == ({world.coordinator_a.id, second.id} if mailed else {second.id})


def test_telling_many_people_adds_one_or_two_statements_to_an_action(cast):
    world, _second = cast
    followers = [factories.make_user(Role.STAFF) for _ in range(4)]

    def statements_of_a_pause() -> int:
        pilot = _pilot(world, Status.RUNNING)
        for user in followers:
            notify_ops.set_following(pilot, user, True)
        db.session.commit()
        with counted() as seen:
            operations.transition(pilot, Action.PAUSE, world.coordinator_a, comment="Vinter",
                                  expected_version=1)
            db.session.commit()
        return len(seen)

    with_notifications = statements_of_a_pause()
    assert len(told("pause")) == 6 and len(outboxed()) == 6  # owner, second coordinator, 4 followers
    events.recorded.disconnect(on_recorded)
    try:
        without = statements_of_a_pause()
    finally:
        events.recorded.connect(on_recorded)
    # PostgreSQL writes the outbox rows in a CTE of the same statement; SQLite needs a second one.
    assert with_notifications - without == (1 if db.engine.dialect.name == "postgresql" else 2)
