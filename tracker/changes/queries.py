"""Read-side queries for change requests: the coordinator's decision queue."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.changes.models import ChangeRequest, State
from tracker.db import db
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import CHANGE_CONTROLLED


def decision_queue(user) -> list[ChangeRequest]:
    """Open change requests ``user`` may decide on, oldest first: of the districts they coordinate
    (every district for admins), never of their own pilots nor their own requests. One query."""
    if not (user.is_admin or user.district_ids):
        return []
    stmt = (sa.select(ChangeRequest).join(Pilot, Pilot.id == ChangeRequest.pilot_id)
            .where(ChangeRequest.state == State.OPEN, Pilot.owner_id != user.id,
                   Pilot.status.in_([str(s) for s in CHANGE_CONTROLLED]),
                   sa.or_(ChangeRequest.requested_by_id.is_(None), ChangeRequest.requested_by_id != user.id))
            .options(joinedload(ChangeRequest.pilot).joinedload(Pilot.district),
                     joinedload(ChangeRequest.requested_by))
            .order_by(ChangeRequest.updated_at.asc(), ChangeRequest.id.asc()))
    if not user.is_admin:
        stmt = stmt.where(Pilot.district_id.in_(user.district_ids))
    return db.session.scalars(stmt).all()


def open_pilot_ids():
    """The ids of pilots with an open change request, as a SQL subquery (for needs attention)."""
    return sa.select(ChangeRequest.pilot_id).where(ChangeRequest.state == State.OPEN)
