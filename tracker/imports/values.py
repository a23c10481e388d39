"""Cell values as Norwegians and Excel write them, turned into the pilot's values.

Each parser returns the value or raises :class:`Bad` with the reason in the user's language.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import gettext as _

from tracker.imports.mapping import fold
from tracker.imports.reading import as_date
from tracker.pilots.models import DATE_MAX, DATE_MIN, FUNDING_AMOUNT_MAX, ArenaKind
from tracker.pilots.workflow import Status


class Bad(ValueError):
    """A cell that cannot be used; ``str(exc)`` says why."""


STATUS_WORDS = {
    Status.DRAFT: ["utkast", "draft", "ide", "idea", "forslag"],
    Status.SUBMITTED: ["til vurdering", "innsendt", "sendt inn", "soknad", "submitted", "under review"],
    Status.APPROVED: ["godkjent", "planlagt", "approved", "planned"],
    Status.RUNNING: ["pagar", "aktiv", "i gang", "igangsatt", "running", "ongoing", "active", "in progress"],
    Status.PAUSED: ["pa pause", "pause", "satt pa vent", "paused", "on hold"],
    Status.COMPLETED: ["fullfort", "avsluttet", "ferdig", "gjennomfort", "completed", "finished", "done"],
    Status.EVALUATED: ["evaluert", "evaluated"],
    Status.REJECTED: ["avslatt", "avvist", "rejected"],
    Status.WITHDRAWN: ["trukket", "avbrutt", "stoppet", "kansellert", "withdrawn", "cancelled", "canceled"],
}
ARENA_WORDS = {
    ArenaKind.PHYSICAL: ["fysisk", "fysisk arena", "physical"],
    ArenaKind.DIGITAL: ["digital", "digitalt", "digital arena"],
    ArenaKind.ORGANISATIONAL: ["organisatorisk", "kommunen som testarena", "nye arbeidsmater",
                               "organisational", "organizational"],
}
TRUE_WORDS = {"ja", "j", "yes", "y", "x", "true", "sann", "1"}
FALSE_WORDS = {"nei", "n", "no", "false", "usann", "0"}
MONTHS = {fold(m): i for i, names in enumerate([
    ("januar", "january", "jan"), ("februar", "february", "feb"), ("mars", "march", "mar"),
    ("april", "apr"), ("mai", "may"), ("juni", "june", "jun"), ("juli", "july", "jul"),
    ("august", "aug"), ("september", "sep", "sept"), ("oktober", "october", "okt", "oct"),
    ("november", "nov"), ("desember", "december", "des", "dec")], 1) for m in names}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def words(table: dict, labels: dict) -> dict[str, str]:
    """Folded word → code: the synonyms, the codes and the labels (both languages)."""
    known = {}
    for code, items in table.items():
        for word in (*items, str(code)):
            known[fold(word)] = str(code)
    for code, texts in labels.items():
        for text in texts:
            known.setdefault(fold(text), str(code))
    return known


def choice(value, known: dict[str, str], what: str) -> str:
    code = known.get(fold(value))
    if code is None:
        raise Bad(_("“%(value)s” is not a known %(what)s.", value=value, what=what))
    return code


def text(value, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        value = value.isoformat()
    value = str(value).strip()
    if len(value) > limit:
        raise Bad(_("Too long: at most %(max)s characters, this has %(n)s.", max=limit, n=len(value)))
    return value


def email(value) -> str:
    value = text(value, 254)
    if value and not EMAIL.fullmatch(value):
        raise Bad(_("“%(value)s” is not an e-mail address.", value=value))
    return value


def boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    key = fold(value)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS or not key:
        return False
    raise Bad(_("Write “ja” or “nei” (yes or no)."))


def _from_text(value: str) -> date | None:
    value = value.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", value):
        y, mo, d = m.groups()
    elif m := re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})", value):
        d, mo, y = m.groups()
        y = str(2000 + int(y)) if len(y) == 2 else y
    elif m := re.fullmatch(r"(\d{1,2})\.?\s+([^\W\d_]+)\.?\s+(\d{4})", value):
        d, month, y = m.groups()
        mo = MONTHS.get(fold(month))
        if mo is None:
            return None
    else:
        return None
    return date(int(y), int(mo), int(d))


def day(value) -> date | None:
    """A date: a real date cell, an Excel serial number, ``2026-03-01``, ``01.03.2026``,
    ``1.3.26``, ``1. mars 2026``."""
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"[0-9]{5}", value.strip()):
        value = int(value)  # an Excel serial saved as text in a CSV
    found = as_date(value)
    if found is None and isinstance(value, str):
        try:
            found = _from_text(value)
        except ValueError:  # 31.02.2026
            raise Bad(_("“%(value)s” is not a date in the calendar.", value=value)) from None
    if found is None:
        raise Bad(_("“%(value)s” is not a date. Write it as 31.12.2026 or 2026-12-31.", value=value))
    if not DATE_MIN <= found <= DATE_MAX:
        raise Bad(_("Enter a date in the years %(min)s to %(max)s.", min=DATE_MIN.year, max=DATE_MAX.year))
    return found


AMBIGUOUS = re.compile(r"(mill|mrd|milliard|million|billion|\bk\b|tusen|thousand|mnok|\bm\b)", re.I)


def kroner(value) -> int | None:
    """Whole kroner: ``250000``, ``"250 000"``, ``"kr 1 200 000"``, ``"1.200.000,-"``. Refused:
    ``"1,5 mill."`` and the like (a scale word makes the amount a guess), decimals of kroner,
    negative amounts."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise Bad(_("Write the amount in whole kroner, for example 250 000."))
    if isinstance(value, int | float):
        if value != int(value):
            raise Bad(_("Write the amount in whole kroner, without øre."))
        amount = int(value)
    else:
        raw = str(value)
        if AMBIGUOUS.search(raw):
            raise Bad(_("“%(value)s” is ambiguous: write the whole amount in kroner, for example 1 500 000.",
                        value=raw))
        cleaned = re.sub(r"[\s\u00a0\u202f]", "", raw)
        cleaned = re.sub(r"(?i)^(kr\.?|nok)|(kr\.?|nok|,-|\.-|,00)$", "", cleaned)
        cleaned = re.sub(r"(?i)^(kr\.?|nok)", "", cleaned)
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", cleaned):
            cleaned = cleaned.replace(".", "")
        if not re.fullmatch(r"-?\d{1,15}", cleaned):
            raise Bad(_("“%(value)s” is not an amount in whole kroner. Write it as 250 000.", value=raw))
        amount = int(cleaned)
    if amount < 0:
        raise Bad(_("An amount cannot be negative."))
    if amount > FUNDING_AMOUNT_MAX:
        raise Bad(_("The amount is larger than %(max)s kroner: check it.", max=FUNDING_AMOUNT_MAX))
    return amount


def items(value) -> list[str]:
    """A list in one cell: split on ``;`` and line breaks (on ``,`` when there is neither)."""
    if value is None:
        return []
    raw = str(value)
    parts = re.split(r"[;\n\r]+", raw) if re.search(r"[;\n\r]", raw) else raw.split(",")
    return [p.strip() for p in parts if p.strip()]


ORG_IN_TEXT = re.compile(r"^(.*?)[\s(]*(?:org\.?\s*(?:nr\.?)?\s*)?(\d{3}\s?\d{3}\s?\d{3})\)?$", re.I)


def partner_item(item: str) -> tuple[str, str]:
    """``(name, org number)`` of ``"Sirkulær Bygg AS (974760673)"``; either may be empty."""
    m = ORG_IN_TEXT.match(item)
    if m:
        return m.group(1).strip(" ,-"), re.sub(r"\s", "", m.group(2))
    return item, ""
