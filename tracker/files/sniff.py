"""Which files are accepted: decided from the bytes (``filetype`` and zip structure), never the name.

Accepted: PDF, PNG, JPEG, WebP, Office Open XML (docx, xlsx, pptx), OpenDocument (odt, ods, odp),
plain UTF-8 text and CSV. Everything else is refused, markup included (HTML, SVG, XML: they carry
scripts), and a zip whose members would expand beyond ``MAX_UNZIPPED`` or ``MAX_RATIO`` (a zip bomb).
"""

from __future__ import annotations

import zipfile

import filetype

MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 10_000
HEAD = 8192

SIMPLE = {"application/pdf", "image/png", "image/jpeg", "image/webp"}
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
       "application/vnd.oasis.opendocument.presentation")
MARKUP = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body", b"<iframe")
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp",
              "text/plain": "txt", "text/csv": "csv", **{m: ext for ext, m in zip(
                  ("docx", "xlsx", "pptx"), OOXML.values(), strict=True)},
              **dict(zip(ODF, ("odt", "ods", "odp"), strict=True))}


class Refused(ValueError):
    """The file is not of an accepted type; ``reason`` is a short machine key."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sniff(fileobj, filename: str = "") -> str:
    """The accepted MIME type of ``fileobj`` (a seekable binary file) or ``Refused``."""
    fileobj.seek(0)
    head = fileobj.read(HEAD)
    fileobj.seek(0)
    if not head:
        raise Refused("empty")
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in SIMPLE:
            return kind.mime
        if kind.mime == "application/zip" or kind.extension in {"docx", "xlsx", "pptx", "odt", "ods", "odp"}:
            return _zip_type(fileobj)
        raise Refused("type")
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(fileobj)
    return _text_type(head, filename)


def _text_type(head: bytes, filename: str) -> str:
    if b"\x00" in head:
        raise Refused("type")
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut at the end of the sample is fine
            raise Refused("type") from None
        text = head[:exc.start].decode("utf-8")
    lowered = text.lstrip("\ufeff \t\r\n").lower().encode()
    if any(lowered.startswith(m) for m in MARKUP) or b"<script" in lowered or b"<svg" in lowered:
        raise Refused("markup")
    return "text/csv" if filename.lower().endswith(".csv") else "text/plain"


def _zip_type(fileobj) -> str:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            _check_bomb(members, fileobj)
            names = {m.filename for m in members}
            if "mimetype" in names:
                mime = archive.read("mimetype").decode("ascii", "replace").strip()
                if mime in ODF and "content.xml" in names:
                    return mime
                raise Refused("type")
            if "[Content_Types].xml" in names:
                for prefix, mime in OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return mime
            raise Refused("type")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, UnicodeError):
        raise Refused("type") from None
    finally:
        fileobj.seek(0)


def _check_bomb(members, fileobj) -> None:
    fileobj.seek(0, 2)
    packed = max(fileobj.tell(), 1)
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNZIPPED or unpacked / packed > MAX_RATIO:
        raise Refused("bomb")
