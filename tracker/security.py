"""Hardening of third-party behaviour that turned hostile input into a 500.

Found by ``tests/test_hostile_input.py``; each fix is applied once, in ``create_app``.
"""

from __future__ import annotations

from wtforms.validators import NumberRange

_original_number_range = NumberRange.__call__


def _number_range(self, form, field):
    """WTForms' NumberRange calls ``math.isnan`` on the value, which raises OverflowError for an
    integer beyond float range (``?page=999…9``, 400 digits): such a number is simply out of range."""
    try:
        return _original_number_range(self, form, field)
    except OverflowError:
        field.data = None  # the user's text stays in raw_data and is shown back with the error
        return _original_number_range(self, form, field)


def harden_libraries() -> None:
    NumberRange.__call__ = _number_range
