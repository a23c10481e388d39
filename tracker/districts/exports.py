"""CSV downloads of the district pilot list and the city overview, and what the XLSX shares
(columns, formula guards; the workbook itself is ``tracker/districts/workbook.py``).

Files hold raw values (no locale number formatting) under a header translated to the UI language;
moments are in the UI's time zone (``BABEL_DEFAULT_TIMEZONE``, Europe/Oslo), as on the page.
CSV is UTF-8 with a BOM (so Excel reads æøå) and ``,`` or ``;`` (Norwegian Excel) between fields.
User text that a spreadsheet would run as a formula is always written as text: ``formula_like``
guards XLSX cells, ``csv_text`` every CSV cell (also where a separator inside it could start one).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from flask import Response
from flask_babel import gettext as _
from flask_babel import to_user_timezone

from tracker.labels import label
from tracker.links import absolute_url
from tracker.pilots.audit_fields import exported

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# A formula start at the beginning of the text or after anything a spreadsheet may split a CSV
# line on (``,`` ``;`` tab, a line break), possibly behind quote marks: a file opened with the
# other separator (Norwegian Excel splits on ``;``) must not turn ``Plan;=1+1`` into a formula.
_SPLITS, _STARTS = r",;\t\r\n", r"=+\-@\t\r"
CSV_FORMULA_START = re.compile(rf'(^|[{_SPLITS}])("*)(?=[{_STARTS}])')
# The same starts, to test for one in ``"\n" + text``: five times faster to search (it begins with
# a character class), and a line break before the text stands for its start.
CSV_FORMULA_AFTER_BREAK = re.compile(rf'[{_SPLITS}]"*[{_STARTS}]')


class Link(str):
    """A URL that the XLSX shows as a hyperlink (only these: user text that looks like a URL stays text)."""


def formula_like(value) -> bool:
    """Text a spreadsheet would read as a formula (or as the start of one)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_text(value):
    """A CSV cell no spreadsheet reads as a formula, whichever separator it splits on: ``'``
    before every formula start (the usual text marker). Non-text values are unchanged."""
    if isinstance(value, str) and CSV_FORMULA_AFTER_BREAK.search(f"\n{value}"):  # a sub is not cheap
        return CSV_FORMULA_START.sub(r"\1\2'", value)
    return value


def _plain(value):
    """Dates as ISO text (moments in the UI's time zone), ``None`` as empty; numbers and text
    unchanged."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_user_timezone(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(header: list[str], rows: list[list], sep: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow([csv_text(h) for h in header])
    for row in rows:
        writer.writerow([csv_text(_plain(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attachment(body: bytes, content_type: str, filename: str) -> Response:
    """A download of ``body`` named ``filename``."""
    response = Response(body, content_type=content_type)  # mimetype= would append a second charset
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_download(header: list[str], rows: list[list], basename: str, sep: str = ",") -> Response:
    """One flat table as a CSV attachment (the XLSX is the analyst's workbook: ``workbook.py``)."""
    return attachment(to_csv(header, rows, sep), "text/csv; charset=utf-8", f"{basename}.csv")


def pilot_header(internal: bool) -> list[str]:
    """Column titles: the pilot registry's exported fields; ``internal`` (signed-in viewers) adds
    those not shown publicly (the funding total)."""
    progress = [_("Latest progress"), _("Latest progress report")] if internal else []
    return [_("ID"), *[str(f.export_label or f.label) for f in exported(internal)], *progress, _("Link")]


def pilot_rows(pilots, locale: str, internal: bool, progress: dict | None = None) -> list[list]:
    """One row per pilot; ``internal`` adds the internal fields and the latest progress report's
    state and date (``progress``: ``{pilot id: (state, date)}``)."""
    fields = exported(internal)

    def latest(p) -> list:
        if not internal:
            return []
        state, day = (progress or {}).get(p.id, (None, None))
        return [label("progress_state", state) if state else "", day]

    return [[p.id, *[f.export(p, locale) for f in fields], *latest(p),
             Link(absolute_url("pilots.show", pilot_id=p.id))] for p in pilots]


def overview_header(statuses, verdicts, internal: bool) -> list[str]:
    """Column titles; ``internal`` (signed-in viewers) adds funding and needs attention."""
    header = [_("District"), _("Retired"), *[label("status", s) for s in statuses], _("Total"),
              *[label("verdict", v) for v in verdicts]]
    if not internal:
        return header
    return [*header, _("Funding of approved and later pilots (NOK)"), _("Needs attention")]


def overview_rows(rows, total, statuses, verdicts, internal: bool) -> list[list]:
    out = []
    for row in [*rows, total]:
        name = row.district.name if row.district else _("Total")
        retired = (_("Yes") if row.district.retired else _("No")) if row.district else ""
        cells = [name, retired, *[row.statuses[s] for s in statuses], row.total,
                 *[row.verdicts[v] for v in verdicts]]
        out.append([*cells, row.funding, row.attention] if internal else cells)
    return out
