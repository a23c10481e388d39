"""The progress report form: date, overall state, what happened, what is next, and one interim value
field per KPI of the pilot's plan."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tracker.labels import choices
from tracker.pilots.fields import in_pilot_years, not_in_future
from tracker.pilots.form_parts import TEXT_MAX, CheckedForm, kpi_number

KPI_PREFIX = "kpi_"


class ProgressForm(CheckedForm):
    report_date = DateField(_l("Report date"), default=date.today, validators=[
        InputRequired(_l("Enter the date of the report.")), in_pilot_years, not_in_future])
    state = RadioField(_l("Overall state"), choices=lambda: choices("progress_state"),
                       validators=[InputRequired(_l("Choose how the pilot is doing."))],
                       validate_choice=False)
    happened = TextAreaField(_l("What happened"), validators=[
        InputRequired(_l("Describe what happened since the last report.")), Length(max=TEXT_MAX)])
    next_steps = TextAreaField(_l("What is next"), validators=[Optional(), Length(max=TEXT_MAX)])

    def validate_state(self, field):
        if field.data not in dict(choices("progress_state")):
            raise ValidationError(_l("Choose how the pilot is doing."))

    def check(self) -> bool:
        if not (self.happened.data or "").strip() and not self.happened.errors:
            self.happened.errors = [_l("Describe what happened since the last report.")]
            return False
        return True

    def kpi_fields(self) -> list:
        """``(planned KPI, field)`` for each KPI of the plan, in plan order."""
        return [(k, self[f"{KPI_PREFIX}{k.id}"]) for k in self.plan]

    def interim_values(self) -> dict[int, float]:
        """``{planned KPI id: value}`` for the values entered (after ``validate``)."""
        return {k.id: float(f.data) for k, f in self.kpi_fields() if f.data is not None}


def progress_form(pilot, **kwargs) -> ProgressForm:
    """The form for ``pilot``: an interim value field for each KPI of its plan."""
    fields = {f"{KPI_PREFIX}{k.id}": kpi_number(f"{k.name} ({k.unit})" if k.unit else k.name)
              for k in pilot.kpi_plan}
    form = type("PilotProgressForm", (ProgressForm,), fields)(**kwargs)
    form.plan = list(pilot.kpi_plan)
    return form
