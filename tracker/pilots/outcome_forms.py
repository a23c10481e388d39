"""The outcome form: verdict, summary, lessons learned, next steps and KPI rows (added and removed
by submitting, no JavaScript needed)."""

from __future__ import annotations

from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from wtforms import FormField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.audit_fields import Kpi
from tracker.labels import choices
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.fields import Required, RowList, row_buttons, row_errors
from tracker.pilots.form_parts import TEXT_MAX, CheckedForm, PlannedKPIRowForm, kpi_number, kpi_rows


class KPIRowForm(PlannedKPIRowForm):
    actual = kpi_number(_l("Actual"))


def from_plan(pilot) -> SimpleNamespace | None:
    """What a new outcome form starts from: the KPIs of the pilot's plan (None: no plan)."""
    if not pilot.kpi_plan:
        return None
    return SimpleNamespace(verdict="", summary="", lessons="", next_steps="", kpis=[
        SimpleNamespace(name=k.name, unit=k.unit, baseline=k.baseline, target=k.target, actual=None)
        for k in pilot.kpi_plan])


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
        self.cleaned_kpis = kpi_rows(self.kpis, Kpi.NUMBERS)
        return ok and self.cleaned_kpis is not None

    def handle_row_buttons(self, formdata) -> bool:
        return row_buttons(formdata, "kpi", self.kpis)

    def row_errors(self) -> list[tuple[str, str, str]]:
        return row_errors(_l("KPI row %(n)s"), self.kpis)

    def outcome_values(self) -> dict:
        return {name: (getattr(self, name).data or "").strip()
                for name in ("verdict", "summary", "lessons", "next_steps")}

    def kpi_rows(self) -> list[dict]:
        """The named KPI rows (after ``validate``)."""
        return self.cleaned_kpis
