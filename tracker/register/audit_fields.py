"""The audited fields of a followed district (``tracker/register/operations.py`` records them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.audit_fields import Field, declare

SOURCE = declare(
    "network_source",
    Field("url", _l("Address of the followed district")),
    Field("name", _l("Name")),
)
