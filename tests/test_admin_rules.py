"""The user operations' own rules, below the routes: the last active admin, links, hand-over."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.admin import operations as admin_ops
from tracker.admin.operations import BadHandoverTarget, hand_over_pilots
from tracker.auth import operations as people
from tracker.auth.models import PasswordToken, Role
from tracker.db import db


def _demote(user, actor):
    return people.update_user(user, actor, name=user.name, agency="", role=Role.STAFF, districts=[])


def test_the_only_active_admin_can_be_neither_demoted_nor_deactivated(world):
    with pytest.raises(people.LastAdmin):
        _demote(world.admin, world.admin)
    with pytest.raises(people.LastAdmin):
        people.deactivate(world.admin, world.coordinator_a)  # even by someone else
    assert world.admin.role == Role.ADMIN and world.admin.active


def test_with_two_admins_one_may_go_but_never_by_their_own_hand(world):
    second = factories.make_user(Role.ADMIN)
    with pytest.raises(people.SelfDeactivation):
        people.deactivate(world.admin, world.admin)
    people.deactivate(second, world.admin)
    assert not second.active
    with pytest.raises(people.LastAdmin):  # now the last one again
        _demote(world.admin, world.admin)


def test_deactivation_bumps_the_session_version(world):
    version = world.staff_a.session_version
    people.deactivate(world.staff_a, world.admin)
    assert world.staff_a.session_version == version + 1 and not world.staff_a.is_active


def test_districts_only_for_coordinators(world):
    with pytest.raises(people.UserError):
        people.update_user(world.staff_a, world.admin, name="Staff A", agency="", role=Role.STAFF,
                           districts=[world.district_a])


def test_a_link_cannot_be_spent_twice(world):
    secret = people.issue_password_link(world.staff_a, world.admin, hours=72)
    token = people.find_password_link(secret)
    people.use_password_link(token, "a perfectly fine passphrase")
    with pytest.raises(people.UserError):
        people.use_password_link(token, "another fine passphrase here")
    assert people.link_state(token) == "used"


def test_a_new_link_expires_the_unused_older_ones(world):
    first = people.find_password_link(people.issue_password_link(world.staff_a, world.admin, hours=72))
    second = people.find_password_link(people.issue_password_link(world.staff_a, world.admin, hours=72))
    assert people.link_state(first) == "expired" and people.link_state(second) == "valid"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordToken)) == 2


def test_hand_over_refuses_the_same_or_an_inactive_user(world):
    gone = factories.make_user(active=False)
    for target in (world.staff_a, gone):
        with pytest.raises(BadHandoverTarget):
            hand_over_pilots(world.staff_a, target, world.admin)


def test_catalogue_refusals_are_told_apart_by_class_and_name_their_field(world):
    with pytest.raises(admin_ops.BadSlug):
        admin_ops.create_district(world.admin, slug="Not a slug", name="X", coordinators=[])
    with pytest.raises(admin_ops.SlugTaken):
        admin_ops.create_district(world.admin, slug=world.district_a.slug, name="Y", coordinators=[])
    with pytest.raises(admin_ops.NotCoordinators) as refused:
        admin_ops.create_district(world.admin, slug="z", name="Z", coordinators=[world.staff_a])
    assert refused.value.field == "coordinators"
