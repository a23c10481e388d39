"""The lessons library's read side: every recorded outcome the viewer may open, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.db import db
from tracker.paging import Page, paginate
from tracker.pilots.models import Outcome, Pilot


def _statement(where: list, verdict: str | None):
    stmt = (sa.select(Pilot).join(Outcome, Outcome.pilot_id == Pilot.id).where(*where)
            .options(joinedload(Pilot.district), selectinload(Pilot.themes),
                     joinedload(Pilot.outcome).selectinload(Outcome.kpis))
            .order_by(Outcome.recorded_at.desc(), Pilot.id.desc()))
    return stmt.where(Outcome.verdict == verdict) if verdict else stmt


def lesson_page(where: list, verdict: str | None, page: int) -> Page:
    """One page of pilots with an outcome under ``where`` (a pilot filter's conditions)."""
    return paginate(_statement(where, verdict), page)


def all_lessons(where: list, verdict: str | None) -> list[Pilot]:
    """Every one of them (the export)."""
    return db.session.scalars(_statement(where, verdict)).unique().all()
