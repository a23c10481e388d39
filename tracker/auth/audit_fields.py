"""The user's audited fields, as ``tracker/auth/operations.py`` records them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.audit_fields import BOOL, Choice, Field, Records, Ref, by_name, declare

USER = declare(
    "user",
    Field("email", _l("E-mail")),
    Field("name", _l("Name")),
    Field("role", _l("Role"), Choice("role")),
    Field("agency", _l("Responsible agency")),
    Field("districts", _l("Districts"), Records(Ref("district"), key=by_name)),
    Field("active", _l("Active"), BOOL),
)
