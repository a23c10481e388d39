"""Spreadsheets built in the suite for the import tests: XLSX (openpyxl), CSV (csv), ODS (by hand)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from xml.sax.saxutils import escape

from openpyxl import Workbook

HEADERS = ["ID", "Tittel", "Bydel", "Status", "Oppstart", "Slutt", "Ansvarlig", "Partnere", "Budsjett 2026"]


class Formula(str):
    """A cell written as a live formula (other text beginning with ``=`` is written as text)."""


def xlsx(rows: list[list], title: str | None = None, merge_title: bool = False) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        if merge_title:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    for row in rows:
        sheet.append(row)
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            if isinstance(value, str) and value.startswith("=") and not isinstance(value, Formula):
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], sep: str = ";", encoding: str = "cp1252", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding)


def ods(rows: list[list]) -> bytes:
    """A minimal OpenDocument spreadsheet (strings and numbers)."""
    def cell(value):
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, int | float):
            return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
                "</table:table-cell>")

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Ark1">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb() -> bytes:
    """An .xlsx whose one member unpacks to 300 MB of zeros (a few hundred kB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
        chunk = b"0" * (1024 * 1024)
        for _ in range(300):
            member.write(chunk)
    return out.getvalue()


def entity_expansion() -> bytes:
    """An .xlsx whose sheet defines the "billion laughs" entities (10^9 "lol"s if expanded)."""
    good = xlsx([["Tittel"], ["x"]])
    doctype = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
               + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
               + "]>").encode()
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = doctype + data.replace(b"<t>Tittel</t>", b"<t>&lol9;</t>")
            archive.writestr(item.filename, data)
    return out.getvalue()


def with_cached_values(data: bytes, cached: dict[str, str]) -> bytes:
    """``data`` (an .xlsx from :func:`xlsx`) with Excel's saved result in formula cells
    (openpyxl writes a formula with an empty ``<v />``); ``cached`` maps a cell ("I3") to its value."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, value in cached.items():
                    start = body.index(f'<c r="{ref}"'.encode())
                    end = body.index(b"</c>", start)
                    # ``<v />`` from the standard library's writer, ``<v/>`` or ``<v></v>`` through lxml
                    cell = re.sub(rb"<v\s*/>|<v></v>", f"<v>{value}</v>".encode(), body[start:end], count=1)
                    body = body[:start] + cell + body[end:]
            archive.writestr(item.filename, body)
    return out.getvalue()
