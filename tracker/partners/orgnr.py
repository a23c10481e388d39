"""Norwegian organisation numbers: 9 digits, the last a MOD11 check digit."""

from __future__ import annotations

import re

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def normalise(raw: str | None) -> str:
    """Digits only: ``"974 760 673"`` and ``"974760673"`` are the same number."""
    return re.sub(r"[\s.\-]", "", raw or "")


def check_digit(first8: str) -> int | None:
    """The MOD11 check digit for 8 digits, or None where the rule yields 10 (no valid number)."""
    remainder = sum(int(d) * w for d, w in zip(first8, WEIGHTS, strict=True)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else digit


def is_valid(raw: str | None) -> bool:
    number = normalise(raw)
    if not re.fullmatch(r"[0-9]{9}", number):
        return False
    return check_digit(number[:8]) == int(number[8])


def display(number: str | None) -> str:
    """``974760673`` as ``974 760 673`` (anything else unchanged)."""
    number = number or ""
    return f"{number[:3]} {number[3:6]} {number[6:]}" if re.fullmatch(r"[0-9]{9}", number) else number
