"""Which files are accepted is decided from their bytes, never from their name."""

from __future__ import annotations

import io

import pytest

from tests import files_samples as s
from tracker.files.sniff import Refused, sniff

ACCEPTED = [
    (s.PDF, "report.pdf", "application/pdf"),
    (s.PNG, "photo.png", "image/png"),
    (s.TEXT, "samtykke.txt", "text/plain"),
    (b"name;amount\nA;1\n", "budget.csv", "text/csv"),
    (s.docx(), "agreement.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (s.odt(), "report.odt", "application/vnd.oasis.opendocument.text"),
    (s.PDF, "no-extension", "application/pdf"),  # the content decides, not the (missing) name
]


@pytest.mark.parametrize("data,name,mime", ACCEPTED, ids=[a[1] for a in ACCEPTED])
def test_accepted_types_are_recognised_from_content(data, name, mime):
    assert sniff(io.BytesIO(data), name) == mime


REFUSED = [
    (s.EXE, "consent.pdf", "type"),  # a renamed Windows executable
    (s.ELF, "report.txt", "type"),
    (s.HTML, "report.pdf", "markup"),  # an HTML page named .pdf
    (s.SVG, "photo.png", "markup"),
    (s.SVG_XML, "diagram.svg", "markup"),
    (s.zip_bomb_docx(), "agreement.docx", "bomb"),  # a zip bomb disguised as DOCX
    (s.plain_zip(), "agreement.docx", "type"),  # a zip without Office structure
    (b"PK\x03\x04 not really a zip", "x.docx", "type"),
    (b"", "empty.txt", "empty"),
    ("Ærlig tekst".encode("latin-1") + b"\xff\xfe" * 20, "latin1.txt", "type"),
]


@pytest.mark.parametrize("data,name,reason", REFUSED, ids=[f"{r[1]}-{r[2]}" for r in REFUSED])
def test_refused_types(data, name, reason):
    with pytest.raises(Refused) as refused:
        sniff(io.BytesIO(data), name)
    assert refused.value.reason == reason
