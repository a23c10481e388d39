"""The API's reads: pilots (one URL with the draft writes of ``tracker/api/edits.py``), districts,
partners and themes, each with a strong ETag (``If-None-Match`` gets 304).

The pilot list, the API's busiest read, answers from the page cache (``tracker/districts/cache.py``:
per process, or shared through Redis) keyed by who the caller reads as (anonymous, a role that
sees everything, or one user), the parsed arguments and the data version, so no caller is served
rows only another may see and any committed change is seen at once.
"""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from tracker.api import edits, queries, routes, schemas
from tracker.api.routes import READ_SECURITY, WRITE_SECURITY, ApiProblem, bp, caller, conditional
from tracker.districts import cache
from tracker.pilots.filters import PilotFilter

NOT_MODIFIED = {"description": "Not modified (If-None-Match matched the ETag)."}
FILTERS = ("q", "district", "status", "theme", "arena", "partner", "year")


def _after_id(cursor: str | None) -> int | None:
    try:
        return queries.decode_cursor(cursor)
    except ValueError:
        problem = {"parameter": "cursor", "detail": "Not a cursor of this API."}
        raise ApiProblem(422, errors=[problem]) from None


def _pilot_page(limit: int, after: int | None, filters: dict) -> tuple[str, str]:
    """The page's JSON text and its ETag."""
    pilot_filter = PilotFilter(**filters)
    response = current_app.json.response(queries.pilot_page(caller(), pilot_filter, after, limit))
    response.add_etag()
    return response.get_data(as_text=True), response.get_etag()[0]


@bp.route("/pilots", endpoint="pilots")
class Pilots(MethodView):
    """The pilot list (GET) and new drafts (POST): one URL, one endpoint."""

    @bp.doc(security=READ_SECURITY, summary="Pilots the caller may see", responses={"304": NOT_MODIFIED})
    @bp.arguments(schemas.PilotFilterArgs, location="query", as_kwargs=True)
    @bp.response(200, schemas.PilotPage, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, limit, cursor=None, **arguments):
        """Filters as on the district page; keyset paging in id order (`next_cursor`)."""
        after = _after_id(cursor)
        filters = {name: arguments.get(name) for name in FILTERS}
        filters["q"] = (filters["q"] or "").strip()
        key = ("api:pilots", cache.viewer_of(caller()), limit, after, tuple(filters.items()))
        body, etag = cache.cached(key, lambda: _pilot_page(limit, after, filters))
        response = current_app.response_class(body, mimetype="application/json")
        response.set_etag(etag)
        return response.make_conditional(request)

    @bp.doc(security=WRITE_SECURITY, summary="Create a draft")
    @bp.arguments(schemas.NewPilotIn)
    @bp.response(201, schemas.PilotDetail)
    def post(self, values):
        """A new draft owned by the token's user; the proposal form's rules apply."""
        return edits.create_pilot(values)


@bp.route("/pilots/<int:pilot_id>", endpoint="pilot")
class OnePilot(MethodView):
    """One pilot (GET) and changes to a draft (PATCH): one URL, one endpoint."""

    @bp.doc(security=READ_SECURITY, summary="One pilot", responses={"304": NOT_MODIFIED})
    @bp.response(200, schemas.PilotDetail, headers={"ETag": {"schema": {"type": "string"}}})
    def get(self, pilot_id: int):
        """Partners, status history, outcome and KPIs; funding and contacts for signed-in callers only."""
        found = routes.visible_pilot(pilot_id)
        return conditional(schemas.PilotDetail().dump(queries.detail(found, caller())))

    @bp.doc(security=WRITE_SECURITY, summary="Update a draft", parameters=[edits.IF_MATCH])
    @bp.arguments(schemas.PilotIn)
    @bp.response(200, schemas.PilotDetail)
    def patch(self, values, pilot_id: int):
        """Change the given fields of a draft (other statuses: on the pilot's page, where later changes
        to the scope need a change request)."""
        return edits.update_pilot(values, pilot_id)


@bp.route("/districts", methods=["GET"])
@bp.doc(security=READ_SECURITY, summary="Districts with their pilot counts", responses={"304": NOT_MODIFIED})
@bp.response(200, schemas.DistrictOut(many=True))
def districts():
    return conditional(schemas.DistrictOut(many=True).dump(queries.districts(caller())))


@bp.route("/partners", methods=["GET"])
@bp.doc(security=READ_SECURITY, summary="Partners (anonymous: those in public pilots)",
        responses={"304": NOT_MODIFIED})
@bp.arguments(schemas.ListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.PartnerPage)
def partners(limit, cursor=None):
    after = _after_id(cursor)
    items, next_cursor = queries.partner_page(caller(), after, limit)
    return conditional(schemas.PartnerPage().dump({"items": items, "next_cursor": next_cursor}))


@bp.route("/themes", methods=["GET"])
@bp.doc(security=READ_SECURITY, summary="Themes in use", responses={"304": NOT_MODIFIED})
@bp.response(200, schemas.ThemeOut(many=True))
def themes():
    return conditional(schemas.ThemeOut(many=True).dump(queries.themes()))
