"""How a scope field's change to an approved pilot is judged and split (pure; no Flask, no DB).

The pilot field registry names each scope field's rule (``PilotField.scope``). Values are the
registry's stored forms (``tracker/audit_fields.py``): ISO dates, ``{partner_id, name, role}``
partner links, funding line records.

- ``material(old, new)``: whether this change needs a change request;
- ``requested(new)``: the part of the new value the change request holds;
- ``combine(base, requested)``: ``base`` with the requested part put in (what an accepted request
  gives, and, with the typed value as ``base`` and the current part, what applies directly).
"""

from __future__ import annotations

from datetime import date

MATERIAL_DAYS = 30  # a planned date moved by more than this many days is a change of scope


class Scope:
    """Any change of the field is a change of scope; the request holds the whole new value."""

    def material(self, old, new) -> bool:
        return old != new

    def requested(self, new):
        return new

    def combine(self, base, requested):
        return requested


class Moved(Scope):
    """A date: only moving it by more than ``MATERIAL_DAYS`` days (or setting/clearing it)."""

    def material(self, old, new) -> bool:
        if old is None or new is None:
            return old != new
        return abs((date.fromisoformat(new) - date.fromisoformat(old)).days) > MATERIAL_DAYS


class Lead(Scope):
    """Partner links: only the lead partner is scope; other links apply directly."""

    @staticmethod
    def _leads(links):
        return [link for link in links or [] if link["role"] == "lead"]

    def material(self, old, new) -> bool:
        def ids(links):
            return [link["partner_id"] for link in self._leads(links)]

        return ids(old) != ids(new)

    def requested(self, new):
        return self._leads(new)

    def combine(self, base, requested):
        return [link for link in base or [] if link["role"] != "lead"] + list(requested or [])


ANY, MOVED, LEAD = Scope(), Moved(), Lead()
