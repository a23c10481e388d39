"""Which pilot field each column of a sheet fills: targets derived from the pilot field registry,
headers matched in Norwegian and English (the registry's labels in both languages plus synonyms
that city sheets use), and funding columns per year ("Budsjett 2026")."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.pilots.audit_fields import FIELDS

# The registry's fields a sheet may fill: the proposal form's, plus the status and actual dates.
FIELD_NAMES = tuple(f.name for f in FIELDS if f.name != "funding"
                    and (f.section or f.name in ("status", "actual_start", "actual_end")))
EXTRA = {"reference": _l("External reference (the sheet's own id)"), "lead_partner": _l("Lead partner")}
FUNDING = "funding:"
FUNDING_HEADER = re.compile(r"^(?:budsjett|budget|finansiering|funding|midler|tilskudd|belop|amount)"
                            r"\s*(?:nok|kr)?\s*(\d{4})$|^(\d{4})\s*(?:budsjett|budget|finansiering|funding)$")

SYNONYMS = {
    "title": ["tittel", "prosjektnavn", "prosjekt", "navn", "pilot", "pilotnavn", "navn pa pilot", "title",
              "name", "project", "project name", "pilot name"],
    "district": ["bydel", "distrikt", "bydel/distrikt", "bydel / distrikt", "omrade", "innovasjonsdistrikt",
                 "testarena", "district", "area"],
    "status": ["status", "fase", "tilstand", "state", "phase"],
    "arena_kind": ["arenatype", "type arena", "arena", "type testarena", "arena kind", "arena type"],
    "themes": ["tema", "temaer", "tema(er)", "fagomrade", "themes", "theme", "topic", "topics"],
    "need": ["behov", "problem", "utfordring", "need", "challenge"],
    "description": ["beskrivelse", "hva testes", "description", "what is tested"],
    "goals": ["mal", "malsetting", "maloppnaelse", "suksesskriterier", "goals", "objectives"],
    "location": ["sted", "lokasjon", "adresse", "location", "place", "address"],
    "planned_start": ["oppstart", "start", "planlagt start", "startdato", "planned start", "start date"],
    "planned_end": ["slutt", "planlagt slutt", "sluttdato", "avslutning", "planned end", "end", "end date"],
    "actual_start": ["faktisk start", "faktisk oppstart", "startet", "actual start"],
    "actual_end": ["faktisk slutt", "avsluttet dato", "actual end", "ended"],
    "agency": ["virksomhet", "ansvarlig virksomhet", "etat", "agency", "responsible agency"],
    "contact_name": ["ansvarlig", "kontaktperson", "kontakt", "prosjektleder", "contact", "contact person",
                     "responsible", "project manager"],
    "contact_email": ["e-post", "epost", "kontakt e-post", "email", "e-mail", "contact email"],
    "contact_phone": ["telefon", "tlf", "mobil", "phone", "telephone"],
    "is_public": ["offentlig", "publiseres", "apen", "public", "published"],
    "partners": ["partnere", "partner", "samarbeidspartnere", "partners", "collaborators"],
    "lead_partner": ["hovedpartner", "ledende partner", "lead partner", "lead"],
    "reference": ["id", "ref", "referanse", "ekstern referanse", "prosjektnummer", "prosjektnr", "saksnummer",
                  "reference", "external reference", "external id", "project number"],
}


def fold(text) -> str:
    """A header as compared: lower case, diacritics and æøå folded, spaces and ``:*`` trimmed."""
    text = str(text or "").casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip(" :*.")


def target_label(target: str) -> str:
    """The label of a target in the page's language."""
    if target.startswith(FUNDING):
        return _("Funding %(year)s (NOK, city budget)", year=target[len(FUNDING):])
    if target in EXTRA:
        return str(EXTRA[target])
    return str(next(f.label for f in FIELDS if f.name == target))


def targets(years=()) -> list[tuple[str, str]]:
    """``(target, label)`` for the mapping form: nothing, each field, funding per year."""
    funding = [(f"{FUNDING}{y}", target_label(f"{FUNDING}{y}")) for y in sorted(set(years))]
    return [("", _("Do not import")), ("reference", target_label("reference")),
            *[(name, target_label(name)) for name in (*FIELD_NAMES, "lead_partner")], *funding]


def _known_headers() -> dict[str, str]:
    """Folded header → target: synonyms and the registry's labels in nb and en."""
    known = {}
    for target, words in SYNONYMS.items():
        for word in words:
            known.setdefault(fold(word), target)
    for locale in ("nb", "en"):
        with force_locale(locale):
            for name in (*FIELD_NAMES, *EXTRA):
                known.setdefault(fold(target_label(name)), name)
    return known


def funding_year(header) -> int | None:
    match = FUNDING_HEADER.match(fold(header))
    if not match:
        return None
    year = int(match.group(1) or match.group(2))
    return year if 2000 <= year <= 2100 else None


def guess(header, known: dict[str, str] | None = None) -> str:
    """The target a header names ("" if none)."""
    known = _known_headers() if known is None else known
    key = fold(header)
    if key in known:
        return known[key]
    year = funding_year(header)
    return f"{FUNDING}{year}" if year else ""


def header_score():
    """For ``reading.read_table``: how many cells of a row are known headers."""
    known = _known_headers()
    return lambda cells: sum(1 for c in cells if guess(c, known))


def auto_mapping(headers: list[str], saved: dict | None = None) -> list[str]:
    """A target per column: the saved mapping's where it names the header, else the guess; a
    target already taken by an earlier column is not given twice."""
    known, taken, result = _known_headers(), set(), []
    for header in headers:
        target = (saved or {}).get(fold(header))
        if target is None:
            target = guess(header, known)
        if target in taken:
            target = ""
        if target:
            taken.add(target)
        result.append(target)
    return result


def valid_target(target: str) -> bool:
    if target.startswith(FUNDING):
        year = target[len(FUNDING):]
        return year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100
    return target in ("", "reference", "lead_partner", *FIELD_NAMES)
