"""The proposal form, its fields made from the pilot field registry (the outcome form is in
``outcome_forms.py``). Row lists (partners, funding) add and remove rows by submitting (no JavaScript
needed); unknown ids posted by hand become field errors."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
)

from tracker.audit_fields import BOOL, DATE
from tracker.db import db
from tracker.districts.models import District
from tracker.formatting import fmt_date
from tracker.guards import parse_id
from tracker.labels import choices
from tracker.partners.models import Partner
from tracker.pilots.audit_fields import form_fields, required_for_submit
from tracker.pilots.fields import (
    Required,
    RowList,
    in_pilot_years,
    row_buttons,
    row_errors,
)
from tracker.pilots.form_parts import (
    TEXT_MAX,
    CheckedForm,
    FundingRowForm,
    PartnerRowForm,
    PlannedKPIRowForm,
    kpi_rows,
)
from tracker.pilots.models import (
    PartnerRole,
    SourceType,
    Theme,
)
from tracker.pilots.workflow import funding_outside_period

KPI_PLAN_LIMIT = 20


def _is_blank(*fields) -> bool:
    return all(f.data in (None, "") for f in fields)


def _text(max_length: int, widget=StringField, **kwargs):
    return lambda label: widget(label, validators=[Length(max=max_length)], **kwargs)


# How each proposal field is entered, by registry name (a field not named here gets one from its
# kind: a date, a yes/no box or a line of text). Labels come from the registry.
WIDGETS = {
    "title": lambda label: StringField(label, validators=[DataRequired(_l("Enter a title.")),
                                                          Length(max=200)]),
    "district": lambda label: SelectField(label, validators=[Required()], validate_choice=False),
    "arena_kind": lambda label: SelectField(label, choices=lambda: choices("arena_kind"),
                                            validate_choice=False),
    "themes": lambda label: SelectMultipleField(label, validate_choice=False),
    "need": _text(TEXT_MAX, TextAreaField),
    "description": _text(TEXT_MAX, TextAreaField),
    "goals": _text(TEXT_MAX, TextAreaField),
    "location": _text(300),
    "planned_start": lambda label: DateField(label, validators=[Optional(), in_pilot_years]),
    "planned_end": lambda label: DateField(label, validators=[Optional(), in_pilot_years]),
    "contact_email": lambda label: StringField(label, validators=[
        Optional(), Length(max=254), Email(_l("Enter an e-mail address like name@example.org."))],
        render_kw={"type": "email", "autocomplete": "off"}),
    "contact_phone": _text(40),
    "partners": lambda label: RowList(FormField(PartnerRowForm), label, min_entries=1, limit=50),
    "funding": lambda label: RowList(FormField(FundingRowForm), label, min_entries=1, limit=100),
    "kpi_plan": lambda label: RowList(FormField(PlannedKPIRowForm), label, min_entries=1,
                                      limit=KPI_PLAN_LIMIT),
}
BY_KIND = {DATE: lambda label: DateField(label, validators=[Optional()]), BOOL: BooleanField}
# How a scalar field's typed value becomes its column value (default: stripped text).
CLEAN = {
    "district": lambda data: int(data),
    "arena_kind": lambda data: data,
    "contact_email": lambda data: (data or "").strip().lower(),
    "is_public": bool,
}
LOAD = {  # how a stored value is loaded into its form field (default: as it is)
    "district": lambda pilot: str(pilot.district_id),
    "themes": lambda pilot: [str(t.id) for t in pilot.themes],
    "partners": lambda pilot: [SimpleNamespace(partner=str(link.partner_id), role=link.role)
                               for link in pilot.partner_links],
    "funding": lambda pilot: [SimpleNamespace(year=line.year, source_type=line.source_type,
                                              partner=str(line.partner_id or ""), source=line.source,
                                              amount=line.amount, kind=line.kind) for line in pilot.funding],
    "kpi_plan": lambda pilot: [SimpleNamespace(name=k.name, unit=k.unit, baseline=k.baseline, target=k.target)
                               for k in pilot.kpi_plan],
}


def _widget(field):
    make = WIDGETS.get(field.name) or BY_KIND.get(field.kind) or _text(200)
    return make(field.form_label or field.label)


def _clean(field, data):
    if field.name in CLEAN:
        return CLEAN[field.name](data)
    if field.kind in BY_KIND:
        return data if field.kind is DATE else bool(data)
    return (data or "").strip()


class _FromRegistry(type(FlaskForm)):
    """Instantiating :class:`PilotForm` gives a form whose fields are the registry's form fields
    at that moment (in registry order), entered as ``WIDGETS`` or their kind say."""

    def __call__(cls, *args, **kwargs):
        if "_registry_built" not in cls.__dict__:
            fields = {f.name: _widget(f) for f in form_fields()}
            cls = type(cls.__name__, (cls,), {"_registry_built": True, **fields})
        return super().__call__(*args, **kwargs)


class PilotForm(CheckedForm, metaclass=_FromRegistry):
    """Every proposal field of the registry; only title and district are needed to save a draft."""

    def __init__(self, *args, pilot=None, may_move=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.pilot = pilot
        current_district = pilot.district_id if pilot else None
        offered = District.id == current_district
        if may_move:
            offered = sa.or_(District.retired.is_(False), offered)
        districts = db.session.scalars(sa.select(District).where(offered).order_by(District.name)).all()
        self.district_hint = None if may_move else _l(
            "Once submitted, a pilot moves to another district only by its coordinator or an administrator.")
        self.district.choices = [("", _l("Choose a district"))] + [(str(d.id), d.name) for d in districts]
        current_themes = [t.id for t in pilot.themes] if pilot else []
        themes = db.session.scalars(
            sa.select(Theme).where(sa.or_(Theme.retired.is_(False), Theme.id.in_(current_themes)))
            .order_by(Theme.name_nb)).all()
        locale = str(get_locale() or "nb")
        self.themes.choices = [(str(t.id), t.name(locale)) for t in themes]
        self._themes = {str(t.id): t for t in themes}
        self._districts = {str(d.id): d for d in districts}
        self.cleaned = None
        for name in required_for_submit():  # marked on the form; checked by the submit action
            self[name].flags.needed_to_submit = True

    # -- layout ----------------------------------------------------------------------------
    def layout(self, section: str) -> list[list]:
        """The form fields of ``section`` in registry order, as rows (fields sharing a ``row`` key
        stand together), each field with its hint: ``[[(field, hint), ...], ...]``."""
        rows, last = [], None
        for f in form_fields():
            if f.section != section:
                continue
            hint = self.district_hint if f.name == "district" else f.hint
            if f.row and f.row == last:
                rows[-1].append((self[f.name], hint))
            else:
                rows.append([(self[f.name], hint)])
            last = f.row
        return rows

    # -- row lists -------------------------------------------------------------------------
    def handle_row_buttons(self, formdata) -> bool:
        """Add or remove a row if one of those buttons was pressed; True if so (then don't save)."""
        return (row_buttons(formdata, "partner", self.partners)
                or row_buttons(formdata, "funding", self.funding)
                or row_buttons(formdata, "kpi_plan", self.kpi_plan))

    def prefill_partner(self, partner_id: int, role: str = "") -> None:
        """Put a (just created) partner into the first empty partner row, or a new one, with
        ``role`` if one was chosen on the partner page, else none (the user must choose it), and
        put the focus on that role: the user comes back from the partner form to that choice."""
        row = next((entry for entry in self.partners if not entry.partner.data), None)
        if row is None and len(self.partners) < self.partners.max_entries:
            row = self.partners.append_entry(SimpleNamespace(partner="", role=""))
        if row is not None:
            row.partner.data = str(partner_id)
            row.role.data = role if role in dict(choices("partner_role")) else ""
            row.role.render_kw = {**(row.role.render_kw or {}), "autofocus": True}

    def row_errors(self) -> list[tuple[str, str, str]]:
        return (row_errors(_l("Partner row %(n)s"), self.partners)
                + row_errors(_l("Funding line %(n)s"), self.funding)
                + row_errors(_l("Planned KPI %(n)s"), self.kpi_plan))

    # -- validation ------------------------------------------------------------------------
    def check(self) -> bool:
        ok = self._check_choices()
        ok &= self._check_dates()
        partners = self._check_partner_rows()
        funding = self._check_funding_rows()
        plan = kpi_rows(self.kpi_plan, ("baseline", "target"), unique=True)
        if not ok or partners is None or funding is None or plan is None:
            return False
        self.cleaned = SimpleNamespace(partners=partners, funding=funding, kpi_plan=plan)
        return True

    def _error(self, field, message) -> bool:
        field.errors = [*field.errors, message]
        return False

    def _check_choices(self) -> bool:
        ok = True
        if not self.district.data:
            ok = self._error(self.district, _l("Choose a district."))
        elif self.district.data not in self._districts:
            ok = self._error(self.district, self.district_hint or _l("Choose a district from the list."))
        if self.arena_kind.data not in dict(choices("arena_kind")):
            ok = self._error(self.arena_kind, _l("Choose an arena kind from the list."))
        if any(t not in self._themes for t in self.themes.data or []):
            ok = self._error(self.themes, _l("Choose themes from the list."))
        return ok

    def _check_dates(self) -> bool:
        start, end = self.planned_start.data, self.planned_end.data
        if start and end and end < start:
            return self._error(self.planned_end, _l("The planned end must be on or after the planned start."))
        return True

    def _partners_by_id(self) -> dict[str, Partner]:
        ids = {e.partner.data for e in self.partners} | {e.partner.data for e in self.funding}
        numeric = [n for n in map(parse_id, ids) if n is not None]
        rows = db.session.scalars(sa.select(Partner).where(Partner.id.in_(numeric))).all() if numeric else []
        return {str(p.id): p for p in rows}

    def _check_partner_rows(self):
        known = self._partners_by_id()
        self._known_partners = known
        rows, seen, lead, ok = [], set(), False, True
        roles = dict(choices("partner_role"))
        for entry in self.partners:
            f = entry.form
            if not f.partner.data:
                continue
            if f.partner.data not in known:
                ok = self._error(f.partner, _l("Choose a partner from the list."))
                continue
            if f.role.data not in roles:
                ok = self._error(f.role, _l("Choose the partner's role.") if not f.role.data
                                 else _l("Choose a role from the list."))
                continue
            if (f.partner.data, f.role.data) in seen:
                ok = self._error(f.role, _l("This partner already has this role on the pilot."))
                continue
            if f.role.data == PartnerRole.LEAD:
                if lead:
                    ok = self._error(f.role, _l("A pilot has at most one lead partner."))
                    continue
                lead = True
            seen.add((f.partner.data, f.role.data))
            rows.append((known[f.partner.data], f.role.data))
        return rows if ok else None

    def _check_funding_rows(self):
        known, rows, ok = self._known_partners, [], True
        for entry in self.funding:
            f = entry.form
            if f.year.errors or f.amount.errors or f.source.errors:
                ok = False
                continue
            if _is_blank(f.year, f.amount, f.source, f.partner) and not (f.year.raw_data or [""])[0] \
                    and not (f.amount.raw_data or [""])[0]:
                continue
            row_ok = True
            if f.year.data is None:
                row_ok = self._error(f.year, _l("Enter the year."))
            if f.amount.data is None:
                row_ok = self._error(f.amount, _l("Enter the amount in whole kroner."))
            if f.source_type.data not in dict(choices("source_type")):
                row_ok = self._error(f.source_type, _l("Choose a source type from the list."))
            elif f.source_type.data == SourceType.PARTNER:
                if f.partner.data not in known:
                    row_ok = self._error(f.partner, _l("Choose the partner that funds this line."))
            elif f.source_type.data == SourceType.OTHER and not (f.source.data or "").strip():
                row_ok = self._error(f.source, _l("Name the source."))
            if f.kind.data not in dict(choices("funding_kind")):
                row_ok = self._error(f.kind, _l("Choose cash or in kind."))
            if not row_ok:
                ok = False
                continue
            partner = known[f.partner.data] if f.source_type.data == SourceType.PARTNER else None
            rows.append({"year": f.year.data, "source_type": f.source_type.data, "partner": partner,
                         "source": "" if partner else (f.source.data or "").strip(), "amount": f.amount.data,
                         "kind": f.kind.data})
        return rows if ok else None

    def mark_funding_outside(self) -> None:
        """Put "outside the planned period" on each funding line's year that lies outside the typed
        planned period (the rule at submit and for change requests: ``funding_outside_period``)."""
        start, end = self.planned_start.data, self.planned_end.data
        entries = list(self.funding)
        years = [e.form.year.data if isinstance(e.form.year.data, int) and not e.form.year.errors else None
                 for e in entries]
        for i in funding_outside_period(years, start, end):
            year = entries[i].form.year
            year.errors = [*year.errors, _l("%(year)s lies outside the planned period %(start)s – %(end)s.",
                                            year=years[i], start=fmt_date(start), end=fmt_date(end))]

    # -- values ----------------------------------------------------------------------------
    def content_values(self) -> dict:
        """Scalar column values for the operations (after ``validate``), keyed by column."""
        return {f.attr: _clean(f, self[f.name].data) for f in form_fields() if not f.relation}

    def selected_themes(self) -> list[Theme]:
        return [self._themes[t] for t in self.themes.data or []]

    def preview_lines(self) -> list[SimpleNamespace]:
        """The funding rows as typed, for the live funding plan (rows with a year and an amount)."""
        known = getattr(self, "_known_partners", None) or self._partners_by_id()
        lines = []
        for entry in self.funding:
            f = entry.form
            if isinstance(f.year.data, int) and isinstance(f.amount.data, int) and not (f.year.errors or
                                                                                      f.amount.errors):
                partner = known.get(f.partner.data) if f.source_type.data == SourceType.PARTNER else None
                lines.append(SimpleNamespace(year=f.year.data, amount=f.amount.data, kind=f.kind.data,
                                             source_type=f.source_type.data, source=f.source.data or "",
                                             partner=partner))
        return lines


def pilot_form_data(pilot) -> SimpleNamespace:
    """An object the proposal form can be loaded from (rows included)."""
    return SimpleNamespace(**{f.name: LOAD[f.name](pilot) if f.name in LOAD else getattr(pilot, f.attr)
                              for f in form_fields()})
