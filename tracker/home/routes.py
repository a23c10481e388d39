"""The start page ("My work") and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.operations import set_language
from tracker.changes import queries as change_queries
from tracker.db import db, utcnow
from tracker.districts import attention
from tracker.i18n import LANGUAGES, remember_language
from tracker.pilots import permissions, queries
from tracker.pilots.workflow import Action, Status
from tracker.urls import safe_next

bp = Blueprint("home", __name__)


def days_waiting(pilot) -> int:
    """Whole days since the pilot reached its current status."""
    return max((utcnow() - pilot.status_changed_at).days, 0)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    mine = queries.my_pilots(current_user)
    sent_back = queries.sent_back(mine)
    # Returned proposals wait for the owner: at the top, with the comment, not among the drafts.
    needs_action = [p for p in mine if p.status == Status.DRAFT and p.id in sent_back
                    and sent_back[p.id].action == Action.RETURN]
    by_status = {s: [p for p in mine if p.status == s and p not in needs_action] for s in Status}
    show_queue = bool(current_user.is_admin or current_user.district_ids)
    return render_template("home/index.html", by_status=by_status, mine=mine, show_queue=show_queue,
                           sent_back=sent_back, needs_action=needs_action,
                           change_queue=change_queries.decision_queue(current_user),
                           queue=queries.review_queue(current_user), days_waiting=days_waiting,
                           attention_groups=attention.for_user(current_user),
                           may_propose=permissions.can_create(current_user))


@bp.route("/language", methods=["POST"])
def language():
    lang = request.form.get("lang")
    if lang not in LANGUAGES:
        abort(400)
    if current_user.is_authenticated:
        set_language(current_user, lang)
        db.session.commit()
    response = redirect(safe_next(request.form.get("next")))
    remember_language(response, lang)
    return response
