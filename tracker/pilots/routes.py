"""Pilot pages: list, proposal form (new/edit), pilot page with workflow actions, outcome."""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker.changes import operations as change_operations
from tracker.changes.forms import ChangeDecisionForm
from tracker.db import db
from tracker.districts.glance import scope_text
from tracker.districts.shown import Memo, pilot_link
from tracker.formatting import fmt_date
from tracker.guards import parse_id
from tracker.i18n import current_language
from tracker.labels import choices, label
from tracker.locking import Conflict, posted_version
from tracker.paging import page_number
from tracker.pilots import operations, page, permissions, queries
from tracker.pilots.action_forms import ActionForm, DecisionForm
from tracker.pilots.audit_fields import PILOT, required_for_submit, scope_labels
from tracker.pilots.filters import plain_filter
from tracker.pilots.forms import PilotForm, pilot_form_data
from tracker.pilots.funding import funding_plan
from tracker.pilots.operations import Content, Incomplete
from tracker.pilots.outcome_forms import OutcomeForm, from_plan
from tracker.pilots.workflow import (
    REVIEWS,
    TRANSITIONS,
    Action,
    Refusal,
    Status,
    TransitionError,
    missing_for_submit,
)
from tracker.urls import url_with

bp = Blueprint("pilots", __name__, url_prefix="/pilots")

# The pilot list's orders, in the order offered (the first is the default).
SORTS = {"updated": _l("Last changed"), "title": _l("Title"), "start": _l("Planned start")}


def _kpi(value) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.##")


def _period(start, end) -> str:
    """"1 Mar 2026 – 30 Nov 2026", an open end as "1 Mar 2026 –", nothing as a dash."""
    if not start and not end:
        return "–"
    return f"{fmt_date(start)} – {fmt_date(end)}".strip()


@bp.context_processor
def _helpers():
    return {"field_labels": PILOT.labels(), "kpi": _kpi, "period": _period,
            # Templates ask the same permission functions the routes enforce.
            "can_edit": permissions.can_edit, "can_record_outcome": permissions.can_record_outcome,
            "can_act": permissions.can_act, "can_create": permissions.can_create, "transitions": TRANSITIONS,
            "can_report_progress": permissions.can_report_progress}


def _viewable(pilot_id: int, full: bool = False, needs=None, load=None):
    """Load (``load(pilot_id)`` if given) or 404, then the view permission (404 for anonymous, 403
    for signed-in users), then ``needs(user, pilot)`` if given (403)."""
    pilot = load(pilot_id) if load else queries.load_pilot(pilot_id, full=full)
    if pilot is None:
        abort(404)
    if not permissions.can_view(current_user, pilot):
        abort(403 if current_user.is_authenticated else 404)
    if needs is not None and not needs(current_user, pilot):
        abort(403)
    return pilot


def _posted_version() -> int:
    return posted_version(request.form.get("version"))


@bp.route("/")
def index():
    lang = current_language()
    districts, themes = queries.list_choices(lang)
    # Invalid values are ignored here (the list shows no error summary; the district page does).
    args = request.args.to_dict()  # the first of each: a missing key costs a MultiDict an exception
    pilot_filter = plain_filter(args, {d.id for d in districts}, {t[0] for t in themes}, SORTS)
    page = queries.pilot_page(current_user._get_current_object(), pilot_filter, page_number(args))
    if page.requested > page.page:  # past the end (an old link): go to the last page
        return redirect(url_with(page=page.page if page.pages > 1 else None))
    page.items = _list_rows(page.items, dict(districts), themes)
    return render_template("pilots/index.html", page=page, filters=pilot_filter,
                           districts=districts, themes=themes, statuses=list(Status), sorts=SORTS,
                           arena_kinds=choices("arena_kind"), scope=scope_text(current_user),
                           page_url=lambda n: url_for("pilots.index", page=n, **pilot_filter.as_args()))


def _list_rows(rows, district_names: dict[int, str], themes: list[tuple[int, str]]) -> list[tuple]:
    """The list's rows as shown: ``(link, title, district, status, themes, arena kind)``, labels
    worked out once per value (a Jinja call per cell cost more than the queries)."""
    link = pilot_link()
    statuses, arenas = Memo(partial(label, "status")), Memo(partial(label, "arena_kind"))
    names = queries.theme_names([row[0] for row in rows], themes)
    return [(link(pid), title, district_names[district_id], statuses(status), names.get(pid, ""),
             arenas(arena_kind)) for pid, title, district_id, status, arena_kind in rows]


@bp.route("/<int:pilot_id>")
def show(pilot_id: int):
    return _render_show(_viewable(pilot_id, load=page.load_pilot))


def _render_show(pilot, forms=None, missing=None, conflict=None, status=200, outside=False):
    """The pilot page; ``forms`` replaces the blank form of the action (or of the ``decision``, or
    of the ``change`` request's decision) that was just posted. Blank action forms are printed
    from a fragment rendered once per process (``blank_form``)."""
    user = current_user._get_current_object()  # asked a few dozen times: not through the proxy
    internal = permissions.can_see_internal(user, pilot)
    forms = forms or {}
    change = change_operations.open_request(pilot.id) if internal else None
    change_form = None
    if change is not None and permissions.can_decide_change(user, pilot, change):
        change_form = forms.get("change") or ChangeDecisionForm(formdata=None)
    allowed = permissions.allowed_actions(user, pilot)
    actions = [a for a in allowed if a not in REVIEWS]
    decisions = [a for a in allowed if a in REVIEWS]  # permissions.allowed_decisions, asked once
    decision_form = None
    if decisions:
        decision_form = forms.get("decision") or DecisionForm(decisions, formdata=None)
    may = {"edit": permissions.can_edit(user, pilot), "record": permissions.can_record_outcome(user, pilot),
           "report": permissions.can_report_progress(user, pilot)}
    return render_template(
        "pilots/show.html", pilot=pilot, internal=internal, may=may, actions=actions,
        action_forms={a: forms[a] for a in actions if forms.get(a)},
        blank_form=lambda action: ActionForm(action, formdata=None),
        decision_form=decision_form, plan=page.plan(pilot.id) if internal else None,
        audit_entries=page.audit_lines(pilot.id) if internal else [],
        events=page.events(pilot.id), partners=page.partners_by_role(pilot.id),
        themes=page.theme_names(pilot.id, current_language()),
        missing=missing or [], outside=outside, conflict=conflict, hints=_hints(user, pilot),
        change=change, change_diff=change_operations.diff(pilot, change) if change else [],
        change_form=change_form,
        sent_back=queries.sent_back([pilot]).get(pilot.id) if internal else None,
        progress=page.progress(pilot) if internal else None,
        comments=page.comments(pilot.id) if internal else [],
    ), status


# Why an action the user may be looking for is not offered, keyed by (action, refusal).
HINTS = {
    (Action.APPROVE, Refusal.OWN): _l(
        "Your proposal is reviewed by someone else: a coordinator of the district or an administrator "
        "approves, returns or rejects it (nobody reviews their own proposal)."),
    (Action.EVALUATE, Refusal.OWN): _l(
        "Someone else marks your pilot as evaluated once its outcome is recorded: a coordinator of the "
        "district or an administrator (nobody evaluates their own pilot)."),
    (Action.EVALUATE, Refusal.OUTCOME): _l("Record the outcome before marking the pilot as evaluated."),
}


def _hints(user, pilot) -> list[str]:
    if not permissions.can_manage(user, pilot):
        return []
    return [str(HINTS[action, kind]) for action in (Action.APPROVE, Action.EVALUATE)
            if (kind := permissions.refusal(user, pilot, action)) and (action, kind) in HINTS]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not permissions.can_create(current_user):
        abort(403)
    form = PilotForm(pilot=None, agency=current_user.agency, contact_name=current_user.name,
                     contact_email=current_user.email)
    return _proposal(form, None)


@bp.route("/<int:pilot_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pilot_id: int):
    pilot = _viewable(pilot_id, full=True, needs=permissions.can_edit)
    change = change_operations.open_request(pilot.id)
    shown = pilot
    if change is not None and permissions.needs_change_request(current_user, pilot):
        shown = change_operations.proposed_view(pilot, change)  # the owner edits their request on
    form = PilotForm(obj=pilot_form_data(shown) if request.method == "GET" else None, pilot=pilot,
                     may_move=permissions.can_move(current_user, pilot))
    if request.method == "GET":
        partner_id = parse_id(request.args.get("partner_id"))
        if partner_id in _partner_ids(form):
            form.prefill_partner(partner_id, request.args.get("role", ""))
        if request.args.get("check") == "submit":
            _mark_missing(form, _missing(operations.submission_values(pilot)))
            form.mark_funding_outside()
    return _proposal(form, pilot, change)


def _missing(values: dict) -> list[str]:
    return missing_for_submit(values, required_for_submit())


def _mark_missing(form, missing: list[str]) -> None:
    """Attach "required before submitting" to each missing field that has no error yet (a field
    with a format error says that first), for the one error summary."""
    for name in missing:
        field = getattr(form, name)
        if not field.errors:
            field.errors = [_("Required before the proposal can be submitted.")]


def _partner_ids(form) -> set[int]:
    return {int(value) for value, _label in form.partners[0].partner.choices if value}


def _proposal(form: PilotForm, pilot, change=None):
    """Shared POST handling of the proposal form (new and edit); ``change``: the pilot's open
    change request (shown above the form)."""
    version = pilot.version if pilot else None
    existing_id = pilot.id if pilot else None
    if request.method == "POST":
        version = _posted_version() if pilot else None
        if form.handle_row_buttons(request.form) or "find_similar" in request.form:  # (tracker/search)
            return _render_form(form, pilot, version, change=change)
        if not form.validate_on_submit():
            if "submit_for_review" in request.form:  # every problem in one round, not format errors first
                _mark_missing(form, _missing({name: form[name].data for name in required_for_submit()}))
                form.mark_funding_outside()
            return _render_form(form, pilot, version, status=400, change=change)
        content = Content(form.content_values(), form.selected_themes(), form.cleaned.partners,
                          form.cleaned.funding, form.cleaned.kpi_plan)
        try:
            if pilot is None:
                pilot = operations.create_pilot(current_user, content)
            else:
                change = change_operations.save_edit(pilot, current_user, content, version)
            if "submit_for_review" in request.form:
                operations.transition(pilot, Action.SUBMIT, current_user, expected_version=pilot.version)
        except Conflict:
            db.session.rollback()
            return _render_conflict(form, content, pilot.id)
        except (Incomplete, change_operations.FundingOutsidePeriod) as exc:
            db.session.rollback()
            _mark_missing(form, getattr(exc, "missing", []))
            form.mark_funding_outside()
            reloaded = queries.load_pilot(existing_id, True) if existing_id else None
            return _render_form(form, reloaded, version, status=400, change=change)
        except TransitionError:
            db.session.rollback()
            abort(403)
        db.session.commit()
        if "submit_for_review" in request.form:
            flash(_("The proposal is submitted for review."), "success")
        elif change is not None:
            flash(_("Saved. Your changes of scope wait for a coordinator of the district to accept "
                    "them: until then the pilot keeps its approved scope."), "success")
        else:
            flash(_("The pilot is saved."), "success")
        if "save_and_add_partner" in request.form:
            edit_url = url_for("pilots.edit", pilot_id=pilot.id)
            return redirect("/partners/new?next=" + quote(edit_url, safe=""))
        return redirect(url_for("pilots.show", pilot_id=pilot.id))
    return _render_form(form, pilot, version, change=change)


def _render_form(form, pilot, version, status=200, conflict=None, change=None):
    existing = pilot is not None
    return render_template("pilots/form.html", form=form, pilot=pilot, version=version, conflict=conflict,
                           plan=funding_plan(form.preview_lines()), change=change,
                           reviewed_scope=existing and permissions.needs_change_request(current_user, pilot),
                           scope_labels=scope_labels(),
                           sent_back=queries.sent_back([pilot]).get(pilot.id) if existing else None), status


def _render_conflict(form, content: Content, pilot_id: int):
    """Someone saved first: keep this user's input, show what is stored now, by whom and when."""
    pilot = queries.load_pilot(pilot_id, full=True)
    if pilot is None:
        abort(404)
    differences = [(form[name].id, PILOT[name].label, PILOT[name].kind.show(stored))
                   for name, (stored, _typed) in operations.differences(pilot, content).items()]
    conflict = {"by": queries.last_change(pilot.id), "differences": differences, "pilot": pilot}
    return _render_form(form, pilot, pilot.version, status=409, conflict=conflict)


@bp.post("/<int:pilot_id>/actions/<action>")
@login_required
def act(pilot_id: int, action: str):
    """A workflow action other than the review (reviews go through ``decide``)."""
    pilot = _viewable(pilot_id, full=True)
    try:
        action = Action(action)
    except ValueError:
        abort(404)
    if action in REVIEWS:
        abort(404)
    version = _posted_version()
    if not permissions.can_act(current_user, pilot, action):
        return _refused(pilot, version)
    form = ActionForm(action)
    if not form.validate_on_submit():
        return _render_show(pilot, {action: form}, status=400)
    return _take(pilot, form, version, key=action, on_date=form.on_date.data)


@bp.post("/<int:pilot_id>/decision")
@login_required
def decide(pilot_id: int):
    """The reviewer's decision on a submitted proposal: approve, return or reject."""
    pilot = _viewable(pilot_id, full=True)
    version = _posted_version()
    offered = permissions.allowed_decisions(current_user, pilot)
    if not offered:
        return _refused(pilot, version)
    form = DecisionForm(offered)
    if not form.validate_on_submit():
        return _render_show(pilot, {"decision": form}, status=400)
    return _take(pilot, form, version, key="decision")


def _refused(pilot, version: int):
    """Not allowed now: a conflict if the pilot moved on since the user's page (a manager sees
    what changed), else 403."""
    if version != pilot.version and permissions.can_manage(current_user, pilot):
        return _render_show(pilot, conflict=queries.last_change(pilot.id), status=409)
    abort(403)


def _take(pilot, form, version: int, key: str, on_date=None):
    """Take ``form.action`` with the form's comment; on refusal show the page with ``form`` kept."""
    try:
        operations.transition(pilot, form.action, current_user, comment=form.comment.data,
                              expected_version=version, on_date=on_date)
    except Conflict:
        db.session.rollback()
        pilot = queries.load_pilot(pilot.id, full=True)
        return _render_show(pilot, {key: form}, conflict=queries.last_change(pilot.id), status=409)
    except Incomplete as exc:
        db.session.rollback()
        return _render_show(queries.load_pilot(pilot.id, full=True), missing=exc.missing,
                            outside=bool(exc.outside), status=400)
    except TransitionError as exc:
        db.session.rollback()
        if exc.kind is not Refusal.DATE:
            abort(403)
        form.on_date.errors = [_("The end date cannot be before the start date.")]
        return _render_show(queries.load_pilot(pilot.id, full=True), {key: form}, status=400)
    db.session.commit()
    flash(label("action_done", form.action), "success")
    return redirect(url_for("pilots.show", pilot_id=pilot.id))


@bp.route("/<int:pilot_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(pilot_id: int):
    pilot = _viewable(pilot_id, full=True, needs=permissions.can_record_outcome)
    form = OutcomeForm(obj=(pilot.outcome or from_plan(pilot)) if request.method == "GET" else None)
    if request.method == "GET":
        return _render_outcome(form, pilot, pilot.version)
    version = _posted_version()
    if form.handle_row_buttons(request.form):
        return _render_outcome(form, pilot, version)
    if not form.validate_on_submit():
        return _render_outcome(form, pilot, version, status=400)
    try:
        operations.record_outcome(pilot, current_user, form.outcome_values(), form.kpi_rows(), version)
    except Conflict:
        db.session.rollback()
        pilot = queries.load_pilot(pilot_id, full=True)
        return _render_outcome(form, pilot, pilot.version, status=409, conflict=queries.last_change(pilot_id))
    db.session.commit()
    flash(_("The outcome is recorded."), "success")
    return redirect(url_for("pilots.show", pilot_id=pilot.id, _anchor="outcome"))


def _render_outcome(form, pilot, version, status=200, conflict=None):
    return render_template("pilots/outcome.html", form=form, pilot=pilot, version=version,
                           conflict=conflict), status


# The change request's decision (tracker/changes/routes.py) answers with this page too.
viewable, render_show, posted_pilot_version, page_helpers = _viewable, _render_show, _posted_version, _helpers
from tracker.pilots import progress_routes  # noqa: E402, F401  (its routes join this blueprint)
