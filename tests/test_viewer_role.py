"""The innovation office's role ``viewer``: reads every pilot in every district (drafts and funding
included), reviews and changes nothing; granted by an administrator; the pages say whose view the
figures are. (Every route for every persona: ``tests/authz/matrix.py``.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests import factories as f
from tests.conftest import make_app
from tracker.auth.models import Role, User
from tracker.db import db
from tracker.pilots import permissions
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import TRANSITIONS, Status


@pytest.fixture
def pilots(world):
    made = {s: f.make_pilot(world.staff_a, world.district_b if s == Status.DRAFT else world.district_a, s)
            for s in Status}
    f.add_funding(made[Status.RUNNING], 2026, 300_000)
    db.session.commit()
    return made


def test_a_viewer_sees_every_pilot_in_every_district_and_changes_none(world, pilots):
    viewer = world.viewer
    assert permissions.can_create(viewer) is False
    for pilot in pilots.values():
        assert permissions.can_view(viewer, pilot) and permissions.can_see_internal(viewer, pilot)
        assert not permissions.can_edit(viewer, pilot) and not permissions.can_manage(viewer, pilot)
        assert not permissions.can_record_outcome(viewer, pilot)
        assert [a for a in TRANSITIONS if permissions.can_act(viewer, pilot, a)] == []
    visible = db.session.scalars(sa.select(Pilot.id).where(permissions.visible_filter(viewer))).all()
    assert sorted(visible) == sorted(p.id for p in pilots.values())  # the other district's draft too


def test_staff_do_not_see_others_drafts_but_the_viewer_does(world, pilots, login):
    draft = pilots[Status.DRAFT]
    assert login(world.staff_b).get(f"/pilots/{draft.id}").status_code == 403
    page = login(world.viewer).get(f"/pilots/{draft.id}")
    assert page.status_code == 200 and draft.title in page.text


def test_the_viewer_is_offered_no_proposal_and_no_partner_editing(world, pilots, login):
    client = login(world.viewer)
    assert "/pilots/new" not in client.get("/").text and "/pilots/new" not in client.get("/pilots/").text
    partner = f.make_partner("Kontoret AS")
    db.session.commit()
    assert f"/partners/{partner.id}/edit" not in client.get(f"/partners/{partner.id}").text
    assert client.post("/partners/new", data={"name": "Nytt AS", "kind": "company"}).status_code == 403


def test_the_viewer_sees_needs_attention_for_every_district_on_my_work(world, pilots, login):
    pilots[Status.SUBMITTED].status_changed_at = pilots[Status.SUBMITTED].status_changed_at.replace(year=2020)
    db.session.commit()
    assert pilots[Status.SUBMITTED].title in login(world.viewer).get("/").text


def test_an_admin_grants_the_role(world, login):
    response = login(world.admin).post(f"/admin/users/{world.staff_b.id}", data={
        "name": "Staff B", "agency": "Innovasjonskontoret", "role": "viewer", "version": "1"})
    assert response.status_code == 302
    assert db.session.get(User, world.staff_b.id).role == Role.VIEWER
    form = login(world.admin).get("/admin/users/new").text
    assert 'value="viewer"' in form and "Innovasjonskontor" in form


@pytest.mark.parametrize(("persona", "line"), [
    (None, "Only the public register is counted"),
    ("staff_a", "every pilot past draft and your own drafts"),
    ("coordinator_a", "the drafts of the districts you coordinate"),
    ("viewer", "All pilots you can see (Innovation office): every pilot in every district"),
    ("admin", "All pilots you can see (Administrator): every pilot in every district"),
])
@pytest.mark.parametrize("url", ["/districts/", "/districts/district-a", "/pilots/"])
def test_the_pages_say_whose_view_the_figures_are(world, client, login, persona, line, url):
    visitor = login(getattr(world, persona)) if persona else client
    page = visitor.get(url, headers={"Accept-Language": "en"}).text
    assert line in page


def test_the_viewer_and_staff_totals_differ_by_the_drafts_only(world, pilots, login):
    def total(who) -> str:
        page = login(who).get("/districts/export.csv").get_data(as_text=True)
        return page.splitlines()[-1]

    assert total(world.viewer) == total(world.admin) != total(world.staff_b)


def test_migration_0011_admits_the_role_and_its_downgrade_makes_viewers_staff(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/roles.sqlite")
    with app.app_context():
        upgrade()
        db.session.execute(sa.text("INSERT INTO users (email, name, role, agency, active, session_version, "
                                   "version, created_at) VALUES ('v@x.no', 'V', 'viewer', '', 1, 1, 1, "
                                   "'2026-01-01 00:00:00')"))
        db.session.commit()
        downgrade(revision="0006")
        assert db.session.scalar(sa.text("SELECT role FROM users")) == "staff"
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE users SET role = 'viewer'"))
        db.session.rollback()
        upgrade()
        db.session.execute(sa.text("UPDATE users SET role = 'viewer'"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
