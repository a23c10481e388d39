"""The API's request and response shapes (marshmallow): the OpenAPI document is generated from them.

Names follow the pilot field registry (``tracker/pilots/audit_fields.py``): a response leaves out
every field the registry does not mark ``public`` when the caller may not see internal fields, and
a request body carries the proposal form's fields under the form's names (references as ids), so
the form's own rules check it (``tracker/api/writes.py``).
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from tracker.guards import MAX_DB_ID, has_hidden_characters
from tracker.pilots.models import (
    DATE_MAX,
    DATE_MIN,
    FUNDING_AMOUNT_MAX,
    FUNDING_YEAR_MAX,
    FUNDING_YEAR_MIN,
    ArenaKind,
    FundingKind,
    PartnerRole,
    SourceType,
    Verdict,
)
from tracker.pilots.workflow import Action, Status

TEXT_MAX = 10_000


class Text(fields.String):
    """A string without invisible control characters (the form guard's rule), at most ``max`` long."""

    def __init__(self, max: int = 200, **kwargs):
        super().__init__(validate=[validate.Length(max=max), self._visible], **kwargs)

    @staticmethod
    def _visible(value: str) -> None:
        if "\x00" in value or has_hidden_characters(value):
            raise ma.ValidationError("The text contains invisible control characters.")


def Id(strict: bool = True, **kwargs) -> fields.Integer:
    """An id: a JSON integer in a body, digits in a query string."""
    return fields.Integer(strict=strict, validate=validate.Range(1, MAX_DB_ID), **kwargs)


def OneOf(enum, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf([str(v) for v in enum]), **kwargs)


def Day(**kwargs) -> fields.Date:
    return fields.Date(validate=validate.Range(DATE_MIN, DATE_MAX), **kwargs)


class Strict(ma.Schema):
    """Unknown fields are an error (a typo must not be silently ignored)."""

    class Meta:
        unknown = ma.RAISE


class Lenient(ma.Schema):
    """Query strings: unknown arguments are ignored (caches and tracking add their own), and an
    empty one (``?status=``, what an HTML form sends for a blank field) is no argument at all."""

    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def _empty_is_absent(self, data, **kwargs):
        return {name: value for name, value in data.items() if value != ""}


# -- references ---------------------------------------------------------------------------------
class DistrictRef(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)


class ThemeOut(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name_nb = fields.String(required=True)
    name_en = fields.String(required=True)


class PartnerRef(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


# -- pilots ---------------------------------------------------------------------------------------
class PilotFilterArgs(Lenient):
    """The district page's filters (``tracker/pilots/filters.py``) plus keyset paging."""

    q = Text(max=200, metadata={
        "description": "The title contains it (any case), or the full-text search finds it."})
    district = Id(strict=False, metadata={"description": "District id."})
    status = OneOf(Status)
    theme = Id(strict=False, metadata={"description": "Theme id."})
    arena = OneOf(ArenaKind, metadata={"description": "Arena kind."})
    partner = Id(strict=False, metadata={"description": "Partner id: pilots this partner takes part in."})
    year = fields.Integer(strict=False, validate=validate.Range(FUNDING_YEAR_MIN, FUNDING_YEAR_MAX),
                          metadata={"description": "Active in this year (actual, else planned period)."})
    limit = fields.Integer(strict=False, validate=validate.Range(1, 100), load_default=50,
                           metadata={"description": "Pilots per page (1-100)."})
    cursor = fields.String(validate=validate.Length(max=40), metadata={
        "description": "Opaque: the `next_cursor` of the previous page. Pages are in ascending id order."})


class PilotSummary(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    district = fields.Nested(DistrictRef, required=True)
    status = OneOf(Status, required=True)
    arena_kind = OneOf(ArenaKind, required=True)
    themes = fields.List(fields.Nested(ThemeOut), required=True)
    planned_start = fields.Date(allow_none=True, required=True)
    planned_end = fields.Date(allow_none=True, required=True)
    actual_start = fields.Date(allow_none=True, required=True)
    actual_end = fields.Date(allow_none=True, required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "Send it as `If-Match` to change the pilot."})
    url = fields.String(required=True, metadata={"description": "This pilot in the API."})


class PilotPage(ma.Schema):
    items = fields.List(fields.Nested(PilotSummary), required=True)
    next_cursor = fields.String(allow_none=True, required=True, metadata={
        "description": "Pass as `cursor` for the next page; null on the last."})


class PartnerLinkOut(ma.Schema):
    partner = fields.Nested(PartnerRef, required=True)
    role = OneOf(PartnerRole, required=True)


class FundingOut(ma.Schema):
    year = fields.Integer(required=True)
    source_type = OneOf(SourceType, required=True)
    partner = fields.Nested(PartnerRef, allow_none=True, required=True)
    source = fields.String(required=True)
    amount = fields.Integer(required=True, metadata={"description": "Whole NOK."})
    kind = OneOf(FundingKind, required=True)


class StatusEventOut(ma.Schema):
    on = fields.Date(required=True, metadata={"description": "The day of the change (Europe/Oslo)."})
    action = OneOf(Action, allow_none=True, required=True)
    from_status = OneOf(Status, allow_none=True, required=True)
    to_status = OneOf(Status, required=True)
    comment = fields.String(metadata={"description": "Signed-in callers only."})


class KpiOut(ma.Schema):
    name = fields.String(required=True)
    unit = fields.String(required=True)
    baseline = fields.Float(allow_none=True, required=True)
    target = fields.Float(allow_none=True, required=True)
    actual = fields.Float(allow_none=True, required=True)


class OutcomeOut(ma.Schema):
    verdict = OneOf(Verdict, required=True)
    summary = fields.String(required=True)
    lessons = fields.String(required=True)
    next_steps = fields.String(required=True)
    kpis = fields.List(fields.Nested(KpiOut), required=True)


class PilotDetail(PilotSummary):
    need = fields.String(required=True)
    description = fields.String(required=True)
    goals = fields.String(required=True)
    location = fields.String(required=True)
    agency = fields.String(required=True)
    partners = fields.List(fields.Nested(PartnerLinkOut), required=True)
    status_history = fields.List(fields.Nested(StatusEventOut), required=True)
    outcome = fields.Nested(OutcomeOut, allow_none=True, required=True, metadata={
        "description": "Anonymous callers: once the pilot is evaluated."})
    # Not public (the registry's ``public=False``): signed-in callers only.
    contact_name = fields.String()
    contact_email = fields.String()
    contact_phone = fields.String()
    is_public = fields.Boolean()
    funding = fields.List(fields.Nested(FundingOut))
    allowed_actions = fields.List(OneOf(Action), metadata={
        "description": "Workflow actions the token's user may take now (token callers only)."})


# -- writes ---------------------------------------------------------------------------------------
class PartnerLinkIn(Strict):
    partner = Id(required=True)
    role = OneOf(PartnerRole, required=True)


class FundingIn(Strict):
    year = fields.Integer(strict=True, required=True,
                          validate=validate.Range(FUNDING_YEAR_MIN, FUNDING_YEAR_MAX))
    source_type = OneOf(SourceType, required=True)
    partner = Id(allow_none=True, load_default=None, metadata={
        "description": "When the source is a partner."})
    source = Text(max=200, load_default="")
    amount = fields.Integer(strict=True, required=True, validate=validate.Range(0, FUNDING_AMOUNT_MAX))
    kind = OneOf(FundingKind, load_default=str(FundingKind.CASH))


class PilotIn(Strict):
    """The proposal form's fields; on update only those given change."""

    title = Text(max=200)
    district = Id(metadata={"description": "District id."})
    arena_kind = OneOf(ArenaKind)
    themes = fields.List(Id(), validate=validate.Length(max=50), metadata={"description": "Theme ids."})
    need = Text(max=TEXT_MAX)
    description = Text(max=TEXT_MAX)
    goals = Text(max=TEXT_MAX)
    location = Text(max=300)
    planned_start = Day(allow_none=True)
    planned_end = Day(allow_none=True)
    agency = Text(max=200)
    contact_name = Text(max=200)
    contact_email = Text(max=254)
    contact_phone = Text(max=40)
    is_public = fields.Boolean()
    partners = fields.List(fields.Nested(PartnerLinkIn), validate=validate.Length(max=50))
    funding = fields.List(fields.Nested(FundingIn), validate=validate.Length(max=100))


class NewPilotIn(PilotIn):
    title = Text(max=200, required=True)
    district = Id(required=True, metadata={"description": "District id."})


class ActionIn(Strict):
    comment = Text(max=TEXT_MAX, load_default="")
    on_date = Day(allow_none=True, load_default=None, metadata={
        "description": "The actual start (start) or end (complete); today by default."})


# -- the rest -------------------------------------------------------------------------------------
class DistrictOut(ma.Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    focus = fields.String(required=True)
    retired = fields.Boolean(required=True)
    pilot_count = fields.Integer(required=True, metadata={"description": "Pilots the caller may see."})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class PartnerOut(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    org_number = fields.String(allow_none=True, required=True)
    website = fields.String(required=True)
    pilot_count = fields.Integer(required=True, metadata={"description": "Pilots the caller may see."})


class ListArgs(Lenient):
    limit = fields.Integer(strict=False, validate=validate.Range(1, 500), load_default=100)
    cursor = fields.String(validate=validate.Length(max=40))


class PartnerPage(ma.Schema):
    items = fields.List(fields.Nested(PartnerOut), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class Problem(ma.Schema):
    """RFC 9457 problem details; ``errors`` names each field (JSON pointer) or parameter at fault."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Dict())
