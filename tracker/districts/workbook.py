"""The analyst's XLSX: one sheet per kind of record, each a proper table, and a "read me" sheet.

Sheets: pilots (the registry's export columns), funding lines (one row per line), partners per
pilot (one row per role), outcomes with KPIs (one row per KPI), status history, and "read me"
(what was exported, by whom, with which filters, when). The district export holds the pilot
sheets; the city overview's adds its district table first. Every sheet has its header in the
user's language, frozen and auto-filtered, with column widths set; dates are date cells and
amounts numbers in a NOK format. Funding and the status history's actors and comments are
internal: the public register's workbook has no funding sheet and no actor or comment columns.

Loaded with a fixed number of queries whatever the number of pilots (the pilots themselves, then
one each for funding lines, KPIs and status events, all through the same conditions).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import joinedload

from tracker.db import db, utcnow
from tracker.districts.exports import Link, attachment, formula_like, pilot_header, pilot_rows
from tracker.labels import label
from tracker.pilots.audit_fields import exported
from tracker.pilots.models import FundingLine, Outcome, OutcomeKPI, Pilot, StatusEvent

NOK_FORMAT = '#,##0 "kr"'
DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 8, 60
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FUNDING_FIELD = "funding"  # the pilot registry's field whose export is an amount


class Nok(int):
    """An amount in whole kroner: a number cell in the NOK format."""


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)


def _cell(value):
    """What an XLSX cell holds: real dates (moments in the UI's time zone, as Excel has no zones)
    so they sort and filter as dates; text cleaned of characters XLSX cannot hold."""
    if isinstance(value, datetime):
        return to_user_timezone(value).replace(tzinfo=None, second=0, microsecond=0)
    if value is None or isinstance(value, date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _width(value) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value if value is not None else "")
    return max((len(line) for line in text.splitlines()), default=0)


def _write(book: Workbook, sheet: Sheet) -> None:
    ws = book.create_sheet(sheet.title[:31])
    ws.append([_cell(h) for h in sheet.header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [_width(h) for h in sheet.header]
    for row in sheet.rows:
        values = [_cell(v) for v in row]
        ws.append(values)
        for i, (cell, value, original) in enumerate(zip(ws[ws.max_row], values, row, strict=False)):
            if formula_like(value):
                cell.data_type = "s"  # openpyxl would otherwise store it as a live formula
            elif isinstance(value, datetime):
                cell.number_format = MOMENT_FORMAT
            elif isinstance(value, date):
                cell.number_format = DATE_FORMAT
            elif isinstance(original, Nok):
                cell.number_format = NOK_FORMAT
            elif isinstance(original, Link):
                cell.hyperlink, cell.style = value, "Hyperlink"
            if i < len(widths):
                widths[i] = max(widths[i], _width(value) + (4 if isinstance(original, Nok) else 0))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(sheet.header), 1))}{max(ws.max_row, 1)}"


def to_xlsx(sheets: list[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write(book, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(sheets: list[Sheet], basename: str):
    return attachment(to_xlsx(sheets), XLSX_TYPE, f"{basename}.xlsx")


# --- the sheets -------------------------------------------------------------------------------

def _pilot_cells(p: Pilot) -> list:
    return [p.id, p.title, p.district.name]


def _pilot_columns() -> list[str]:
    return [_("Pilot ID"), _("Pilot"), _("District")]


def pilots_sheet(pilots, locale: str, internal: bool, progress: dict | None = None) -> Sheet:
    header = pilot_header(internal)
    rows = pilot_rows(pilots, locale, internal, progress)
    amounts = {i + 1 for i, f in enumerate(exported(internal)) if f.name == FUNDING_FIELD}
    rows = [[Nok(v) if i in amounts and isinstance(v, int) else v for i, v in enumerate(row)] for row in rows]
    return Sheet(_("Pilots"), header, rows)


def funding_sheet(where: list) -> Sheet:
    lines = db.session.scalars(
        sa.select(FundingLine).join(FundingLine.pilot).where(*where)
        .options(joinedload(FundingLine.pilot).joinedload(Pilot.district), joinedload(FundingLine.partner))
        .order_by(FundingLine.pilot_id, FundingLine.year, FundingLine.id)
    ).all()
    header = [*_pilot_columns(), _("Status"), _("Year"), _("Source kind"), _("Source"), _("Kind"),
              _("Amount (NOK)")]
    rows = [[*_pilot_cells(line.pilot), label("status", line.pilot.status), line.year,
             label("source_type", line.source_type), line.partner.name if line.partner else line.source,
             label("funding_kind", line.kind), Nok(line.amount)] for line in lines]
    return Sheet(_("Funding lines"), header, rows)


def partners_sheet(pilots) -> Sheet:
    header = [*_pilot_columns(), _("Partner"), _("Partner kind"), _("Organisation number"), _("Role")]
    rows = [[*_pilot_cells(p), link.partner.name, label("partner_kind", link.partner.kind),
             link.partner.org_number, label("partner_role", link.role)]
            for p in pilots for link in sorted(p.partner_links, key=lambda x: (x.partner.name, x.role))]
    return Sheet(_("Partners per pilot"), header, rows)


def outcomes_sheet(pilots, where: list) -> Sheet:
    kpis: dict[int, list[OutcomeKPI]] = {}
    for kpi, pilot_id in db.session.execute(
        sa.select(OutcomeKPI, Outcome.pilot_id).join(OutcomeKPI.outcome).join(Outcome.pilot).where(*where)
        .order_by(Outcome.pilot_id, OutcomeKPI.position, OutcomeKPI.id)
    ):
        kpis.setdefault(pilot_id, []).append(kpi)
    header = [*_pilot_columns(), _("Verdict"), _("Recorded"), _("KPI"), _("Unit"), _("Baseline"), _("Target"),
              _("Actual")]
    rows = []
    for p in pilots:
        if p.outcome is None:
            continue
        start = [*_pilot_cells(p), label("verdict", p.outcome.verdict), p.outcome.recorded_at]
        for kpi in kpis.get(p.id) or [None]:  # an outcome without KPIs still has its row
            rows.append([*start, *([kpi.name, kpi.unit, kpi.baseline, kpi.target, kpi.actual] if kpi
                                   else ["", "", None, None, None])])
    return Sheet(_("Outcomes and KPIs"), header, rows)


def history_sheet(where: list, internal: bool) -> Sheet:
    events = db.session.scalars(
        sa.select(StatusEvent).join(StatusEvent.pilot).where(*where)
        .options(joinedload(StatusEvent.pilot).joinedload(Pilot.district), joinedload(StatusEvent.actor))
        .order_by(StatusEvent.pilot_id, StatusEvent.at, StatusEvent.id)
    ).all()
    header = [*_pilot_columns(), _("When"), _("From"), _("To"), _("Action")]
    if internal:
        header += [_("By"), _("Comment")]
    rows = []
    for e in events:
        row = [*_pilot_cells(e.pilot), e.at, label("status", e.from_status) if e.from_status else "",
               label("status", e.to_status), label("action", e.action) if e.action else _("created")]
        if internal:
            row += [e.actor.name if e.actor else "", e.comment]
        rows.append(row)
    return Sheet(_("Status history"), header, rows)


def readme_sheet(what: str, scope_text: str, filters: list[tuple[str, str]], viewer: str,
                 sheets: list[Sheet]) -> Sheet:
    """Which export this is, whose view, which filters, when, and what each sheet holds."""
    rows = [
        [_("Export"), what],
        [_("Exported by"), viewer],
        [_("Exported at"), utcnow()],
        [_("Pilots counted"), scope_text],
        [_("Filters"), "; ".join(f"{name}: {value}" for name, value in filters) or _("None")],
        [_("Amounts"), _("Whole Norwegian kroner (NOK), as numbers.")],
        [_("Times"), _("Dates as dates; moments in Norwegian time (Europe/Oslo).")],
        *[[_("Sheet"), f"{s.title} ({len(s.rows)})"] for s in sheets],
    ]
    return Sheet(_("Read me"), [_("About this file"), ""], rows)


def pilot_sheets(pilots, where: list, locale: str, internal: bool,
                 progress: dict | None = None) -> list[Sheet]:
    """The pilot sheets of the pilots matching ``where`` (``pilots``: those pilots, loaded by
    ``queries.export_pilots``): funding lines only for signed-in viewers; ``progress`` as for
    ``exports.pilot_rows``."""
    sheets = [pilots_sheet(pilots, locale, internal, progress)]
    if internal:
        sheets.append(funding_sheet(where))
    sheets += [partners_sheet(pilots), outcomes_sheet(pilots, where), history_sheet(where, internal)]
    return sheets
