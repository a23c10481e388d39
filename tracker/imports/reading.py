"""Reading a spreadsheet into rows of cell values, with every size bounded before it is read.

``read_table(data, filename)`` takes the uploaded bytes (the upload is already capped at
``MAX_FILE_BYTES`` by ``guards.accepts_files``) and returns a :class:`Table`: the header row, the
data rows (each with its row number in the sheet) and how the file was read (format, CSV
separator and encoding). Formulas are never evaluated: XLSX is read with openpyxl's
``data_only=True`` (the cached values Excel saved) and ODS with calamine (the cached values too).

Hostile files end in :class:`Unreadable` with a message for the user, never a 500:

- a zip (XLSX, ODS) whose members unpack to more than ``MAX_UNPACKED_BYTES`` (a zip bomb) is
  refused from its directory, before any member is inflated;
- XML entity expansion: openpyxl parses through defusedxml when it is installed (it is a
  dependency; ``check_defused`` makes sure), calamine's XML reader expands no entities;
- more than ``MAX_ROWS`` data rows, ``MAX_COLUMNS`` columns or a cell over ``MAX_CELL_CHARS``
  characters stops the reading at the first offending row.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import gettext as _

MAX_FILE_BYTES = 20 * 1024 * 1024  # what the upload accepts (a 100 MB file is a 413 before reading)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all members of an XLSX/ODS together, uncompressed
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000
HEADER_SCAN_ROWS = 10  # the header row is looked for among the first rows (a title row above it)

FORMATS = ("xlsx", "ods", "csv")


class Unreadable(ValueError):
    """The file cannot be read; ``str(exc)`` is the reason in the user's language."""


@dataclass
class Table:
    format: str
    headers: list[str]
    rows: list[tuple[int, list]]  # (row number in the sheet, cell values)
    encoding: str = ""  # CSV only: "UTF-8", "UTF-8 with BOM" or "Windows-1252"
    separator: str = ""  # CSV only
    header_row: int = 1
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """How the file was read, for the preview ("CSV, separator ;, Windows-1252")."""
        if self.format == "csv":
            return _("CSV file, separator “%(sep)s”, encoding %(enc)s", sep=self.separator, enc=self.encoding)
        return _("%(fmt)s spreadsheet (saved values; formulas are not calculated)", fmt=self.format.upper())


def file_format(filename: str) -> str | None:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return ext if ext in FORMATS else None


def check_defused() -> None:
    """openpyxl protects against entity expansion only with defusedxml installed."""
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise RuntimeError("defusedxml is not installed: openpyxl would expand XML entities")


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Unreadable(_("The file is not a valid spreadsheet (it could not be opened).")) from exc
    if len(members) > 10_000 or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise Unreadable(_("The file unpacks to far more than its size (over %(mb)s MB) and is refused.",
                           mb=MAX_UNPACKED_BYTES // (1024 * 1024)))


def _too_many_rows() -> Unreadable:
    return Unreadable(_("The sheet has more than %(max)s rows. Split it into smaller files.", max=MAX_ROWS))


def _clean(value):
    """Cells as plain Python values: text stripped (empty → None), whole floats as int."""
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            raise Unreadable(_("A cell holds more than %(max)s characters. Shorten it.", max=MAX_CELL_CHARS))
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, time):
        return None if value == time(0) else value
    return value


def _bounded(rows):
    """``(number, cells)`` for the non-empty rows, at most ``MAX_ROWS`` + header rows."""
    count = 0
    for number, raw in enumerate(rows, 1):
        cells = [_clean(v) for v in raw[:MAX_COLUMNS + 1]]
        if len(cells) > MAX_COLUMNS and any(v is not None for v in cells[MAX_COLUMNS:]):
            raise Unreadable(_("The sheet has more than %(max)s columns.", max=MAX_COLUMNS))
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        count += 1
        if count > MAX_ROWS + HEADER_SCAN_ROWS:
            raise _too_many_rows()
        yield number, cells


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    check_defused()
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken or hostile file
        raise _xlsx_refusal(exc) from exc
    try:
        sheet = workbook.worksheets[0]
        yield from _bounded(row for row in sheet.iter_rows(values_only=True))
    except Unreadable:
        raise
    except Exception as exc:
        raise _xlsx_refusal(exc) from exc
    finally:
        workbook.close()


def _xlsx_refusal(exc: Exception) -> Unreadable:
    from defusedxml import DefusedXmlException

    seen = exc
    while seen is not None and not isinstance(seen, DefusedXmlException):
        seen = seen.__cause__ or seen.__context__
    if seen is not None:
        return Unreadable(_("The file defines XML entities, which can make it grow without limit: it is "
                            "refused. Save it again from Excel."))
    return Unreadable(_("The file is not a valid Excel workbook (.xlsx)."))


def _ods_rows(data: bytes):
    from python_calamine import CalamineWorkbook

    _check_zip(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:
        raise Unreadable(_("The file is not a valid OpenDocument spreadsheet (.ods).")) from exc
    yield from _bounded(rows)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the name of its encoding: UTF-8 (with or without BOM), else
    Windows-1252 (what Norwegian Excel writes with "CSV (semikolondelt)")."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:  # five bytes are undefined in Windows-1252
        raise Unreadable(_("The CSV file is neither UTF-8 nor Windows-1252 text.")) from exc


def sniff_separator(text: str) -> str:
    """``;`` or ``,``: whichever splits the first line into more columns (``;`` on a tie)."""
    first = text[:65536].split("\n", 1)[0]
    return "," if first.count(",") > first.count(";") else ";"


def _csv_rows(data: bytes, table: Table):
    text, table.encoding = decode(data)
    if "\x00" in text:
        raise Unreadable(_("The file is not a CSV text file."))
    table.separator = sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=table.separator)
    try:
        yield from _bounded(reader)
    except csv.Error as exc:  # a field over csv.field_size_limit (131,072 characters) and the like
        raise Unreadable(_("A cell holds more than %(max)s characters. Shorten it.", max=MAX_CELL_CHARS)) \
            from exc


def _header_index(first: list[tuple[int, list]], score) -> int:
    """The row among the first few that names the most known columns (a title row may be above)."""
    best, best_score = 0, -1
    for i, (_number, cells) in enumerate(first):
        points = score([c for c in cells if isinstance(c, str)])
        if points > best_score:
            best, best_score = i, points
    return best


def header_texts(cells: list) -> list[str]:
    """Header cells as text; a blank one (the rest of a merged cell, or no header) becomes
    "Column N" and maps to nothing until the user says otherwise."""
    return [("" if value is None else str(value).strip()) or _("Column %(n)s", n=i)
            for i, value in enumerate(cells, 1)]


def read_table(data: bytes, filename: str, score=lambda cells: len(cells)) -> Table:
    """Read ``data`` (named ``filename``); ``score`` rates a candidate header row (the number of
    known column names it holds)."""
    fmt = file_format(filename)
    if fmt is None:
        raise Unreadable(_("Upload an .xlsx, .ods or .csv file."))
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(_("The file is larger than %(mb)s MB.", mb=MAX_FILE_BYTES // (1024 * 1024)))
    if not data:
        raise Unreadable(_("The file is empty."))
    table = Table(format=fmt, headers=[], rows=[])
    rows = {"xlsx": _xlsx_rows, "ods": _ods_rows}[fmt](data) if fmt != "csv" else _csv_rows(data, table)
    first: list[tuple[int, list]] = []
    for item in rows:
        first.append(item)
        if len(first) >= HEADER_SCAN_ROWS:
            break
    if not first:
        raise Unreadable(_("The sheet is empty."))
    index = _header_index(first, score)
    table.header_row, header = first[index]
    table.headers = header_texts(header)
    data_rows = first[index + 1:]
    for item in rows:
        data_rows.append(item)
        if len(data_rows) > MAX_ROWS:
            raise _too_many_rows()
    width = len(table.headers)
    table.rows = [(n, (cells + [None] * width)[:max(width, len(cells))]) for n, cells in data_rows]
    return table


def excel_serial(value) -> date | None:
    """An Excel date serial (days since 1899-12-30) as a date, if it is a plausible one."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 < value < 80_000:
        from datetime import timedelta

        return date(1899, 12, 30) + timedelta(days=int(value))
    return None


def as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return excel_serial(value)
