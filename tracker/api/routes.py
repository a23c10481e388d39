"""The JSON API v1: ``/api/v1/`` (OpenAPI 3.1 at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``).

Authentication is a personal access token (``Authorization: Bearer tta_...``, made on /account)
and nothing else: the browser's session cookie is ignored here, so no page of another site can
make a signed-in browser write through the API (which is why the blueprint needs no CSRF token).
Without a token a caller sees exactly the public register. Writes need a read+write token, a JSON
body (415 otherwise) and ``If-Match`` with the pilot's version (428 without, 412 when stale); they
go through the web's forms and operations (``tracker/api/writes.py``), and the audit entry names
the token. Errors are RFC 9457 ``application/problem+json``; every caller is throttled per token
(or per address without one): 429 with ``Retry-After``.
"""

from __future__ import annotations

import http
import re

import flask_smorest
from flask import current_app, g, jsonify, render_template, request, url_for
from flask.sansio.blueprints import Blueprint as FlaskBlueprint
from flask.views import MethodView
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException, default_exceptions

from tracker import events
from tracker.api import queries, schemas, tokens, writes
from tracker.db import db
from tracker.errors import answers_itself
from tracker.extensions import csrf, limiter
from tracker.guards import brings_own_body_guards
from tracker.locking import Conflict
from tracker.pilots import operations, permissions
from tracker.pilots.filters import PilotFilter
from tracker.pilots.operations import Incomplete
from tracker.pilots.workflow import Action, Refusal, Status, TransitionError

PREFIX = "/api/v1"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPES = frozenset({"application/json"})
PROBLEM = "application/problem+json"
READ_SECURITY = [{}, {"token": []}]
WRITE_SECURITY = [{"token": []}]

bp = brings_own_body_guards(flask_smorest.Blueprint(
    "api", __name__, url_prefix=PREFIX,
    description="Pilots, districts, partners and themes; drafts and workflow actions with a token."))
csrf.exempt(bp)  # no cookie authenticates here (see the module docstring)


class Api(flask_smorest.Api):
    """flask-smorest documenting every error as RFC 9457 problem details; the app keeps its own
    HTML error pages (the blueprint answers its errors itself)."""

    ERROR_SCHEMA = schemas.Problem

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                content_type = PROBLEM
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app) -> None:
    """Generate the document from the blueprint and register it (in ``register_blueprints``)."""
    app.config.setdefault("API_TITLE", "Testarena API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config["OPENAPI_URL_PREFIX"] = None  # the document and docs page are this blueprint's own
    api = Api()
    api.init_app(app, spec_kwargs={"info": {"description": __doc__.split("\n\n", 1)[1]}})
    api.spec.components.security_scheme("token", {
        "type": "http", "scheme": "bearer",
        "description": "A personal access token made under My account (`tta_...`)."})
    api.register_blueprint(bp)
    answers_itself(PREFIX + "/", problem_response)


def spec() -> dict:
    """This app's OpenAPI document."""
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


# -- problems ---------------------------------------------------------------------------------------
class ApiProblem(HTTPException):
    """An API error with problem details: ``errors`` name the fields, ``headers`` go along."""

    def __init__(self, code: int, detail: str | None = None, errors=None, headers=None):
        self.code = code
        super().__init__(detail)
        self.errors = errors or []
        self.extra_headers = headers or {}


def problem_response(error: HTTPException):
    """Any HTTP error as ``application/problem+json``."""
    code = error.code or 500
    body = {"type": "about:blank", "title": http.HTTPStatus(code).phrase, "status": code}
    errors = getattr(error, "errors", None)
    data = getattr(error, "data", None) or {}  # webargs: {"messages": {"json": {...}, "query": {...}}}
    if not errors and data.get("messages"):
        errors = []
        for location, messages in data["messages"].items():
            for entry in writes.pointers(messages):
                if location != "json":
                    name = entry["pointer"].strip("/").split("/")[0]
                    entry = {"parameter": name, "detail": entry["detail"]}
                errors.append(entry)
    detail = getattr(error, "description", None)
    if detail and code < 500 and not data:
        body["detail"] = str(detail)
    elif code == 422:
        body["detail"] = "Some fields are not valid: see errors."
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = code
    response.mimetype = PROBLEM
    for name, value in (getattr(error, "extra_headers", None) or {}).items():
        response.headers[name] = value
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if code == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="testarena"'
    return response


def _handle(error):
    if not isinstance(error, HTTPException):  # an unexpected exception: logged by Flask, answered 500
        current_app.logger.exception("API error", exc_info=error)
        error = ApiProblem(500)
    if error.code and error.code >= 500:
        db.session.rollback()
    return problem_response(error)


for _code in default_exceptions:
    bp.register_error_handler(_code, _handle)
bp.register_error_handler(HTTPException, _handle)


# -- authentication, body rules, throttle, CORS ----------------------------------------------------
def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def _throttle_key() -> str:
    secret = _bearer()
    return f"api-token:{tokens.digest(secret)[:32]}" if secret else f"api-addr:{request.remote_addr}"


def _throttle_limits() -> str:
    config = current_app.config
    return config["API_TOKEN_LIMITS"] if _bearer() else config["API_ANONYMOUS_LIMITS"]


limiter.limit(_throttle_limits, key_func=_throttle_key)(bp)


@bp.before_request
def _authenticate():
    g.api_token = g.api_user = None
    secret = _bearer()
    if secret is not None:
        token = tokens.find(secret) if secret else None
        if token is None:
            raise ApiProblem(401, "The token is unknown, expired or revoked.",
                             headers={"WWW-Authenticate": 'Bearer realm="testarena", error="invalid_token"'})
        g.api_token, g.api_user = token, token.user
        g.api_token_used = tokens.note_use(token)
    if request.method in WRITE_METHODS:
        if g.api_token is None:
            raise ApiProblem(401, "Changes need a personal access token (Authorization: Bearer ...).")
        if not g.api_token.writes:
            raise ApiProblem(403, "This token may only read.", headers={
                "WWW-Authenticate": 'Bearer realm="testarena", error="insufficient_scope"'})
        has_body = request.content_length not in (None, 0) or request.mimetype
        if has_body and request.mimetype not in JSON_TYPES:
            raise ApiProblem(415, "Send the body as application/json.")


@bp.after_request
def _after(response):
    if g.get("api_token_used") and response.status_code < 500:
        db.session.commit()  # the token's last use (reads change nothing else)
    if request.method in ("GET", "HEAD", "OPTIONS") and g.get("api_token") is None \
            and "Authorization" not in request.headers:
        # CORS for the public reads only: never with a token, never for a write.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET"
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    return response


@events.recorded.connect
def _name_the_token(sender, entry, actor, **extra) -> None:
    """An audit entry written while an API token acts names that token."""
    from flask import has_request_context

    if has_request_context() and g.get("api_token") is not None:
        entry.token_id = g.api_token.id


def _user():
    return g.get("api_user")


def _conditional(data, status: int = 200):
    """JSON with a strong ETag of its body; a matching ``If-None-Match`` gets 304."""
    response = jsonify(data)
    response.status_code = status
    response.add_etag()
    return response.make_conditional(request)


def _undocumented(rule: str, endpoint: str):
    def register(view):
        FlaskBlueprint.add_url_rule(bp, rule, endpoint, view)
        return view
    return register


# -- document and docs -------------------------------------------------------------------------------
@_undocumented("/openapi.json", "openapi")
def openapi():
    return jsonify(spec())


@_undocumented("/docs", "docs")
def docs():
    return render_template("api/docs.html", spec_url=url_for("api.openapi"))


# -- reads -----------------------------------------------------------------------------------------
IF_MATCH = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
            "description": 'The pilot\'s `version` as you last read it, e.g. `"3"` (412 if it moved on).'}
NOT_MODIFIED = {"description": "Not modified (If-None-Match matched the ETag)."}


@bp.route("/pilots", endpoint="pilots")
class Pilots(MethodView):
    """The pilot list (GET) and new drafts (POST): one URL, one endpoint."""

    @bp.doc(security=READ_SECURITY, summary="Pilots the caller may see", responses={"304": NOT_MODIFIED})
    @bp.arguments(schemas.PilotFilterArgs, location="query", as_kwargs=True)
    @bp.response(200, schemas.PilotPage, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, limit, cursor=None, **filters):
        """Filters as on the district page; keyset paging in id order (`next_cursor`)."""
        after = _after_id(cursor)
        pilot_filter = PilotFilter(q=filters.get("q", "").strip(), district=filters.get("district"),
                                   status=filters.get("status"), theme=filters.get("theme"),
                                   arena=filters.get("arena"), partner=filters.get("partner"),
                                   year=filters.get("year"))
        rows, next_cursor = queries.pilot_page(_user(), pilot_filter, after, limit)
        page = {"items": [queries.summary(p) for p in rows], "next_cursor": next_cursor}
        return _conditional(schemas.PilotPage().dump(page))

    @bp.doc(security=WRITE_SECURITY, summary="Create a draft")
    @bp.arguments(schemas.NewPilotIn)
    @bp.response(201, schemas.PilotDetail)
    def post(self, values):
        """A new draft owned by the token's user; the proposal form's rules apply."""
        return create_pilot(values)


def create_pilot(values):
    user = _user()
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


def _after_id(cursor: str | None) -> int | None:
    try:
        return queries.decode_cursor(cursor)
    except ValueError:
        problem = {"parameter": "cursor", "detail": "Not a cursor of this API."}
        raise ApiProblem(422, errors=[problem]) from None


def _visible_pilot(pilot_id: int):
    pilot = queries.load_pilot(pilot_id)
    if pilot is None or not permissions.can_view(_user(), pilot):
        raise ApiProblem(404, "No such pilot (or not visible to you).")
    return pilot


@bp.route("/pilots/<int:pilot_id>", endpoint="pilot")
class OnePilot(MethodView):
    """One pilot (GET) and changes to a draft (PATCH): one URL, one endpoint."""

    @bp.doc(security=READ_SECURITY, summary="One pilot", responses={"304": NOT_MODIFIED})
    @bp.response(200, schemas.PilotDetail, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, pilot_id: int):
        """Partners, status history, outcome and KPIs; funding and contacts for signed-in callers only."""
        found = _visible_pilot(pilot_id)
        return _conditional(schemas.PilotDetail().dump(queries.detail(found, _user())))

    @bp.doc(security=WRITE_SECURITY, summary="Update a draft", parameters=[IF_MATCH])
    @bp.arguments(schemas.PilotIn)
    @bp.response(200, schemas.PilotDetail)
    def patch(self, values, pilot_id: int):
        """Change the given fields of a draft (other statuses: on the pilot's page, where later changes
        to the scope need a change request)."""
        return update_pilot(values, pilot_id)


@bp.route("/districts", methods=["GET"])
@bp.doc(security=READ_SECURITY, summary="Districts with their pilot counts", responses={"304": NOT_MODIFIED})
@bp.response(200, schemas.DistrictOut(many=True))
def districts():
    return _conditional(schemas.DistrictOut(many=True).dump(queries.districts(_user())))


@bp.route("/partners", methods=["GET"])
@bp.doc(security=READ_SECURITY, summary="Partners (anonymous: those in public pilots)",
        responses={"304": NOT_MODIFIED})
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.PartnerPage)
def partners(limit, cursor=None):
    after = _after_id(cursor)
    items, next_cursor = queries.partner_page(_user(), after, limit)
    return _conditional(schemas.PartnerPage().dump({"items": items, "next_cursor": next_cursor}))


@bp.route("/themes", methods=["GET"])
@bp.doc(security=READ_SECURITY, summary="Themes in use", responses={"304": NOT_MODIFIED})
@bp.response(200, schemas.ThemeOut(many=True))
def themes():
    return _conditional(schemas.ThemeOut(many=True).dump(queries.themes()))


# -- writes ----------------------------------------------------------------------------------------
_VERSION = re.compile(r'\s*(?:W/)?"?([1-9][0-9]{0,9})"?\s*')


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
    response = jsonify(schemas.PilotDetail().dump(queries.detail(found, _user())))
    response.status_code = status
    if status == 201:
        response.headers["Location"] = url_for("api.pilot", pilot_id=pilot_id)
    return response


def update_pilot(values, pilot_id: int):
    user = _user()
    found = _visible_pilot(pilot_id)
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
    user = _user()
    found = _visible_pilot(pilot_id)
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

