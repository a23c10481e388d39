"""Domain events: every recorded change is announced in its own transaction, once."""

import sqlalchemy as sa

from tests import factories
from tracker import events
from tracker.db import db
from tracker.pilots import operations
from tracker.pilots.workflow import Action, Status

# A table a receiver writes, standing in for a search-index or outbox table (outside the app's metadata).
NOTED = sa.Table("test_noted_events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("entity", sa.String(40)), sa.Column("action", sa.String(40)),
                 sa.Column("entity_id", sa.Integer))


def _note(sender, entry, actor):
    db.session.execute(NOTED.insert().values(entity=sender, action=entry.action, entity_id=entry.entity_id))


def _noted():
    return db.session.execute(sa.select(NOTED.c.entity, NOTED.c.action, NOTED.c.entity_id)
                              .order_by(NOTED.c.id)).all()


def test_an_operation_announces_its_change_and_a_receiver_writes_in_the_same_transaction(world):
    NOTED.create(db.engine, checkfirst=True)
    try:
        pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING)
        db.session.commit()
        with events.recorded.connected_to(_note):
            operations.transition(pilot, Action.PAUSE, world.staff_a, comment="vinter", expected_version=1)
            db.session.rollback()
            assert _noted() == []  # rolled back with the change: nothing announced survives
            pilot = db.session.get(type(pilot), pilot.id)
            operations.transition(pilot, Action.PAUSE, world.staff_a, comment="vinter", expected_version=1)
            db.session.commit()
        assert _noted() == [("pilot", "pause", pilot.id)]
    finally:
        db.session.rollback()
        NOTED.drop(db.engine, checkfirst=True)
