"""The API's writes: new drafts, changes to a draft and workflow actions, each through the web's
forms and operations (``tracker/api/writes.py``) with the pilot's version as ``If-Match``."""

from __future__ import annotations

import re

from flask import jsonify, request, url_for

from tracker.api import queries, schemas, writes
from tracker.api.routes import WRITE_SECURITY, ApiProblem, bp, caller, visible_pilot
from tracker.db import db
from tracker.locking import Conflict
from tracker.pilots import operations, permissions
from tracker.pilots.operations import Incomplete
from tracker.pilots.workflow import Action, Refusal, Status, TransitionError

IF_MATCH = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
            "description": 'The pilot\'s `version` as you last read it, e.g. `"3"` (412 if it moved on).'}
_VERSION = re.compile(r'\s*(?:W/)?"?([1-9][0-9]{0,9})"?\s*')


def create_pilot(values):
    """A new draft owned by the token's user (``POST /pilots``)."""
    user = caller()
    if not permissions.can_create(user):
        raise ApiProblem(403)
    form = writes.pilot_form(values)
    if not form.cleaned:
        raise _form_problem(form)
    try:
        created = operations.create_pilot(user, writes.content(form))
    except operations.TooManyLeads:
        db.session.rollback()
        raise _one_lead() from None
    return _written(created.id, 201)


def _expected_version(pilot) -> int:
    header = request.headers.get("If-Match")
    if header is None:
        raise ApiProblem(428, "Send If-Match with the pilot's version.")
    match = _VERSION.fullmatch(header)
    if match is None:
        raise ApiProblem(400, errors=[{"parameter": "If-Match", "detail": "Not a version."}])
    version = int(match.group(1))
    if version != pilot.version:
        raise ApiProblem(412, f"The pilot changed since version {version}; it is at version {pilot.version}.")
    return version


def _one_lead() -> ApiProblem:
    return ApiProblem(422, errors=[{"pointer": "/partners",
                                    "detail": "A pilot has at most one lead partner."}])


def _form_problem(form) -> ApiProblem:
    return ApiProblem(422, "Some fields are not valid: see errors.", errors=writes.form_errors(form))


def _written(pilot_id: int, status: int = 200):
    db.session.commit()
    found = queries.load_pilot(pilot_id)
    response = jsonify(schemas.PilotDetail().dump(queries.detail(found, caller())))
    response.status_code = status
    if status == 201:
        response.headers["Location"] = url_for("api.pilot", pilot_id=pilot_id)
    return response


def update_pilot(values, pilot_id: int):
    """Change the given fields of a draft (``PATCH /pilots/<id>``)."""
    user = caller()
    found = visible_pilot(pilot_id)
    if found.status != Status.DRAFT or not permissions.can_edit(user, found):
        raise ApiProblem(403, "Only drafts you may edit can be changed through the API.")
    version = _expected_version(found)
    may_move = permissions.can_move(user, found)
    form = writes.pilot_form({**writes.stored_values(found), **values}, pilot=found, may_move=may_move)
    if not form.cleaned:
        raise _form_problem(form)
    try:
        operations.update_pilot(found, user, writes.content(form), version)
    except Conflict:
        db.session.rollback()
        raise ApiProblem(412, "The pilot changed meanwhile.") from None
    except PermissionError as exc:
        db.session.rollback()
        raise ApiProblem(403, str(exc)) from None
    except operations.TooManyLeads:
        db.session.rollback()
        raise _one_lead() from None
    return _written(found.id)


@bp.route("/pilots/<int:pilot_id>/actions/<action>", methods=["POST"])
@bp.doc(security=WRITE_SECURITY, summary="Take a workflow action", parameters=[
    IF_MATCH, {"name": "action", "in": "path", "required": True,
               "schema": {"type": "string", "enum": [str(a) for a in Action]}}])
@bp.arguments(schemas.ActionIn)
@bp.response(200, schemas.PilotDetail)
def act(values, pilot_id: int, action: str):
    """submit, approve, return, reject, revise, start, pause, resume, complete, evaluate, withdraw:
    who may take which, and what each needs, is the web's workflow (the pilot's `allowed_actions`)."""
    user = caller()
    found = visible_pilot(pilot_id)
    try:
        chosen = Action(action)
    except ValueError:
        raise ApiProblem(404, "No such action.") from None
    if not permissions.can_act(user, found, chosen):
        raise ApiProblem(403, "The workflow does not let you take this action now.")
    version = _expected_version(found)
    form = writes.action_form(chosen, values["comment"], values["on_date"])
    if form.errors:
        raise ApiProblem(422, errors=[{"pointer": "/on_date" if name == "on_date" else "/comment",
                                       "detail": str(message)}
                                      for name, messages in form.errors.items() for message in messages])
    try:
        operations.transition(found, chosen, user, comment=form.comment.data, expected_version=version,
                              on_date=form.on_date.data)
    except Conflict:
        db.session.rollback()
        raise ApiProblem(412, "The pilot changed meanwhile.") from None
    except Incomplete as exc:
        db.session.rollback()
        needed = "Required before the proposal can be submitted."
        raise ApiProblem(422, needed, errors=[{"pointer": f"/{name}", "detail": needed}
                                              for name in exc.missing]) from None
    except TransitionError as exc:
        db.session.rollback()
        if exc.kind is Refusal.DATE:
            raise ApiProblem(422, errors=[{"pointer": "/on_date", "detail":
                                           "The end date cannot be before the start date."}]) from None
        raise ApiProblem(403, "The workflow does not let you take this action now.") from None
    return _written(found.id)

