"""A coordinator's decision on a pilot's change request (the form is on the pilot page)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.changes import operations
from tracker.changes.forms import ACCEPT, ChangeDecisionForm
from tracker.changes.models import ChangeRequest
from tracker.db import db
from tracker.locking import Conflict
from tracker.pilots import permissions, queries
from tracker.pilots.routes import page_helpers, posted_pilot_version, render_show, viewable
from tracker.pilots.workflow import TransitionError

bp = Blueprint("changes", __name__, url_prefix="/changes")
bp.context_processor(page_helpers)  # it answers with the pilot page


@bp.post("/<int:change_id>/decision")
@login_required
def decide(change_id: int):
    """Accept (applied through the pilot operations) or decline, with the pilot's version."""
    change = db.session.get(ChangeRequest, change_id)
    if change is None:
        abort(404)
    pilot = viewable(change.pilot_id, full=True)
    version = posted_pilot_version()
    if not permissions.can_decide_change(current_user, pilot, change):
        if version != pilot.version and permissions.can_manage(current_user, pilot):
            return render_show(pilot, conflict=queries.last_change(pilot.id), status=409)
        abort(403)
    form = ChangeDecisionForm()
    if not form.validate_on_submit():
        return render_show(pilot, {"change": form}, status=400)
    decide_with = operations.accept if form.choice.data == ACCEPT else operations.decline
    try:
        decide_with(change, current_user, form.comment.data, version)
    except Conflict:
        db.session.rollback()
        pilot = queries.load_pilot(pilot.id, full=True)
        return render_show(pilot, {"change": form}, conflict=queries.last_change(pilot.id), status=409)
    except operations.FundingOutsidePeriod:
        db.session.rollback()
        form.choice.errors = [_("The pilot has changed since this request: with it, funding would lie "
                                "outside the planned period. Decline it with a comment, so the owner can "
                                "send a new request.")]
        return render_show(queries.load_pilot(pilot.id, full=True), {"change": form}, status=400)
    except (TransitionError, PermissionError):
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("The change is accepted and applied.") if form.choice.data == ACCEPT
          else _("The change is declined; the pilot stays as it was."), "success")
    return redirect(url_for("pilots.show", pilot_id=pilot.id))
