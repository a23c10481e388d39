"""Progress reports while a pilot runs: the report form, to add a report or correct one (the pilot
page shows the reports)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from tracker.db import db
from tracker.locking import Conflict
from tracker.pilots import permissions, progress, queries
from tracker.pilots.progress_forms import progress_form
from tracker.pilots.routes import _posted_version, _viewable, bp

NOT_NOW = _l("Progress reports can be added while a pilot is running or paused, by its owner, a "
             "coordinator of its district or an administrator.")


def _refuse():
    """403 with the rule in words (who, and in which statuses)."""
    error = Forbidden()
    error.user_message = NOT_NOW
    raise error


@bp.route("/<int:pilot_id>/progress", methods=["GET", "POST"])
@login_required
def progress_report(pilot_id: int):
    pilot = _viewable(pilot_id, full=True)
    if not permissions.can_report_progress(current_user, pilot):
        _refuse()
    form = progress_form(pilot)
    if request.method == "GET":
        return _render(form, pilot, pilot.version)
    version = _posted_version()
    if not form.validate_on_submit():
        return _render(form, pilot, version, status=400)
    try:
        progress.record_progress(pilot, current_user, form.report_date.data, form.state.data,
                                 form.happened.data, form.next_steps.data or "", form.interim_values(),
                                 version)
    except Conflict:
        db.session.rollback()
        pilot = queries.load_pilot(pilot_id, full=True)
        return _render(progress_form(pilot), pilot, pilot.version, status=409,
                       conflict=queries.last_change(pilot_id), kept=form)
    except progress.NotReportable:
        db.session.rollback()
        _refuse()
    db.session.commit()
    flash(_("The progress report is saved."), "success")
    return redirect(url_for("pilots.show", pilot_id=pilot.id, _anchor="progress"))


@bp.route("/<int:pilot_id>/progress/<int:report_id>", methods=["GET", "POST"])
@login_required
def progress_edit(pilot_id: int, report_id: int):
    """Correct a report: the same form, filled with what the report says."""
    pilot = _viewable(pilot_id, full=True)
    report = next((r for r in pilot.progress_reports if r.id == report_id), None)
    if report is None:
        abort(404)
    if not permissions.can_report_progress(current_user, pilot):
        _refuse()
    if request.method == "GET":
        return _render(progress_form(pilot, data=_stored(report)), pilot, pilot.version, report=report)
    form = progress_form(pilot)
    version = _posted_version()
    if not form.validate_on_submit():
        return _render(form, pilot, version, status=400, report=report)
    try:
        changes = progress.correct_progress(report, current_user, form.report_date.data, form.state.data,
                                            form.happened.data, form.next_steps.data or "",
                                            form.interim_values(), version)
    except Conflict:
        db.session.rollback()
        pilot = queries.load_pilot(pilot_id, full=True)
        report = next((r for r in pilot.progress_reports if r.id == report_id), None)
        return _render(progress_form(pilot), pilot, pilot.version, status=409,
                       conflict=queries.last_change(pilot_id), kept=form, report=report)
    except progress.NotReportable:
        db.session.rollback()
        _refuse()
    db.session.commit()
    flash(_("The progress report is corrected.") if changes else _("Nothing was changed in the report."),
          "success")
    return redirect(url_for("pilots.show", pilot_id=pilot.id, _anchor="progress"))


def _stored(report) -> dict:
    """The report as the form's data."""
    return {"report_date": report.report_date, "state": report.state, "happened": report.happened,
            "next_steps": report.next_steps, **{f"kpi_{v.kpi_id}": v.value for v in report.values}}


def _render(form, pilot, version, status=200, conflict=None, kept=None, report=None):
    if kept is not None:  # after a conflict: the user's input on the form for the current plan
        for name in ("report_date", "state", "happened", "next_steps"):
            form[name].data = kept[name].data
        for kpi, f in form.kpi_fields():
            if f"kpi_{kpi.id}" in kept:
                f.data = kept[f"kpi_{kpi.id}"].data
    return render_template("pilots/progress.html", form=form, pilot=pilot, version=version,
                           conflict=conflict, report=report), status
