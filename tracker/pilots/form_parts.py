"""Parts the pilot forms share: the form with cross-field rules, the row forms of the row lists
(partners, funding, planned KPIs) and the KPI rows' reading."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from tracker.db import db
from tracker.labels import choices
from tracker.partners.models import Partner
from tracker.pilots.fields import DecimalTextField, KronerField, RowList
from tracker.pilots.models import FUNDING_AMOUNT_MAX, FUNDING_YEAR_MAX, FUNDING_YEAR_MIN, PartnerRole

TEXT_MAX = 10_000
KPI_MAX = 1e12


def _partner_choices() -> list[tuple[str, str]]:
    """Every partner, once per request (row forms are built many times)."""
    if "pilot_partner_choices" not in g:
        rows = db.session.execute(sa.select(Partner.id, Partner.name).order_by(Partner.name)).all()
        g.pilot_partner_choices = [("", _l("Choose a partner"))] + [(str(i), n) for i, n in rows]
    return g.pilot_partner_choices


class CheckedForm(FlaskForm):
    """A FlaskForm that runs its cross-field rules (``check``) after the field validators."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check() and ok

    def check(self) -> bool:
        """Cross-field rules of the form (after the field validators); False if any failed."""
        return True


class PartnerRowForm(Form):
    partner = SelectField(_l("Partner"), choices=_partner_choices, validate_choice=False)
    # The empty first option is what a partner added from the proposal form comes back with: the
    # user chooses its role (a new row starts as a participant).
    role = SelectField(_l("Role"), choices=lambda: [("", _l("Choose a role")), *choices("partner_role")],
                       validate_choice=False, default=PartnerRole.PARTICIPANT)


class FundingRowForm(Form):
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(
        FUNDING_YEAR_MIN, FUNDING_YEAR_MAX, _l("Enter a year between %(min)s and %(max)s."))],
        render_kw={"inputmode": "numeric"})
    source_type = SelectField(_l("Source type"), choices=lambda: choices("source_type"),
                              validate_choice=False)
    partner = SelectField(_l("Partner (when the source is a partner)"), choices=_partner_choices,
                          validate_choice=False)
    source = StringField(_l("Source (other sources)"), validators=[Length(max=200)])
    amount = KronerField(_l("Amount (NOK)"), validators=[Optional(), NumberRange(
        0, FUNDING_AMOUNT_MAX, _l("Enter a whole amount in kroner from 0 to 10,000,000,000."))],
        render_kw={"inputmode": "numeric"})
    kind = SelectField(_l("Cash or in kind"), choices=lambda: choices("funding_kind"), validate_choice=False)


def kpi_number(label):
    """A KPI figure: a decimal number typed as people write it."""
    return DecimalTextField(label, validators=[Optional(), NumberRange(-KPI_MAX, KPI_MAX)],
                            render_kw={"inputmode": "decimal"})


class PlannedKPIRowForm(Form):
    """One KPI of the plan (the outcome's KPI rows add the actual value)."""

    name = StringField(_l("KPI"), validators=[Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Length(max=40)])
    baseline = kpi_number(_l("Baseline"))
    target = kpi_number(_l("Target"))


def kpi_rows(rows: RowList, numbers: tuple[str, ...], unique: bool = False) -> list[dict] | None:
    """The named rows of a KPI row list as dicts (``name``, ``unit`` and ``numbers``), or None after
    marking the errors: figures without a name; with ``unique``, a name used twice."""
    out, seen, ok = [], set(), True
    for entry in rows:
        f = entry.form
        if any(getattr(f, k).errors for k in ("name", "unit", *numbers)):
            ok = False
            continue
        name = (f.name.data or "").strip()
        if not name:
            if any(getattr(f, k).data is not None for k in numbers):
                f.name.errors = [*f.name.errors, _l("Name the KPI.")]
                ok = False
            continue
        if unique and name.casefold() in seen:
            f.name.errors = [*f.name.errors, _l("Each KPI needs its own name: this one is already listed.")]
            ok = False
            continue
        seen.add(name.casefold())
        out.append({"name": name, "unit": (f.unit.data or "").strip(),
                    **{k: (float(getattr(f, k).data) if getattr(f, k).data is not None else None)
                       for k in numbers}})
    return out if ok else None
