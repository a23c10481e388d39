"""The audited fields of each entity: name, label and kind, declared once beside their operations.

A domain declares its fields in ``tracker/<domain>/audit_fields.py`` (as Indico's operations
declare the fields they log). A field's *kind* says what is stored and how it is shown:

- ``store`` turns a value (a model object, a tuple, a dict, a number) into plain JSON: text,
  booleans, ISO dates, enum codes, numbers as decimal strings, references as ``{id, name}`` (the
  name at the time), lists of records. It is idempotent; "did it change" compares stored forms.
- ``show`` turns a stored value into the text a reader sees, in the page's language.

``tracker/history.py`` renders entries through these declarations and parses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from tracker import audit
from tracker.formatting import fmt_date, fmt_nok
from tracker.i18n import current_language
from tracker.labels import label
from tracker.pilots.funding import source_label

DASH = "–"


def _get(value, key: str):
    return value.get(key) if isinstance(value, dict) else getattr(value, key)


def decimal_text(value) -> str | None:
    """``12.5`` → ``"12.5"``, ``10.0`` → ``"10"``: the exact number as text (None stays None)."""
    if value is None or value == "":
        return None
    number = Decimal(str(value))
    return format(number.normalize(), "f") if number.is_finite() else str(number)


def gone(entity: str, ident) -> str:
    """How an object that no longer exists is named: "Partner #15 (deleted)"."""
    return _("%(what)s #%(id)s (deleted)", what=label("entity", entity), id=ident)


class Kind:
    """Plain text; "nothing" (None or "") is stored as None."""

    def store(self, value: Any) -> Any:
        return None if value is None or value == "" else str(value)

    def show(self, value: Any) -> str:
        return DASH if value is None or value == "" else str(value)


class Bool(Kind):
    def store(self, value):
        return None if value is None else bool(value)

    def show(self, value):
        return DASH if value is None else (_("Yes") if value else _("No"))


class Day(Kind):
    def store(self, value):
        return value.isoformat() if isinstance(value, date | datetime) else super().store(value)

    def show(self, value):
        if not isinstance(value, str):
            return super().show(value)
        try:
            return fmt_date(datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value))
        except ValueError:
            return value


class Number(Kind):
    def store(self, value):
        return decimal_text(value)

    def show(self, value):
        if value is None:
            return DASH
        try:
            return format_decimal(Decimal(value), format="#,##0.##")
        except (InvalidOperation, ValueError, TypeError):
            return str(value)


class Choice(Kind):
    """An enum code, shown as its label (``tracker/labels.py`` kind ``labels``)."""

    def __init__(self, labels: str):
        self.labels = labels

    def show(self, value):
        return DASH if value is None else label(self.labels, value)


class Ref(Kind):
    """Another object, stored as ``{id, name}`` (the name at the time; ``name_en`` where there is one)."""

    def __init__(self, entity: str, name: str = "name", name_en: str | None = None):
        self.entity, self.name, self.name_en = entity, name, name_en

    def store(self, value):
        if value is None or isinstance(value, dict):
            return value
        stored = {"id": value.id, "name": getattr(value, self.name)}
        if self.name_en:
            stored["name_en"] = getattr(value, self.name_en)
        return stored

    def show(self, value):
        if value is None:
            return DASH
        name = value.get("name")
        if value.get("name_en") and current_language().startswith("en"):
            name = value["name_en"]
        return name if name is not None else gone(self.entity, value.get("id"))


class Records(Kind):
    """A list of ``item`` values (sorted by ``key`` when their order means nothing); empty is None."""

    def __init__(self, item: Kind, key=None):
        self.item, self.key = item, key

    def store(self, value):
        if not value:
            return None
        items = [self.item.store(v) for v in value]
        return sorted(items, key=self.key) if self.key else items

    def show(self, value):
        if not value:
            return DASH
        return "; ".join(self.item.show(v) for v in value)


class PartnerLink(Kind):
    """A pilot's link to a partner: ``(partner, role)`` or a link row → ``{partner_id, name, role}``."""

    def store(self, value):
        if isinstance(value, dict):
            return value
        partner, role = value if isinstance(value, tuple) else (value.partner, value.role)
        return {"partner_id": partner.id, "name": partner.name, "role": str(role)}

    def show(self, value):
        return f"{value['name']} ({label('partner_role', value['role'])})"


class FundingLine(Kind):
    """``{year, source_type, partner_id, source, amount, kind}``; a partner's source is its name."""

    def store(self, value):
        partner = value.get("partner") if isinstance(value, dict) else value.partner
        partner_id, source = (partner.id, partner.name) if partner is not None else (
            _get(value, "partner_id"), _get(value, "source"))
        return {"year": int(_get(value, "year")), "source_type": str(_get(value, "source_type")),
                "partner_id": partner_id, "source": source,
                "amount": decimal_text(_get(value, "amount")), "kind": str(_get(value, "kind"))}

    def show(self, value):
        line = SimpleNamespace(partner=None, source=value["source"], source_type=value["source_type"])
        return _("%(year)s: %(source)s, %(amount)s NOK (%(kind)s)", year=value["year"],
                 source=source_label(line), amount=fmt_nok(int(value["amount"])),
                 kind=label("funding_kind", value["kind"]))


class Kpi(Kind):
    """``{name, unit, baseline, target, actual}``, the numbers as decimal strings."""

    NUMBERS = ("baseline", "target", "actual")

    def store(self, value):
        return {"name": _get(value, "name"), "unit": _get(value, "unit") or "",
                **{k: decimal_text(_get(value, k)) for k in self.NUMBERS}}

    def show(self, value):
        name = f"{value['name']} ({value['unit']})" if value["unit"] else value["name"]
        number = Number()
        return _("%(name)s: baseline %(baseline)s, target %(target)s, actual %(actual)s", name=name,
                 baseline=number.show(value["baseline"]), target=number.show(value["target"]),
                 actual=number.show(value["actual"]))


TEXT, BOOL, DATE, NUMBER = Kind(), Bool(), Day(), Number()


def by_name(value: dict) -> tuple:
    """Sort key of references and partner links: by name (then role)."""
    return (value.get("name") or "", value.get("role") or "", value.get("id") or 0)


@dataclass(frozen=True)
class Field:
    """One audited field; the pilot field registry (name, label, kind, ...) can extend this."""

    name: str
    label: Any  # a lazy translated string
    kind: Kind = TEXT


class Fields:
    """The declared fields of one entity."""

    def __init__(self, entity: str, fields: tuple[Field, ...]):
        self.entity = entity
        self.by_name = {f.name: f for f in fields}

    def __getitem__(self, name: str) -> Field:
        return self.by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def labels(self) -> dict[str, str]:
        return {name: f.label for name, f in self.by_name.items()}

    def store(self, name: str, value) -> Any:
        return self.by_name[name].kind.store(value)

    def changed(self, pairs: dict[str, tuple]) -> dict[str, tuple]:
        """``{field: (old, new)}`` stored, keeping only the fields whose stored values differ.

        A field that is not declared raises ``KeyError``: everything audited has a label and a kind.
        """
        changes = {}
        for name, (old, new) in pairs.items():
            old, new = self.store(name, old), self.store(name, new)
            if old != new:
                changes[name] = (old, new)
        return changes

    def record(self, actor, entity_id: int | None, action: str, pairs: dict[str, tuple] | None = None):
        """Write an audit entry with the changed fields of ``pairs`` (see :meth:`changed`)."""
        return audit.record(actor, self.entity, entity_id, action, self.changed(pairs or {}))


REGISTRY: dict[str, Fields] = {}


def declare(entity: str, *fields: Field) -> Fields:
    """Declare the audited fields of ``entity`` (once; a second declaration is a mistake)."""
    if entity in REGISTRY:
        raise ValueError(f"audited fields of {entity!r} declared twice")
    REGISTRY[entity] = Fields(entity, fields)
    return REGISTRY[entity]
