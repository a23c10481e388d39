"""Sheets the import gives back: the template to fill in, and the refused rows with their errors."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet.datavalidation import DataValidation

from tracker.db import db
from tracker.districts.exports import formula_like
from tracker.districts.models import District
from tracker.imports.mapping import FUNDING, target_label
from tracker.labels import LABELS
from tracker.pilots.models import Theme

TEMPLATE_COLUMNS = ("reference", "title", "district", "status", "arena_kind", "themes", "need",
                    "description", "goals", "location", "planned_start", "planned_end", "actual_start",
                    "actual_end", "agency",
                    "contact_name", "contact_email", "contact_phone", "is_public", "partners", "lead_partner")
NB_HEADERS = {"reference": "ID", "title": "Tittel", "district": "Bydel/distrikt", "status": "Status",
              "arena_kind": "Arenatype", "themes": "Tema", "need": "Behov", "description": "Beskrivelse",
              "goals": "Mål", "location": "Sted", "planned_start": "Oppstart", "planned_end": "Slutt",
              "actual_start": "Faktisk start", "actual_end": "Faktisk slutt", "agency": "Virksomhet",
              "contact_name": "Ansvarlig", "contact_email": "E-post", "contact_phone": "Telefon",
              "is_public": "Offentlig", "partners": "Partnere", "lead_partner": "Hovedpartner"}


def _cell(sheet, row: int, col: int, value):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=col, value=value)
    if formula_like(value):
        cell.data_type = "s"  # text, never a live formula
    elif isinstance(value, date):
        cell.number_format = "dd.mm.yyyy"
    return cell


def _save(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template(locale: str) -> bytes:
    """The template: headers in ``locale`` (nb or en), one example row, drop-downs for the
    status, district, arena kind and public columns fed from a hidden sheet of allowed values."""
    year = date.today().year
    districts = list(db.session.scalars(sa.select(District).where(District.retired.is_(False))
                                        .order_by(District.name)))
    themes = list(db.session.scalars(sa.select(Theme).where(Theme.retired.is_(False))
                                     .order_by(Theme.name_nb)))
    english = locale.startswith("en")
    with force_locale("en" if english else "nb"):
        headers = [target_label(c) if english else NB_HEADERS[c] for c in TEMPLATE_COLUMNS]
        headers.append(f"Funding {year}" if english else f"Budsjett {year}")
        allowed = {
            "status": [str(v) for v in LABELS["status"].values()],
            "district": [d.name for d in districts],
            "arena_kind": [str(v) for v in LABELS["arena_kind"].values()],
            "themes": [t.name_en if english else t.name_nb for t in themes],
            "is_public": ["yes", "no"] if english else ["ja", "nei"],
        }
    example = {"reference": "OSC-2026-01",
               "title": "Smart bins" if english else "Smarte avfallsbeholdere",
               "district": districts[0].name if districts else "", "status": allowed["status"][3],
               "arena_kind": allowed["arena_kind"][0], "themes": allowed["themes"][0] if themes else "",
               "planned_start": date(year, 3, 1), "planned_end": date(year, 12, 31),
               "agency": "Renovasjons- og gjenvinningsetaten", "contact_name": "Kari Nordmann",
               "contact_email": "kari.nordmann@example.org", "is_public": allowed["is_public"][0],
               "partners": "Sirkulær Bygg AS; 974760673", "actual_start": date(year, 3, 15)}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pilots" if english else "Piloter"
    values = workbook.create_sheet("Values" if english else "Verdier")
    values.sheet_state = "hidden"
    for col, header in enumerate(headers, 1):
        _cell(sheet, 1, col, header)
        target = TEMPLATE_COLUMNS[col - 1] if col <= len(TEMPLATE_COLUMNS) else f"{FUNDING}{year}"
        _cell(sheet, 2, col, 250_000 if target.startswith(FUNDING) else example.get(target, ""))
    for col, (target, options) in enumerate(allowed.items(), 1):
        values.cell(row=1, column=col, value=target)
        for row, option in enumerate(options, 2):
            _cell(values, row, col, option)
        if not options or target == "themes":  # several themes in one cell: no single-choice list
            continue
        letter = values.cell(row=1, column=col).column_letter
        where = sheet.cell(row=2, column=TEMPLATE_COLUMNS.index(target) + 1).column_letter
        rule = DataValidation(type="list", allow_blank=True,
                              formula1=f"'{values.title}'!${letter}$2:${letter}${len(options) + 1}")
        rule.add(f"{where}2:{where}1000")
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    return _save(workbook)


def refused_rows(plan, error_header: str) -> bytes:
    """The refused rows as they were in the sheet, with an error column first."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Refused"
    for col, header in enumerate([error_header, *plan.table.headers], 1):
        _cell(sheet, 1, col, header)
    for r, row in enumerate(plan.refused, 2):
        errors = "; ".join(f"{p.column}: {p.message}" for p in row.problems)
        for col, value in enumerate([errors, *row.cells], 1):
            _cell(sheet, r, col, value)
    return _save(workbook)
