"""Operations on progress reports and the KPI plan: the only code that adds or corrects a report or
replaces the plan. Each re-checks its rule, writes the audit entry (``progress_report`` for a new
report, ``progress_edit`` for a correction; the plan is audited with the pilot's edit), flushes and
never commits."""

from __future__ import annotations

from datetime import date

from tracker import logs
from tracker.db import db, utcnow
from tracker.locking import guarded_update
from tracker.pilots import permissions
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.models import Pilot, PlannedKPI, ProgressReport, ProgressState, ProgressValue


class NotReportable(PermissionError):
    """A progress report on a pilot that is not running or paused, or by someone who may not."""


def replace_kpi_plan(pilot: Pilot, rows: list[dict]) -> None:
    """Make the pilot's planned KPIs ``rows`` (``name, unit, baseline, target``), in order.

    A KPI keeps its row (and so its interim values) while its name stays; a renamed or removed
    KPI is a new row (removed ones take their interim values with them). Not audited here: the
    caller records the ``kpi_plan`` change with the rest of the edit.
    """
    wanted = {row["name"].casefold(): row for row in rows}
    kept = {k.name.casefold(): k for k in pilot.kpi_plan if k.name.casefold() in wanted}
    for kpi in list(pilot.kpi_plan):
        if kpi.name.casefold() not in wanted:
            pilot.kpi_plan.remove(kpi)
    db.session.flush()  # the unique (pilot, name) holds at every step
    for position, (key, row) in enumerate(wanted.items()):
        kpi = kept.get(key)
        if kpi is None:
            pilot.kpi_plan.append(PlannedKPI(position=position, **row))
        else:
            for attr, value in {**row, "position": position}.items():
                setattr(kpi, attr, value)


def _checked(pilot: Pilot, user, state, values: dict[int, float]) -> tuple[ProgressState, dict]:
    """The state and the planned KPIs by id, once the rule and the values are checked."""
    if not permissions.can_report_progress(user, pilot):
        raise NotReportable("progress reports are for running or paused pilots, by those who manage them")
    planned = {k.id: k for k in pilot.kpi_plan}
    if set(values) - set(planned):
        raise ValueError("interim values only for the pilot's planned KPIs")
    return ProgressState(state), planned


def record_progress(pilot: Pilot, user, report_date: date, state: ProgressState | str, happened: str,
                    next_steps: str, values: dict[int, float],
                    expected_version: int | None) -> ProgressReport:
    """Add a dated progress report (with interim values of planned KPIs, ``{kpi id: value}``).

    Raises :class:`NotReportable` (not running or paused, or not the owner, the district's coordinator
    or an admin), ``ValueError`` (unknown state or KPI) or ``Conflict`` (the pilot moved on since
    ``expected_version``); nothing is changed then.
    """
    state, planned = _checked(pilot, user, state, values)
    now = utcnow()
    guarded_update(pilot, expected_version, updated_at=now)
    report = ProgressReport(pilot_id=pilot.id, report_date=report_date, state=str(state),
                            happened=happened.strip(), next_steps=next_steps.strip(), author_id=user.id,
                            created_at=now,
                            values=[ProgressValue(kpi_id=k, value=v) for k, v in values.items()])
    db.session.add(report)
    db.session.flush()
    PILOT.record(user, pilot.id, "progress_report", {
        "report_date": (None, report_date), "progress_state": (None, str(state)),
        "happened": (None, report.happened), "next_steps": (None, report.next_steps),
        "interim_values": (None, [(planned[k], v) for k, v in values.items()]),
    })
    db.session.flush()
    logs.event("progress_report", pilot_id=pilot.id, user_id=user.id, state=str(state))
    return report


def correct_progress(report: ProgressReport, user, report_date: date, state: ProgressState | str,
                     happened: str, next_steps: str, values: dict[int, float],
                     expected_version: int | None) -> dict:
    """Correct a progress report (a wrong date, state, word or value): the same rule and checks as
    adding one. Returns the stored changes (audited ``progress_edit``); ``{}`` and nothing written
    when nothing differs. Raises as :func:`record_progress`."""
    pilot = report.pilot
    state, planned = _checked(pilot, user, state, values)
    before = {v.kpi_id: v.value for v in report.values if v.kpi_id in planned}
    pairs = {"report_date": (report.report_date, report_date), "progress_state": (report.state, str(state)),
             "happened": (report.happened, happened.strip()),
             "next_steps": (report.next_steps, next_steps.strip()),
             "interim_values": ([(planned[k], v) for k, v in before.items()],
                                [(planned[k], v) for k, v in values.items()])}
    if not PILOT.changed(pairs):
        return {}
    guarded_update(pilot, expected_version, updated_at=utcnow())
    report.report_date, report.state = report_date, str(state)
    report.happened, report.next_steps = happened.strip(), next_steps.strip()
    for value in list(report.values):
        if value.kpi_id not in values:
            report.values.remove(value)
        else:
            value.value = values[value.kpi_id]
    report.values += [ProgressValue(kpi_id=k, value=v) for k, v in values.items() if k not in before]
    db.session.flush()
    entry = PILOT.record(user, pilot.id, "progress_edit", pairs)
    db.session.flush()
    logs.event("progress_edit", pilot_id=pilot.id, user_id=user.id, report_id=report.id)
    return entry.changes
