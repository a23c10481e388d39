"""The pilot's audited fields, as ``tracker/pilots/operations.py`` records them (label and kind).

Content fields are named as in the proposal form (``district``, not ``district_id``), so their
labels also name the proposal's required fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.audit_fields import (
                                  BOOL,
                                  DATE,
                                  TEXT,
                                  Choice,
                                  Field,
                                  FundingLine,
                                  Kpi,
                                  PartnerLink,
                                  Records,
                                  Ref,
                                  by_name,
                                  declare,
)

PILOT = declare(
    "pilot",
    Field("title", _l("Title")),
    Field("district", _l("District"), Ref("district")),
    Field("arena_kind", _l("Arena kind"), Choice("arena_kind")),
    Field("themes", _l("Themes"), Records(Ref("theme", "name_nb", "name_en"), key=by_name)),
    Field("need", _l("Need (the problem)")),
    Field("description", _l("Description (what is tested)")),
    Field("goals", _l("Goals and success criteria")),
    Field("location", _l("Location")),
    Field("planned_start", _l("Planned start"), DATE),
    Field("planned_end", _l("Planned end"), DATE),
    Field("actual_start", _l("Actual start"), DATE),
    Field("actual_end", _l("Actual end"), DATE),
    Field("agency", _l("Responsible agency")),
    Field("contact_name", _l("Contact name")),
    Field("contact_email", _l("Contact e-mail")),
    Field("contact_phone", _l("Contact phone")),
    Field("is_public", _l("In the public register"), BOOL),
    Field("partners", _l("Partners"), Records(PartnerLink(), key=by_name)),
    Field("funding", _l("Funding"), Records(FundingLine())),
    Field("status", _l("Status"), Choice("status")),
    Field("comment", _l("Comment"), TEXT),
    Field("verdict", _l("Verdict"), Choice("verdict")),
    Field("summary", _l("Summary")),
    Field("lessons", _l("Lessons learned")),
    Field("next_steps", _l("Next steps")),
    Field("kpis", _l("Key performance indicators"), Records(Kpi())),
    Field("owner", _l("Owner"), Ref("user")),
    Field("merged_partner", _l("Partner merged"), Ref("partner")),
)
