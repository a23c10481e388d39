"""The overview's and the district page's kept figures (tracker/districts/summaries.py) never drift
from the pilots: after every kind of change (ORM flush, operation, move, outcome, funding, partner
links, a partner merge, import), after a rollback, and for every kind of viewer the overview and
each district page give what counting the pilots gives."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_login import AnonymousUserMixin, login_user

from tests import factories
from tests import imports_samples as samples
from tracker.db import db
from tracker.districts import prepared, queries, summaries
from tracker.imports import mapping, plan, reading
from tracker.partners import operations as partner_operations
from tracker.pilots import operations
from tracker.pilots.models import Pilot
from tracker.pilots.permissions import visible_filter
from tracker.pilots.workflow import Action, Status

KEPT = (summaries.DistrictCount, summaries.DistrictFunding, summaries.DistrictSource,
        summaries.DistrictPartner)


def _stored() -> tuple[set, ...]:
    return tuple(set(db.session.execute(sa.select(*model.__table__.c))) for model in KEPT)


def _counted() -> tuple[set, ...]:
    return tuple(set(db.session.execute(select())) for select in (summaries.counted, summaries.summed,
                                                                    summaries.sourced, summaries.linked))


def _plain(figures: summaries.Figures) -> tuple:
    def drop_empty(per_district):
        return {d: {k: v for k, v in values.items() if v} for d, values in (per_district or {}).items()
                if any(values.values())}
    return drop_empty(figures.statuses), drop_empty(figures.verdicts), {
        d: years for d, years in (figures.funding or {}).items() if years}


def _viewers(world):
    return [AnonymousUserMixin(), world.staff_a, world.staff_b, world.coordinator_a, world.coordinator_b,
            world.viewer, world.admin]


def assert_in_step(app, world):
    """The kept rows are the counted ones, and every viewer's overview and district pages equal
    the live count."""
    db.session.commit()
    assert _stored() == _counted()
    statuses = [str(s) for s in Status]
    for user in _viewers(world):
        with app.test_request_context("/districts/"):
            if user.is_authenticated:
                login_user(user)
            visible = visible_filter(user)
            where = [visible]
            if user.is_authenticated:  # the pilot list's total
                counted = db.session.scalar(sa.select(sa.func.count()).select_from(Pilot).where(visible))
                assert summaries.total(user, visible) == counted, user
            for with_funding in (False, True):
                kept = queries.overview_figures(user, where, filtered=False, with_funding=with_funding)
                assert _plain(kept) == _plain(queries.live_figures(where, with_funding)), user
            for district in (world.district_a, world.district_b):
                live = prepared.Where([visible, Pilot.district_id == district.id])
                assert queries.district_figures(user, visible, district.id, statuses) == (
                    queries.status_counts(live, statuses), queries.verdict_counts(live)), user
                kept_partners = queries.kept_partners(user, visible, district.id, 10)
                assert kept_partners == queries.partners(live, 10), user
                assert queries.kept_funding(user, district.id) == queries.funding(live), user


@pytest.fixture
def city(world):
    w = world
    factories.make_pilot(w.staff_a, w.district_a)  # a draft of staff A
    factories.make_pilot(w.staff_b, w.district_a)  # a draft coordinator A sees, staff A does not
    running = factories.make_pilot(w.staff_a, w.district_a, status=Status.RUNNING, is_public=True)
    factories.add_funding(running, 2026, 100_000)
    factories.add_funding(running, 2027, 50_000)
    hidden = factories.make_pilot(w.staff_b, w.district_b, status=Status.APPROVED, is_public=False)
    factories.add_funding(hidden, 2026, 7_000)
    draft_b = factories.make_pilot(w.staff_b, w.district_b)
    factories.add_funding(draft_b, 2026, 1_000)  # a draft's
    w.uio, w.ruter = factories.make_partner("Universitetet i Oslo"), factories.make_partner("Ruter AS")
    for pilot, partner, role in ((running, w.uio, "lead"), (running, w.ruter, "funder"),
                                 (hidden, w.uio, "lead"), (draft_b, w.ruter, "implementer"),
                                 (draft_b, w.uio, "lead")):
        factories.link_partner(pilot, partner, role)
    db.session.commit()
    return w


def test_factories_and_the_migration_fill_the_same_rows(app, city):
    assert_in_step(app, city)
    summaries.rebuild()
    assert_in_step(app, city)


def test_the_workflow_and_an_outcome(app, city):
    pilot = factories.make_pilot(city.staff_a, city.district_a, status=Status.SUBMITTED, is_public=True)
    factories.add_funding(pilot, 2026, 30_000)
    assert_in_step(app, city)
    for action, user in ((Action.APPROVE, city.coordinator_a), (Action.START, city.staff_a)):
        operations.transition(pilot, action, user, expected_version=None)
        assert_in_step(app, city)
    operations.transition(pilot, Action.COMPLETE, city.staff_a, expected_version=None)
    operations.record_outcome(pilot, city.staff_a, {"verdict": "scale_up", "lessons": "It works."}, [],
                              expected_version=None)
    assert_in_step(app, city)
    operations.record_outcome(pilot, city.coordinator_a, {"verdict": "stop", "lessons": "It did not."}, [],
                              expected_version=None)
    operations.transition(pilot, Action.EVALUATE, city.coordinator_a, expected_version=None)
    assert_in_step(app, city)
    other = factories.make_pilot(city.staff_b, city.district_b, status=Status.COMPLETED)
    operations.record_outcome(other, city.staff_b, {"verdict": "continue", "lessons": "More."}, [],
                              expected_version=None)
    operations.transition(other, Action.EVALUATE, city.coordinator_b, expected_version=None)
    assert_in_step(app, city)


def test_an_edit_moving_district_publishing_and_changing_funding(app, city):
    pilot = factories.make_pilot(city.staff_a, city.district_a, status=Status.APPROVED)
    factories.add_funding(pilot, 2026, 10_000)
    assert_in_step(app, city)
    content = operations.current_content(pilot)
    content.values.update(district_id=city.district_b.id, is_public=True)
    content.funding = [{**line, "amount": line["amount"] * 3} for line in content.funding]
    content.funding.append({**content.funding[0], "year": 2027, "amount": 5})
    operations.update_pilot(pilot, city.coordinator_a, content, expected_version=None)
    assert_in_step(app, city)
    assert pilot.district_id == city.district_b.id
    content = operations.current_content(pilot)
    content.funding = []
    operations.update_pilot(pilot, city.coordinator_b, content, expected_version=None)
    assert_in_step(app, city)


def test_a_new_draft_and_a_deleted_pilot(app, city):
    content = operations.current_content(factories.make_pilot(city.staff_a, city.district_b))
    operations.create_pilot(city.staff_b, content)
    assert_in_step(app, city)
    gone = factories.make_pilot(city.staff_a, city.district_b, status=Status.RUNNING, is_public=True)
    factories.add_funding(gone, 2026, 1)
    db.session.commit()
    db.session.delete(gone)
    assert_in_step(app, city)


def test_partner_links_changed_and_two_partners_merged(app, city):
    pilot = factories.make_pilot(city.staff_a, city.district_a, status=Status.APPROVED, is_public=True)
    factories.link_partner(pilot, city.ruter)
    link = factories.link_partner(pilot, city.uio)
    assert_in_step(app, city)
    db.session.delete(link)  # a link alone, through the ORM
    assert_in_step(app, city)
    content = operations.current_content(pilot)
    content.partners = [(city.uio, role) for _partner, role in content.partners]
    operations.update_pilot(pilot, city.coordinator_a, content, expected_version=None)
    assert_in_step(app, city)
    partner_operations.merge_partners(city.admin, city.ruter, city.uio)
    assert_in_step(app, city)
    spare = factories.make_partner("Ubrukt AS")
    partner_operations.delete_partner(city.admin, spare)
    assert_in_step(app, city)


def test_a_rollback_leaves_the_kept_rows_as_they_were(app, city):
    assert_in_step(app, city)
    before = _stored()
    pilot = factories.make_pilot(city.staff_a, city.district_a, status=Status.SUBMITTED, is_public=True)
    factories.add_funding(pilot, 2026, 99)
    operations.transition(pilot, Action.APPROVE, city.coordinator_a, expected_version=None)
    summaries.flush_pending()  # written in the transaction, as a read of the overview would
    assert _stored() != before
    db.session.rollback()
    assert _stored() == before
    assert_in_step(app, city)


def test_a_change_through_its_own_session_recounts_in_that_transaction(app, city):
    """A worker or script with its own Session: the recount commits with its change, not in the
    app's session (where it would be left uncommitted, or on PostgreSQL wait on its own lock)."""
    db.session.commit()
    with sa.orm.Session(db.engine) as own:
        pilot = own.scalars(sa.select(Pilot).where(Pilot.district_id == city.district_b.id)).first()
        pilot.is_public = not pilot.is_public
        own.commit()
    assert not db.session.info.get(summaries.PENDING)
    db.session.rollback()  # nothing of the recount may live only in the app's transaction
    assert_in_step(app, city)


def test_two_new_pilots_in_one_district_committed_together_both_land(app, city):
    """PostgreSQL: each insert holds its district's key-share lock (the foreign key) until commit;
    the recount's lock must not wait on it, or the two commits deadlock and one proposal is lost."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the two transactions cannot overlap")
    db.session.commit()
    ids = (city.staff_a.id, city.district_a.id)
    flushed, errors = threading.Barrier(2, timeout=30), []

    def propose(n: int) -> None:
        try:
            with app.app_context(), sa.orm.Session(db.engine) as own:
                owner_id, district_id = ids
                own.add(Pilot(owner_id=owner_id, district_id=district_id, status=Status.DRAFT,
                              title=f"Proposed together {n}", arena_kind="physical", need="N.",
                              description="D.", goals="G.", location="Oslo", agency="Bymiljøetaten",
                              contact_name="A", contact_email="a@example.org"))
                own.flush()
                flushed.wait()  # both inserts hold the district's key-share lock now
                own.commit()
        except Exception as exc:  # reported below with its kind
            errors.append(repr(exc))

    threads = [threading.Thread(target=propose, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    landed = db.session.scalar(sa.select(sa.func.count()).where(Pilot.title.like("Proposed together %")))
    assert landed == 2
    assert_in_step(app, city)


def test_an_import_creating_and_updating_pilots(app, city):
    rows = [samples.HEADERS,
            ["OSC-1", "Smarte søppelbøtter", city.district_a.name, "Pågår", "2026-01-01", "31.12.2026", "",
             "", "kr 1 200 000"],
            ["OSC-2", "Sykkelparkering", city.district_b.slug, "Godkjent", "2026-04-01", "1. mars 2027", "",
             "", "250 000"]]

    def run(data):
        with force_locale("en"):  # the messages, as the CLI writes them
            table = reading.read_table(data, "p.xlsx", mapping.header_score())
            options = plan.Options(user=city.admin, owner=city.admin, source="p.xlsx")
            plan.apply(plan.analyse(table, mapping.auto_mapping(table.headers), options), options)

    run(samples.xlsx(rows))
    assert db.session.scalar(sa.select(Pilot.id).where(Pilot.title == "Sykkelparkering"))
    assert_in_step(app, city)
    rows[1][3], rows[1][8], rows[2][2] = "Avsluttet", 900_000, city.district_a.name
    run(samples.xlsx(rows))
    assert_in_step(app, city)
