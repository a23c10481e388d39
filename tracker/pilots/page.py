"""The pilot page's content: the pilot, then its lists as plain rows.

The statements are built once per process (their cache keys with them) and the lists are read on
the session's connection as rows, not ORM objects; labels and dates are worked out here, once per
distinct value, so the template only prints them (as ``tracker/districts/shown.py``). The page's
cost then no longer grows with ORM overhead per statement and row, however long its history.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker import history
from tracker.audit import AuditEntry
from tracker.auth.models import User
from tracker.db import db
from tracker.districts.shown import date_memo
from tracker.labels import choices, label
from tracker.notifications.models import Comment
from tracker.partners.models import Partner
from tracker.pilots.funding import funding_plan
from tracker.pilots.models import (
    FundingLine,
    Outcome,
    Pilot,
    PilotPartner,
    PlannedKPI,
    ProgressReport,
    ProgressValue,
    StatusEvent,
    Theme,
    pilot_themes,
)
from tracker.pilots.trends import trends

PILOT_ID = sa.bindparam("pilot_id")

# The pilot with what permissions and the page's facts read (its outcome joins the pilot's row).
_PILOT = sa.select(Pilot).where(Pilot.id == PILOT_ID).options(
    joinedload(Pilot.district), joinedload(Pilot.owner),
    joinedload(Pilot.outcome).options(selectinload(Outcome.kpis), joinedload(Outcome.recorded_by)))

_THEMES = (sa.select(Theme.id, Theme.name_nb, Theme.name_en)
           .join(pilot_themes, pilot_themes.c.theme_id == Theme.id)
           .where(pilot_themes.c.pilot_id == PILOT_ID).order_by(Theme.name_nb))

_PARTNERS = (sa.select(PilotPartner.role, PilotPartner.partner_id, Partner.name)
             .join(Partner, Partner.id == PilotPartner.partner_id).where(PilotPartner.pilot_id == PILOT_ID)
             .order_by(PilotPartner.id))

_EVENTS = (sa.select(StatusEvent.at, StatusEvent.from_status, StatusEvent.to_status, StatusEvent.action,
                     StatusEvent.comment, User.name.label("actor_name"))
           .outerjoin(User, User.id == StatusEvent.actor_id).where(StatusEvent.pilot_id == PILOT_ID)
           .order_by(StatusEvent.at, StatusEvent.id))

_FUNDING = (sa.select(FundingLine.year, FundingLine.amount, FundingLine.kind, FundingLine.source,
                      FundingLine.source_type, Partner.name.label("partner_name"))
            .outerjoin(Partner, Partner.id == FundingLine.partner_id).where(FundingLine.pilot_id == PILOT_ID)
            .order_by(FundingLine.year, FundingLine.id))

_KPI_PLAN = (sa.select(PlannedKPI.id, PlannedKPI.name, PlannedKPI.unit, PlannedKPI.baseline,
                       PlannedKPI.target)
             .where(PlannedKPI.pilot_id == PILOT_ID).order_by(PlannedKPI.position, PlannedKPI.id))

_REPORTS = (sa.select(ProgressReport.id, ProgressReport.report_date, ProgressReport.state,
                      ProgressReport.happened, ProgressReport.next_steps, User.name.label("author_name"))
            .outerjoin(User, User.id == ProgressReport.author_id).where(ProgressReport.pilot_id == PILOT_ID)
            .order_by(ProgressReport.report_date.desc(), ProgressReport.id.desc()))

_VALUES = (sa.select(ProgressValue.report_id, ProgressValue.kpi_id, ProgressValue.value)
           .join(ProgressReport, ProgressReport.id == ProgressValue.report_id)
           .where(ProgressReport.pilot_id == PILOT_ID).order_by(ProgressValue.id))

_AUDIT = (sa.select(AuditEntry.entity, AuditEntry.entity_id, AuditEntry.action, AuditEntry.changes,
                    AuditEntry.at, User.name.label("actor_name"))
          .outerjoin(User, User.id == AuditEntry.actor_id)
          .where(AuditEntry.entity == "pilot", AuditEntry.entity_id == PILOT_ID)
          .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


_COMMENTS = (sa.select(Comment.body, Comment.at, User.name.label("author_name"))
             .outerjoin(User, User.id == Comment.author_id).where(Comment.pilot_id == PILOT_ID)
             .order_by(Comment.at, Comment.id))


def load_pilot(pilot_id: int) -> Pilot | None:
    """The pilot with its district, owner and outcome (one statement; the outcome's KPIs, if any,
    a second)."""
    return db.session.scalars(_PILOT, {"pilot_id": pilot_id}).first()


def _rows(statement, pilot_id: int) -> list[sa.Row]:
    return db.session.connection().execute(statement, {"pilot_id": pilot_id}).all()


class Event(NamedTuple):
    """A status event as shown: date, labels (``moved_from`` None for the first), actor, comment."""

    when: str
    moved_from: str | None
    moved_to: str
    action: str | None
    actor_name: str | None
    comment: str


class Report(NamedTuple):
    """A progress report with its interim values (rows of ``kpi_id, value``)."""

    id: int
    report_date: object
    state: str
    happened: str
    next_steps: str
    author_name: str | None
    values: list


class Progress(NamedTuple):
    reports: list[Report]  # newest first
    kpis: dict[int, sa.Row]  # the planned KPIs by id
    trends: list


def events(pilot_id: int) -> list[Event]:
    """The status history, oldest first."""
    dates = date_memo()
    return [Event(dates(e.at), label("status", e.from_status) if e.from_status else None,
                  label("status", e.to_status), label("action", e.action) if e.action else None,
                  e.actor_name, e.comment) for e in _rows(_EVENTS, pilot_id)]


def partners_by_role(pilot_id: int) -> list[tuple[str, list]]:
    """``[(role label, [rows of role, partner_id, name])]`` for the roles the pilot's partners have."""
    rows = _rows(_PARTNERS, pilot_id)
    return [(text, of_role) for role, text in choices("partner_role")
            if (of_role := [r for r in rows if r.role == role])]


def theme_names(pilot_id: int, language: str) -> list[str]:
    return [(name_en if language.startswith("en") else name_nb)
            for _id, name_nb, name_en in _rows(_THEMES, pilot_id)]


def progress(pilot: Pilot) -> Progress:
    """The progress reports (values attached), the KPI plan and its trends."""
    plan = _rows(_KPI_PLAN, pilot.id)
    reports = _rows(_REPORTS, pilot.id)
    values: dict[int, list] = {}
    if reports:
        for value in _rows(_VALUES, pilot.id):
            values.setdefault(value.report_id, []).append(value)
    reports = [Report(*r, values.get(r.id, [])) for r in reports]
    actuals = pilot.outcome.kpis if pilot.outcome else []
    return Progress(reports, {k.id: k for k in plan}, trends(plan, reports, actuals))


def plan(pilot_id: int):
    """The funding plan (``tracker.pilots.funding``)."""
    return funding_plan(_rows(_FUNDING, pilot_id))


def audit_lines(pilot_id: int) -> list[history.Line]:
    """The change log, newest first: rows with ``at`` and ``actor_name``, described."""
    return history.describe(_rows(_AUDIT, pilot_id), targets=False)


def comments(pilot_id: int) -> list[sa.Row]:
    """The comments, oldest first: rows of ``body, at, author_name``."""
    return _rows(_COMMENTS, pilot_id)
