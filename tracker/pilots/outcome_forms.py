"""The outcome form: verdict, summary, lessons learned, next steps and KPI rows (added and removed
by submitting, no JavaScript needed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.audit_fields import Kpi
from tracker.labels import choices
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.fields import DecimalTextField, Required, RowList, row_buttons, row_errors
from tracker.pilots.forms import TEXT_MAX, CheckedForm

KPI_MAX = 1e12


def _number(label):
    return DecimalTextField(label, validators=[Optional(), NumberRange(-KPI_MAX, KPI_MAX)],
                            render_kw={"inputmode": "decimal"})


class KPIRowForm(Form):
    name = StringField(_l("KPI"), validators=[Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Length(max=40)])
    baseline = _number(_l("Baseline"))
    target = _number(_l("Target"))
    actual = _number(_l("Actual"))


class OutcomeForm(CheckedForm):
    """The outcome of a completed pilot; labels are the field registry's."""

    verdict = SelectField(PILOT["verdict"].label, choices=lambda: [("", _l("Choose a verdict")),
                                                                   *choices("verdict")],
                          validators=[Required()], validate_choice=False)
    summary = TextAreaField(PILOT["summary"].label, validators=[Length(max=TEXT_MAX)])
    lessons = TextAreaField(PILOT["lessons"].label, validators=[
        InputRequired(_l("Describe the lessons learned.")), Length(max=TEXT_MAX)])
    next_steps = TextAreaField(PILOT["next_steps"].label, validators=[Length(max=TEXT_MAX)])
    kpis = RowList(FormField(KPIRowForm), PILOT["kpis"].label, min_entries=1, limit=50)

    def validate_verdict(self, field):
        if field.data not in dict(choices("verdict")):
            raise ValidationError(_l("Choose a verdict."))

    def check(self) -> bool:
        ok = True
        if not (self.lessons.data or "").strip() and not self.lessons.errors:
            self.lessons.errors = [_l("Describe the lessons learned.")]
            ok = False
        for entry in self.kpis:
            f = entry.form
            numbers = (f.baseline, f.target, f.actual)
            if not (f.name.data or "").strip() and any(x.data is not None for x in numbers):
                f.name.errors = [*f.name.errors, _l("Name the KPI.")]
                ok = False
        return ok

    def handle_row_buttons(self, formdata) -> bool:
        return row_buttons(formdata, "kpi", self.kpis)

    def row_errors(self) -> list[tuple[str, str, str]]:
        return row_errors(_l("KPI row %(n)s"), self.kpis)

    def outcome_values(self) -> dict:
        return {name: (getattr(self, name).data or "").strip()
                for name in ("verdict", "summary", "lessons", "next_steps")}

    def kpi_rows(self) -> list[dict]:
        rows = []
        for entry in self.kpis:
            f = entry.form
            if (f.name.data or "").strip():
                rows.append({"name": f.name.data.strip(), "unit": (f.unit.data or "").strip(),
                             **{k: (float(getattr(f, k).data) if getattr(f, k).data is not None else None)
                                for k in Kpi.NUMBERS}})
        return rows
