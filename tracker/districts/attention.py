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
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from tracker.changes.queries import open_pilot_ids
from tracker.db import utcnow
from tracker.districts import prepared, shown
from tracker.districts.models import District
from tracker.pilots.models import Pilot, ProgressReport
from tracker.pilots.workflow import CHANGE_CONTROLLED, FINAL, Status

ITEM_LIMIT = 25
# The statuses a pilot can go stale in: every other rule flags pilots of these statuses only
# (``_totals`` relies on it), named rather than "not final" so an index range reads them.
OPEN = [str(s) for s in Status if s not in (*FINAL, Status.REJECTED)]


@dataclass(frozen=True)
class Rule:
    key: str
    title: object  # lazy string
    condition: object  # SQL condition on Pilot, with the clock's named parameters (``clock()``)
    since: object  # the column that shows how long it has waited (for ordering and display)


def _moment(name: str):
    return sa.bindparam(name, type_=Pilot.status_changed_at.type, required=True)


def _day(name: str):
    return sa.bindparam(name, type_=Pilot.planned_end.type, required=True)


@cache
def conditions() -> dict[str, tuple]:
    """``{rule: (SQL condition, the column it orders by)}``, built once per process: the clock and
    the thresholds are parameters (``clock()``), so the statements built on them are too
    (``tracker.districts.prepared``)."""
    return {
        "review": (sa.and_(Pilot.status == Status.SUBMITTED, Pilot.status_changed_at < _moment("att_review")),
                   Pilot.status_changed_at),
        "overdue": (sa.and_(Pilot.status == Status.RUNNING, Pilot.planned_end < _day("att_today")),
                    Pilot.planned_end),
        "stale": (sa.and_(Pilot.status.in_(OPEN), Pilot.updated_at < _moment("att_stale")),
                  Pilot.updated_at),
        "no_outcome": (sa.and_(Pilot.status == Status.COMPLETED, ~Pilot.outcome.has(),
                               Pilot.status_changed_at < _moment("att_outcome")),
                       Pilot.status_changed_at),
        "no_report": (sa.and_(Pilot.status == Status.RUNNING, Pilot.status_changed_at < _moment("att_report"),
                              # SELECT 1, not *: SQLite then answers from the index alone.
                              ~sa.select(1).where(ProgressReport.pilot_id == Pilot.id,
                                                  ProgressReport.report_date >= _day("att_report_day"))
                              .exists()),
                      Pilot.status_changed_at),
        "change": (sa.and_(Pilot.status.in_([str(s) for s in CHANGE_CONTROLLED]),
                           Pilot.id.in_(open_pilot_ids())),
                   Pilot.updated_at),
    }


def clock() -> dict:
    """The rules' parameters: the thresholds from config, against the clock now."""
    now, cfg = utcnow(), current_app.config
    report = now - timedelta(days=cfg["PROGRESS_STALE_DAYS"])
    return {"att_review": now - timedelta(days=cfg["ATTENTION_REVIEW_DAYS"]), "att_today": now.date(),
            "att_stale": now - timedelta(days=cfg["ATTENTION_STALE_DAYS"]),
            "att_outcome": now - timedelta(days=cfg["ATTENTION_OUTCOME_DAYS"]),
            "att_report": report, "att_report_day": report.date()}


def rules() -> list[Rule]:
    """The rules with their titles (the thresholds from config); conditions need ``clock()``."""
    cfg = current_app.config
    titles = {
        "review": _l("Waiting for review for more than %(days)s days", days=cfg["ATTENTION_REVIEW_DAYS"]),
        "overdue": _l("Running past the planned end"),
        "stale": _l("No update for %(days)s days", days=cfg["ATTENTION_STALE_DAYS"]),
        "no_outcome": _l("Completed without an outcome for more than %(days)s days",
                         days=cfg["ATTENTION_OUTCOME_DAYS"]),
        "no_report": _l("Running without a progress report for %(days)s days",
                        days=cfg["PROGRESS_STALE_DAYS"]),
        "change": _l("Change request waiting for a decision"),
    }
    return [Rule(key, titles[key], condition, since) for key, (condition, since) in conditions().items()]


# What each item says about its wait: (wording, the row's column, a moment shown as its day).
NOTES = {
    "overdue": ("planned end %(date)s", "planned_end", False),
    "no_report": ("running since %(date)s", "status_changed_at", True),
    "stale": ("last updated %(date)s", "updated_at", True),
    "change": ("last updated %(date)s", "updated_at", True),
}
SINCE = ("since %(date)s", "status_changed_at", True)
ITEM = '<li><a href="{link}">{title}</a> <span class="muted">–{where} {note} </span></li>\n'


@dataclass
class Group:
    rule: Rule
    pilots: list  # rows: id, title, district_name, planned_end, updated_at, status_changed_at
    total: int

    def items_html(self, show_district: bool = False) -> Markup:
        """The listed pilots as ``_attention.html``'s list items: link, title, (district,) and a note
        on the wait, its wording translated once per group."""
        wording, column, as_day = NOTES.get(self.rule.key, SINCE)
        wording, link, dates = gettext(wording), shown.pilot_link(), shown.date_memo()
        out = []
        for row in self.pilots:
            value = getattr(row, column)
            where = f" {escape(row.district_name)}," if show_district else ""
            note = escape(wording % {"date": dates(value.date() if as_day else value)})
            out.append(ITEM.format(link=link(row.id), title=escape(row.title), where=where, note=note))
        return Markup("".join(out))  # noqa: S704 (every value above is escaped)


@dataclass
class Attention:
    """The groups, one per rule, and how many distinct pilots they hold: a pilot that matches two
    rules is listed under both but counted once."""

    groups: list[Group]
    total: int


ITEM_COLUMNS = (Pilot.id, Pilot.title, District.name.label("district_name"), Pilot.planned_end,
                Pilot.updated_at, Pilot.status_changed_at)


def _any_rule():
    return sa.or_(*(c for c, _since in conditions().values()))


def _totals(where: list):
    """How many pilots each rule flags, and how many of those another rule flags though not stale:
    each a count over an index range of its own (one pass over every pilot asked each rule of
    each, which cost the whole district at city scale). Every rule flags open pilots (``OPEN``),
    so the stale ones and those others updated since are each pilot flagged, once."""
    def count(condition):
        return sa.select(sa.func.count()).where(*where, condition).scalar_subquery()
    rules = conditions()
    # The others' pilots updated since, each once: a union of ranges (inside an OR, PostgreSQL
    # would test the rules' NOT EXISTS against every outcome and report instead of an anti-join).
    fresh = sa.union(*(sa.select(Pilot.id).where(*where, c, Pilot.updated_at >= _moment("att_stale"))
                       for key, (c, _since) in rules.items() if key != "stale")).subquery()
    return sa.select(*(count(c) for c, _since in rules.values()),
                     sa.select(sa.func.count()).select_from(fresh).scalar_subquery())


def _listed(where: list):
    """The oldest pilots each rule flags (``att_limit`` of each): one statement, a branch per rule."""
    branches = []
    for i, (condition, since) in enumerate(conditions().values()):
        oldest = (sa.select(*ITEM_COLUMNS).join(District, District.id == Pilot.district_id)
                  .where(*where, condition).order_by(since.asc(), Pilot.id.asc())
                  .limit(sa.bindparam("att_limit")).subquery())
        branches.append(sa.select(sa.literal_column(str(i)).label("rule"), oldest))
    return sa.union_all(*branches)


def _scope(visible, district_ids) -> prepared.Where:
    return prepared.Where([visible] if district_ids is None
                          else [visible, Pilot.district_id.in_(list(district_ids))])


def items(visible, district_ids=None, limit: int = ITEM_LIMIT) -> Attention:
    """For each rule, the oldest ``limit`` pilots it flags (the columns the list shows, not whole
    pilots), and the totals per rule and of distinct pilots: two queries.

    ``district_ids=None`` means every district (the innovation office's view).
    """
    scope, params = _scope(visible, district_ids), clock()
    *totals, fresh = prepared.run("attention.totals", scope, _totals, **params).one()
    listed: list[list] = [[] for _ in totals]
    for row in prepared.run("attention.listed", scope, _listed, att_limit=limit, **params).all():
        listed[row.rule].append(row)
    groups = []
    for rule, total, rows in zip(rules(), totals, listed, strict=True):
        since = rule.since.key  # a union keeps no order: each rule's oldest first, as its branch chose
        rows.sort(key=lambda row: (getattr(row, since), row.id))
        groups.append(Group(rule=rule, pilots=rows, total=total))
    return Attention(groups=groups, total=totals[list(conditions()).index("stale")] + fresh)


def counts(visible, district_ids=None) -> dict[int, int]:
    """Per district, how many pilots need attention for at least one reason (one query)."""
    def build(where: list):
        return (sa.select(Pilot.district_id, sa.func.count()).where(*where, _any_rule())
                .group_by(Pilot.district_id))
    return dict(prepared.run("attention.counts", _scope(visible, district_ids), build, **clock()).all())


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
