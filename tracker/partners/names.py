"""Organisation names folded to a comparison key, and the close-match rule for duplicate hints.

``name_key("Sirkulær Bygg  AS")`` and ``name_key("sirkulaer bygg")`` are both ``"sirkulaer bygg"``:
lower-cased, æ/ø/å and other diacritics folded, punctuation and runs of whitespace turned into
single spaces, and company-form suffixes (AS, ASA, SA, …) dropped when they end the name.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

# Norwegian company forms, plus the common Nordic and English ones partners register under.
COMPANY_SUFFIXES = frozenset({
    "as", "asa", "sa", "ans", "da", "ba", "se", "ks", "nuf", "sf", "iks", "kf",
    "ab", "oy", "oyj", "aps", "gmbh", "ltd", "limited", "inc", "llc", "plc",
})
FOLDS = {"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "œ": "oe", "đ": "d", "ł": "l", "þ": "th"}
SIMILARITY = 0.85
MIN_CONTAINED = 4  # shorter keys inside longer ones ("as", "oslo") say nothing


def name_key(name: str | None) -> str:
    """The comparison key of an organisation name (may be empty for names without letters)."""
    text = (name or "").casefold()
    text = "".join(FOLDS.get(ch, ch) for ch in text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    words = re.sub(r"[\W_]+", " ", text).split()
    while (cut := _suffix_length(words)) and len(words) > cut:
        del words[-cut:]
    return " ".join(words)


def _suffix_length(words: list[str]) -> int:
    """How many trailing words form a company suffix: ``as``, or spelt out as ``a s`` (A/S, A.S.)."""
    if words and words[-1] in COMPANY_SUFFIXES:
        return 1
    for n in (3, 2):
        tail = words[-n:]
        if len(tail) == n and all(len(w) == 1 for w in tail) and "".join(tail) in COMPANY_SUFFIXES:
            return n
    return 0


def is_close(key: str, other: str) -> bool:
    """Whether two keys probably name the same organisation."""
    if not key or not other:
        return False
    if key == other:
        return True
    shorter, longer = sorted((key, other), key=len)
    if len(shorter) >= MIN_CONTAINED and re.search(rf"(^| ){re.escape(shorter)}( |$)", longer):
        return True
    return SequenceMatcher(None, key, other).ratio() >= SIMILARITY
