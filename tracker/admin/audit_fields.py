"""The audited fields of districts and themes, as ``tracker/admin/operations.py`` records them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.audit_fields import BOOL, Field, Records, Ref, by_name, declare

SLUG = Field("slug", _l("Short name in web addresses"))
RETIRED = Field("retired", _l("Retired"), BOOL)

DISTRICT = declare(
    "district",
    SLUG,
    Field("name", _l("Name")),
    Field("description", _l("Description")),
    Field("focus", _l("Focus")),
    Field("description_en", _l("Description in English")),
    Field("focus_en", _l("Focus in English")),
    Field("coordinators", _l("Coordinators"), Records(Ref("user"), key=by_name)),
    RETIRED,
    Field("publishes_funding", _l("Publishes funding in the public register"), BOOL),
)

THEME = declare(
    "theme",
    SLUG,
    Field("name_nb", _l("Name in Norwegian")),
    Field("name_en", _l("Name in English")),
    RETIRED,
)
