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

import flask_smorest
from flask import current_app, g, jsonify, render_template, request, url_for
from flask.sansio.blueprints import Blueprint as FlaskBlueprint
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException, default_exceptions

from tracker import events
from tracker.api import queries, reference, schemas, tokens, writes
from tracker.db import db
from tracker.errors import answers_itself
from tracker.extensions import csrf, limiter
from tracker.guards import brings_own_body_guards
from tracker.pilots import permissions

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
    from tracker.api import edits, resources  # noqa: F401 (their routes join the blueprint)

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


def caller():
    """The token's user, or None for an anonymous caller."""
    return g.get("api_user")


def conditional(data, status: int = 200):
    """JSON with a strong ETag of its body; a matching ``If-None-Match`` gets 304."""
    response = jsonify(data)
    response.status_code = status
    response.add_etag()
    return response.make_conditional(request)


def visible_pilot(pilot_id: int):
    """The pilot, fully loaded, if the caller may see it; 404 otherwise."""
    pilot = queries.load_pilot(pilot_id)
    if pilot is None or not permissions.can_view(caller(), pilot):
        raise ApiProblem(404, "No such pilot (or not visible to you).")
    return pilot


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
    document = spec()
    return render_template("api/docs.html", spec_url=url_for("api.openapi"),
                           operations=reference.operations(document), schemas=reference.schemas(document))
