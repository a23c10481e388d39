"""Words for the index and the query: Snowball stems (Norwegian and English), folded diacritics,
and the highlighted snippet. Pure Python, no database: both backends use the same words.

A word is indexed as its Norwegian and its English stem (so "skolene" and "skole" meet at "skol",
"lessons" and "lesson" at "lesson"), and once more folded (ø→o, æ→ae, å→a…) so a search typed
without diacritics still finds it, ranked lower.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from markupsafe import Markup, escape

WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 8  # a query's words beyond this are ignored (bounded SQL whatever is typed)
# A query word (stem) shorter than this is matched as a whole word, not as the start of one: "a"
# as a prefix is every word beginning with a, which the engines read in full (seconds for "a b c").
MIN_PREFIX = 3
_FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ð": "d", "þ": "th", "ß": "ss"})
_STEMMERS = (Stemmer.Stemmer("norwegian"), Stemmer.Stemmer("english"))


def is_prefix(word: str) -> bool:
    """Is ``word`` long enough to be matched as the start of longer words (``MIN_PREFIX``)?"""
    return len(word) >= MIN_PREFIX


def fold(text: str) -> str:
    """Lower case without diacritics: "Sløyfe Tromsø Ærlig" → "sloyfe tromso aerlig"."""
    text = text.lower()
    if text.isascii():
        return text
    text = text.translate(_FOLD)
    if text.isascii():  # Norwegian text, once ø, æ and å are gone: no decomposition needed
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD.findall((text or "").lower())


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, ...]:
    """The word's Norwegian and English stems (one when they agree)."""
    return tuple(dict.fromkeys(s.stemWord(word) for s in _STEMMERS))


@lru_cache(maxsize=50_000)
def _folded_stems(word: str) -> tuple[str, ...]:
    return tuple(fold(s) for s in stems(word))


def stemmed(text: str) -> str:
    """``text`` as space-separated stems, for the stemmed index columns."""
    return " ".join(s for w in words(text) for s in stems(w))


def folded_stems(text: str) -> str:
    """``text`` as folded stems, for the diacritics-free column."""
    return " ".join(dict.fromkeys(s for w in words(text) for s in _folded_stems(w)))


def query_terms(query: str) -> list[str]:
    """The words of a typed query (at most ``MAX_TERMS``); digit groups typed apart ("974 760 673")
    join into one number."""
    joined = re.sub(r"(?<=\d)[\s.]+(?=\d)", "", (query or "")[:400])
    return list(dict.fromkeys(words(joined)))[:MAX_TERMS]


@lru_cache(maxsize=64)
def _matcher(terms: tuple[str, ...]):
    """A test for a document word: does a query term find it (stem prefix, folded, or substring)?
    Each distinct word is judged once per query (the test is kept for the next extract)."""
    prefixes = {fold(s) for t in terms for s in stems(t)}
    raw = {fold(t) for t in terms if len(t) >= 3}
    judged: dict[str, bool] = {}

    def hit(word: str) -> bool:
        word = word.lower()
        if (found := judged.get(word)) is None:
            f = fold(word)
            found = judged[word] = (any(fold(s).startswith(p) if is_prefix(p) else fold(s) == p
                                        for s in stems(word) for p in prefixes)
                                    or any(r in f for r in raw))
        return found

    return hit


def snippet(text: str, terms: list[str], width: int = 220) -> Markup:
    """A short escaped extract of ``text`` around the first matched word, matched words in <mark>.
    Words are read only up to the end of the extract."""
    text = " ".join((text or "").split())
    if not text:
        return Markup("")
    hit = _matcher(tuple(terms))
    found = WORD.finditer(text)
    first = next((m for m in found if hit(m.group())), None)
    start = max(0, first.start() - width // 3) if first else 0
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + width)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    spans = []
    if first is not None:
        spans.append(first.span())
        for m in found:
            if m.end() > end:
                break
            if hit(m.group()):
                spans.append(m.span())
    out, pos = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out += [escape(text[pos:a]), Markup("<mark>"), escape(text[a:b]), Markup("</mark>")]
        pos = b
    out.append(escape(text[pos:end]))
    before = Markup("… ") if start else Markup("")
    after = Markup(" …") if end < len(text) else Markup("")
    return Markup("").join([before, *out, after])
