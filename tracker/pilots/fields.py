"""Field types, validators and row-list helpers for the pilot forms (``forms.py``)."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FloatField, IntegerField, ValidationError
from wtforms.utils import unset_value
from wtforms.widgets import TextInput

from tracker.pilots.models import DATE_MAX, DATE_MIN


def in_pilot_years(form, field) -> None:
    """A date in the years pilots and their funding may have (``DATE_MIN``..``DATE_MAX``)."""
    if field.data and not DATE_MIN <= field.data <= DATE_MAX:
        raise ValidationError(_l("Enter a date in the years %(min)s to %(max)s.",
                                 min=DATE_MIN.year, max=DATE_MAX.year))


class Required:
    """Marks a field as required (label marker, ``required`` attribute) whose rule lives in the
    form's ``check`` or a ``validate_<field>`` method, with its own message."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        pass


GROUPING = re.compile(r"[\s\u00a0\u202f]")  # "1 000 000" as Norwegians write it (and no-break spaces)


class _TypedNumber:
    """A number in a text box, typed as people write it: spaces group digits ("250 000"). Not
    ``type=number``, which in Chromium silently dropped a decimal comma ("12,5" became 125)."""

    widget = TextInput()
    pattern: str
    message: str

    def process_formdata(self, valuelist):
        self.data = None
        text = GROUPING.sub("", valuelist[0]) if valuelist else ""
        if not text:
            return
        if not re.fullmatch(self.pattern, text):
            raise ValueError(self.message)
        self.data = self.convert(text)


class KronerField(_TypedNumber, IntegerField):
    """Whole kroner ("250 000"); a minus sign is left to the range check."""

    pattern = r"-?[0-9]{1,100}"
    message = _l("Enter the amount in whole kroner, for example 250 000.")
    convert = staticmethod(int)


class DecimalTextField(_TypedNumber, FloatField):
    """A number with a decimal comma or point ("12,5" or "12.5")."""

    pattern = r"-?[0-9]{1,15}([.,][0-9]{1,6})?"
    message = _l("Enter a number, for example 12,5.")
    convert = staticmethod(lambda text: float(text.replace(",", ".")))


def not_in_future(form, field) -> None:
    """An actual start or end has happened: today at the latest."""
    if field.data and field.data > date.today():
        raise ValidationError(_l("An actual date cannot be in the future: enter today or an earlier day."))


class RowList(FieldList):
    """A ``FieldList`` that refuses too many rows instead of cutting them.

    WTForms drops the rows past ``max_entries`` silently (150 funding lines saved as 100). Here
    more than ``limit`` rows is a field error naming the limit, nothing is saved, and the posted
    rows are kept for the user to trim (up to ``HARD_LIMIT`` times ``limit``, so a hostile post
    cannot make the page endless).
    """

    HARD_LIMIT = 4

    def __init__(self, unbound_field, label=None, validators=None, *, limit: int, **kwargs):
        super().__init__(unbound_field, label, validators, max_entries=limit * self.HARD_LIMIT, **kwargs)
        self.limit = limit
        self.posted = 0

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.posted = len(set(self._extract_indices(self.name, formdata))) if formdata else 0
        super().process(formdata, data, extra_filters)

    def validate(self, form, extra_validators=()) -> bool:
        ok = super().validate(form, extra_validators)
        if self.posted > self.limit:
            self.errors.append(_l("Too many rows: at most %(max)s, and this list has %(count)s. "
                                  "Remove the rows you do not need.", max=self.limit, count=self.posted))
            return False
        return ok


def row_buttons(formdata, name: str, rows: RowList) -> bool:
    """Handle an "add row" / "remove row" button for ``rows``; True if one was pressed (don't save)."""
    if f"add_{name}_row" in formdata:
        if len(rows) < rows.limit:
            first = next(iter(rows.append_entry().form))
            first.render_kw = {**(first.render_kw or {}), "autofocus": True}  # keyboard users land there
        return True
    remove = formdata.get(f"remove_{name}_row")
    if remove is None:
        return False
    keep = [SimpleNamespace(**entry.data) for i, entry in enumerate(rows) if str(i) != remove]
    while len(rows):
        rows.pop_entry()
    for data in keep or [None]:
        rows.append_entry(data)
    return True


def row_errors(title, rows: RowList) -> list[tuple[str, str, str]]:
    """``(field id, "Row n: label", message)``, the first error of each field (for the error summary)."""
    return [(f.id, f"{title % {'n': i}}: {f.label.text}", f.errors[0])
            for i, entry in enumerate(rows, 1) for f in entry.form if f.errors]
