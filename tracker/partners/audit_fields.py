"""The partner's audited fields, as ``tracker/partners/operations.py`` records them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.audit_fields import NUMBER, Choice, Field, Ref, declare
from tracker.partners.forms import LABELS

PARTNER = declare(
    "partner",
    *(Field(name, text) for name, text in LABELS.items() if name not in ("kind", "country")),
    Field("kind", LABELS["kind"], Choice("partner_kind")),
    Field("country", LABELS["country"], Choice("country")),
    Field("merged_into", _l("Merged into"), Ref("partner")),
    Field("merged_from", _l("Merged from"), Ref("partner")),
    Field("links_moved", _l("Pilot links moved"), NUMBER),
    Field("links_dropped", _l("Duplicate pilot links dropped"), NUMBER),
    Field("funding_lines_moved", _l("Funding lines moved"), NUMBER),
)
