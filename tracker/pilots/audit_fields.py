"""The pilot's field registry: every field declared once, and what each part of the app derives.

One :class:`PilotField` per field, in the order the proposal form shows them: its label and kind
(how the history stores and shows it, ``tracker/audit_fields.py``), and where it takes part:

- ``section``: the proposal-form section it is shown in (None: not on the form);
- ``required``: needed before a proposal is submitted (``required_for_submit``);
- ``public``: shown in the public register (and its exports) as well as to signed-in users;
- ``export``: how the district pilot list's CSV/XLSX column is filled (None: not exported);
- ``searchable``, ``audited``; ``scope``: after approval the owner's change needs a change request,
  judged by the rule given (``tracker/pilots/scope.py``: any change, a date moved by more than 30
  days, the lead partner).

Derived here: the form order (``form_fields``), the required-for-submit names, the scalar
columns the form sets, the export columns (``exported``) and the history's declaration (``PILOT``).
The forms, the conflict view and the export read these; adding a field is one entry here plus its
migration (``tests/test_field_registry.py`` proves it).

This lives in the pilots layer, not in the pure ``workflow.py``: labels are lazy Flask-Babel
strings and kinds format through Flask-Babel. The workflow receives the required names as a
plain tuple (``missing_for_submit(values, required_for_submit())``) and stays free of Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.audit_fields import (
    BOOL,
    DATE,
    NUMBER,
    TEXT,
    Choice,
    Field,
    FundingLine,
    Kind,
    Kpi,
    PartnerLink,
    Records,
    Ref,
    by_name,
    decimal_text,
    declare,
)
from tracker.labels import label
from tracker.pilots.scope import ANY, LEAD, MATERIAL_DAYS, MOVED, Scope


class PlannedKpi(Kpi):
    """A KPI of the pilot's plan: ``{name, unit, baseline, target}`` (numbers as decimal strings)."""

    NUMBERS = ("baseline", "target")

    def show(self, value):
        name = f"{value['name']} ({value['unit']})" if value["unit"] else value["name"]
        return _("%(name)s: baseline %(baseline)s, target %(target)s", name=name,
                 baseline=NUMBER.show(value["baseline"]), target=NUMBER.show(value["target"]))


class InterimValue(Kind):
    """An interim KPI value of a progress report: ``(planned kpi, value)`` → ``{name, unit, value}``."""

    def store(self, value):
        if isinstance(value, dict):
            return value
        kpi, number = value
        return {"name": kpi.name, "unit": kpi.unit or "", "value": decimal_text(number)}

    def show(self, value):
        return f"{value['name']}: {NUMBER.show(value['value'])} {value['unit']}".rstrip()

RELATION = None  # ``column`` of a field that is a relation (themes, partners, funding), not a column


def _value(attr: str):
    return lambda pilot, locale: getattr(pilot, attr)


def _labelled(kind: str, attr: str):
    return lambda pilot, locale: label(kind, getattr(pilot, attr))


@dataclass(frozen=True)
class PilotField(Field):
    """One pilot field; see the module docstring for what each attribute drives."""

    column: str | None = ""  # the model attribute ("" = the name; RELATION = not a column)
    section: str | None = None
    row: str | None = None  # fields sharing a row key stand side by side on the form
    form_label: Any = None  # the form's label when it differs from ``label``
    hint: Any = None
    required: bool = False
    public: bool = True
    export: Callable | None = None  # (pilot, locale) -> cell value
    export_label: Any = None
    searchable: bool = False
    audited: bool = True
    scope: Scope | None = None

    @property
    def attr(self) -> str:
        """The pilot attribute that holds the field's value."""
        return self.column or self.name

    @property
    def relation(self) -> bool:
        return self.column is RELATION


F = PilotField
FIELDS: tuple[PilotField, ...] = (
    F("title", _l("Title"), section="pilot", required=True, export=_value("title"), searchable=True),
    F("district", _l("District"), Ref("district"), column="district_id", section="pilot", required=True,
      export=lambda p, locale: p.district.name, scope=ANY),
    F("status", _l("Status"), Choice("status"), export=_labelled("status", "status")),
    F("arena_kind", _l("Arena kind"), Choice("arena_kind"), section="pilot", required=True,
      hint=_l("Physical or digital places, or the municipality itself as a test arena for new ways "
              "of working."), export=_labelled("arena_kind", "arena_kind")),
    F("themes", _l("Themes"), Records(Ref("theme", "name_nb", "name_en"), key=by_name), column=RELATION,
      section="pilot", required=True, export=lambda p, locale: ", ".join(t.name(locale) for t in p.themes)),
    F("need", _l("Need (the problem)"), section="pilot", required=True, searchable=True, scope=ANY),
    F("description", _l("Description (what is tested)"), section="pilot", required=True, searchable=True,
      scope=ANY),
    F("goals", _l("Goals and success criteria"), section="pilot", required=True, searchable=True, scope=ANY),
    F("location", _l("Location"), section="pilot", searchable=True),
    F("planned_start", _l("Planned start"), DATE, section="pilot", row="planned", required=True,
      export=_value("planned_start"), scope=MOVED),
    F("planned_end", _l("Planned end"), DATE, section="pilot", row="planned", required=True,
      export=_value("planned_end"), scope=MOVED),
    F("actual_start", _l("Actual start"), DATE, export=_value("actual_start")),
    F("actual_end", _l("Actual end"), DATE, export=_value("actual_end")),
    F("agency", _l("Responsible agency"), section="contact", required=True, searchable=True),
    F("contact_name", _l("Contact name"), section="contact", required=True, public=False),
    F("contact_email", _l("Contact e-mail"), section="contact", required=True, public=False),
    F("contact_phone", _l("Contact phone"), section="contact", public=False),
    F("is_public", _l("In the public register"), BOOL, section="contact",
      form_label=_l("Show in the public register once approved"),
      hint=_l("Public pilots appear in the open register from approval on, without contact details or "
              "funding.")),
    F("partners", _l("Partners"), Records(PartnerLink(), key=by_name), column=RELATION, section="partners",
      export=lambda p, locale: ", ".join(sorted({link.partner.name for link in p.partner_links})),
      searchable=True, scope=LEAD),
    F("funding", _l("Funding"), Records(FundingLine()), column=RELATION, section="funding", public=False,
      export=lambda p, locale: sum(line.amount for line in p.funding), export_label=_l("Funding (NOK)"),
      scope=ANY),
    # The KPI plan: declared at proposal time, measured by progress reports, the outcome starts from it.
    F("kpi_plan", _l("Planned KPIs"), Records(PlannedKpi()), column=RELATION, section="kpis", public=False),
    F("verdict", _l("Verdict"), Choice("verdict"),
      export=lambda p, locale: label("verdict", p.outcome.verdict) if p.outcome else ""),
    F("updated_at", _l("Last updated"), export=_value("updated_at"), audited=False),
    # Recorded by the status actions, the outcome and the operations of other domains.
    F("comment", _l("Comment"), TEXT),
    F("summary", _l("Summary")),
    F("lessons", _l("Lessons learned")),
    F("next_steps", _l("Next steps")),
    F("kpis", _l("Key performance indicators"), Records(Kpi())),
    F("owner", _l("Owner"), Ref("user")),
    # Progress reports (tracker/pilots/progress.py).
    F("report_date", _l("Report date"), DATE),
    F("progress_state", _l("Progress"), Choice("progress_state")),
    F("happened", _l("What happened")),
    F("interim_values", _l("Interim KPI values"), Records(InterimValue())),
    F("merged_partner", _l("Partner merged"), Ref("partner")),
    # Documents and links, recorded by tracker/files/operations.py.
    F("attachment", _l("Attachment")),
    F("attachment_kind", _l("Kind of document"), Choice("attachment_kind")),
    F("attachment_public", _l("Public attachment"), BOOL),
    F("file", _l("File")),
    F("file_size", _l("Size (bytes)"), NUMBER),
    F("file_version", _l("Version"), NUMBER),
    F("url", _l("Address")),
)
del F


def form_fields() -> tuple[PilotField, ...]:
    """The proposal form's fields, in form order."""
    return tuple(f for f in FIELDS if f.section)


def required_for_submit() -> tuple[str, ...]:
    """The names of the fields needed before a proposal is submitted, in form order."""
    return tuple(f.name for f in form_fields() if f.required)


def scope_fields() -> tuple[PilotField, ...]:
    """The form fields whose change after approval needs a change request, in form order."""
    return tuple(f for f in form_fields() if f.scope)


def scope_labels() -> list[str]:
    """How the proposal form names the scope fields to an owner of an approved pilot."""
    def named(f):
        if f.scope is LEAD:
            return str(_l("the lead partner"))
        if f.scope is MOVED:
            return str(_l("%(field)s moved by more than %(days)s days", field=f.label, days=MATERIAL_DAYS))
        return str(f.label)

    return [named(f) for f in scope_fields()]


def content_columns() -> tuple[str, ...]:
    """The scalar pilot columns the proposal form sets."""
    return tuple(f.attr for f in form_fields() if not f.relation)


def exported(internal: bool) -> tuple[PilotField, ...]:
    """The export columns; ``internal`` (signed-in viewers) adds the fields not shown publicly."""
    return tuple(f for f in FIELDS if f.export and (internal or f.public))


# The derivations are functions (not constants) so that a field added to FIELDS shows everywhere.
PILOT = declare("pilot", *(f for f in FIELDS if f.audited))
