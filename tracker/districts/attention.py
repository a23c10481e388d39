"""Needs attention: pilots a coordinator should look at, by these rules with configurable thresholds.

1. ``review``: submitted and waiting longer than ``ATTENTION_REVIEW_DAYS`` (14);
2. ``overdue``: running past its planned end;
3. ``stale``: not final and not updated for ``ATTENTION_STALE_DAYS`` (90);
4. ``no_outcome``: completed, no outcome ``ATTENTION_OUTCOME_DAYS`` (30) after completion;
5. ``no_report``: running for ``PROGRESS_STALE_DAYS`` (60) without a progress report dated in them.
6. ``change``: an open change request waits for a coordinator's decision (``tracker/changes``).

The clock is ``utcnow`` looked up at call time, so tests can freeze it with monkeypatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from tracker.changes.queries import open_pilot_ids
from tracker.db import db, utcnow
from tracker.districts import shown
from tracker.districts.models import District
from tracker.pilots.models import Pilot, ProgressReport
from tracker.pilots.workflow import CHANGE_CONTROLLED, FINAL, Status

ITEM_LIMIT = 25
FINAL_OR_CLOSED = [str(s) for s in (*FINAL, Status.REJECTED)]


@dataclass(frozen=True)
class Rule:
    key: str
    title: object  # lazy string
    condition: object  # SQL condition on Pilot
    since: object  # the column that shows how long it has waited (for ordering and display)


def rules() -> list[Rule]:
    """The rules with the thresholds from config, evaluated against the clock now."""
    now = utcnow()
    cfg = current_app.config
    return [
        Rule("review", _l("Waiting for review for more than %(days)s days",
                          days=cfg["ATTENTION_REVIEW_DAYS"]),
             sa.and_(Pilot.status == Status.SUBMITTED,
                     Pilot.status_changed_at < now - timedelta(days=cfg["ATTENTION_REVIEW_DAYS"])),
             Pilot.status_changed_at),
        Rule("overdue", _l("Running past the planned end"),
             sa.and_(Pilot.status == Status.RUNNING, Pilot.planned_end < now.date()),
             Pilot.planned_end),
        Rule("stale", _l("No update for %(days)s days", days=cfg["ATTENTION_STALE_DAYS"]),
             sa.and_(Pilot.status.not_in(FINAL_OR_CLOSED),
                     Pilot.updated_at < now - timedelta(days=cfg["ATTENTION_STALE_DAYS"])),
             Pilot.updated_at),
        Rule("no_outcome", _l("Completed without an outcome for more than %(days)s days",
                              days=cfg["ATTENTION_OUTCOME_DAYS"]),
             sa.and_(Pilot.status == Status.COMPLETED, ~Pilot.outcome.has(),
                     Pilot.status_changed_at < now - timedelta(days=cfg["ATTENTION_OUTCOME_DAYS"])),
             Pilot.status_changed_at),
        Rule("no_report", _l("Running without a progress report for %(days)s days",
                             days=cfg["PROGRESS_STALE_DAYS"]),
             sa.and_(Pilot.status == Status.RUNNING,
                     Pilot.status_changed_at < now - timedelta(days=cfg["PROGRESS_STALE_DAYS"]),
                     ~sa.exists().where(ProgressReport.pilot_id == Pilot.id, ProgressReport.report_date
                                        >= (now - timedelta(days=cfg["PROGRESS_STALE_DAYS"])).date())),
             Pilot.status_changed_at),
        Rule("change", _l("Change request waiting for a decision"),
             sa.and_(Pilot.status.in_([str(s) for s in CHANGE_CONTROLLED]), Pilot.id.in_(open_pilot_ids())),
             Pilot.updated_at),
    ]


# What each item says about its wait: (wording, the row's column, a moment shown as its day).
NOTES = {
    "overdue": ("planned end %(date)s", "planned_end", False),
    "no_report": ("running since %(date)s", "status_changed_at", True),
    "stale": ("last updated %(date)s", "updated_at", True),
    "change": ("last updated %(date)s", "updated_at", True),
}
SINCE = ("since %(date)s", "status_changed_at", True)


@dataclass
class Group:
    rule: Rule
    pilots: list  # rows: id, title, district_name, planned_end, updated_at, status_changed_at
    total: int

    def entries(self) -> list[tuple]:
        """``(row, link, note)`` per listed pilot, the note's wording translated once per group
        (the template's list shows them without a call per item)."""
        wording, column, as_day = NOTES.get(self.rule.key, SINCE)
        wording, link, dates = gettext(wording), shown.pilot_link(), shown.date_memo()
        out = []
        for row in self.pilots:
            value = getattr(row, column)
            out.append((row, link(row.id), wording % {"date": dates(value.date() if as_day else value)}))
        return out


@dataclass
class Attention:
    """The groups, one per rule, and how many distinct pilots they hold: a pilot that matches two
    rules is listed under both but counted once."""

    groups: list[Group]
    total: int


ITEM_COLUMNS = (Pilot.id, Pilot.title, District.name.label("district_name"), Pilot.planned_end,
                Pilot.updated_at, Pilot.status_changed_at)


def items(visible, district_ids=None, limit: int = ITEM_LIMIT) -> Attention:
    """For each rule, the oldest ``limit`` pilots it flags (the columns the list shows, not whole
    pilots: one query per rule), and the totals per rule and of distinct pilots (one query).

    ``district_ids=None`` means every district (the innovation office's view).
    """
    scope = [visible] if district_ids is None else [visible, Pilot.district_id.in_(list(district_ids))]
    found = rules()
    totals = db.session.execute(
        sa.select(*(sa.func.count(sa.case((r.condition, 1))) for r in found), sa.func.count())
        .where(*scope, sa.or_(*(r.condition for r in found)))
    ).one()
    groups = []
    for rule, total in zip(found, totals, strict=False):
        rows = db.session.execute(
            sa.select(*ITEM_COLUMNS).join(District, District.id == Pilot.district_id)
            .where(*scope, rule.condition).order_by(rule.since.asc(), Pilot.id.asc()).limit(limit)
        ).all()
        groups.append(Group(rule=rule, pilots=list(rows), total=total))
    return Attention(groups=groups, total=totals[-1])


def counts(visible, district_ids=None) -> dict[int, int]:
    """Per district, how many pilots need attention for at least one reason (one query)."""
    any_rule = sa.or_(*(r.condition for r in rules()))
    stmt = (sa.select(Pilot.district_id, sa.func.count()).where(visible, any_rule)
            .group_by(Pilot.district_id))
    if district_ids is not None:
        stmt = stmt.where(Pilot.district_id.in_(list(district_ids)))
    return dict(db.session.execute(stmt).all())


def for_user(user) -> Attention | None:
    """The needs-attention groups for a coordinator (their districts), an admin or the innovation
    office (all); else None."""
    from tracker.pilots.permissions import sees_everything, visible_filter

    if not getattr(user, "is_authenticated", False):
        return None
    if sees_everything(user):
        return items(visible_filter(user))
    if user.district_ids:
        return items(visible_filter(user), user.district_ids)
    return None
