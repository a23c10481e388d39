"""How values read on every page: dates, kroner, labels, a field's message, the error title."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache, lru_cache, partial

from babel.dates import DateTimeFormat, parse_pattern
from babel.numbers import format_decimal as babel_decimal
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_babel.speaklater import LazyString

from tracker.i18n import current_language, per_language
from tracker.labels import label

# One style per language for every date on every page: "5. okt. 2026" / "5 Oct 2026" (Babel's
# English default is the US "10/5/26"), with the Oslo time for moments.
DATE_PATTERNS = {"nb": "d. MMM y", "en": "d MMM y"}
MOMENT_PATTERNS = {"nb": "d. MMM y 'kl.' HH:mm", "en": "d MMM y, HH:mm"}


# The pattern fields of these styles, as Babel computes them (numbers unpadded, hours and minutes
# two digits, the month's abbreviation looked up once): Babel itself looks up the locale's data
# for every field of every call, the larger part of a list page's rendering.
_FIELDS = {
    "d": lambda value, _months: str(value.day),
    "y": lambda value, _months: str(value.year),
    "MMM": lambda value, months: months[value.month],
    "HH": lambda value, _months: f"{value.hour:02d}",
    "mm": lambda value, _months: f"{value.minute:02d}",
}


@cache
def _formatter(pattern: str, locale: str):
    """``value -> text`` in ``pattern`` for ``locale``: Babel's output, once per process."""
    parsed = parse_pattern(pattern)
    names = re.findall(r"%\((\w+)\)s", parsed.format)
    if not set(names) <= _FIELDS.keys():
        return lambda value: parsed.apply(value, locale)
    months = {m: DateTimeFormat(date(2000, m, 1), locale)["MMM"] for m in range(1, 13)}
    return lambda value: parsed.format % {name: _FIELDS[name](value, months) for name in names}


def fmt_date(value: date | datetime | None) -> str:
    """A date, or a moment in the display time zone, in the language's style."""
    if value is None:
        return ""
    return _written(_styles(), value)


def date_writer():
    """``fmt_date`` for this request with its styles looked up once: for a page's long lists."""
    return partial(_written, _styles())


def _styles() -> dict:
    formats = per_language("dates")
    if not formats:  # once per request: Babel parses a pattern and looks up locale and zone per call
        language = current_language()
        locale = get_locale()
        formats.update(locale=locale, zone=get_timezone())
        if locale is not None:
            day, moment = (styles.get(language, styles["nb"]) for styles in (DATE_PATTERNS, MOMENT_PATTERNS))
            formats.update(day=_formatter(day, str(locale)), moment=_formatter(moment, str(locale)))
    return formats


def _written(formats: dict, value: date | datetime | None) -> str:
    if value is None:
        return ""
    if formats["locale"] is None:  # outside a request: Flask-Babel's defaults
        return format_datetime(value) if isinstance(value, datetime) else format_date(value)
    if isinstance(value, datetime):
        return _moment(formats["moment"], formats["zone"], value)
    return _day(formats["day"], value)


# A page's dates repeat from request to request (a list, its timeline, needs attention): each
# written once per process, language and zone (the formatter and zone are the same objects for the
# same style).
@lru_cache(maxsize=8192)
def _day(formatter, value: date) -> str:
    return formatter(value)


@lru_cache(maxsize=8192)
def _moment(formatter, zone, value: datetime) -> str:
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return formatter(zone.normalize(moment.astimezone(zone)))


def fmt_nok(amount: int | None) -> str:
    """Whole kroner with the locale's grouping (nb: no-break space).

    Any int is shown, even one far beyond what a form accepts (re-shown with its error): Babel's
    decimal context cannot format those, so they fall back to plain digits instead of a 500.
    """
    if amount is None:
        return ""
    grouping = per_language("kroner")
    if not grouping:  # once per request
        locale = get_locale()
        grouping["sep"] = _thousands(str(locale)) if locale is not None else None
    if grouping["sep"] is not None and type(amount) is int and 0 <= amount < _PLAIN_BELOW:
        return f"{amount:,}".replace(",", grouping["sep"])
    try:
        return format_decimal(amount, format="#,##0")
    except (ArithmeticError, ValueError):
        return str(amount)


_PLAIN_BELOW = 10**15


@cache
def _thousands(locale: str) -> str | None:
    """The separator of ``locale``'s whole kroner when they are grouped by thousands: Python then
    groups them as Babel would (Babel parses its pattern on every call), else None (Babel's)."""
    sample = babel_decimal(1234567, format="#,##0", locale=locale)
    sep = sample[1]
    return sep if sample == f"1{sep}234{sep}567" else None


def field_messages(field) -> list[str]:
    """The message to show for a field: its first error only, so one mistake never reads as two
    ("not a number" and then "out of range"); nested row errors are left out."""
    return [str(e) for e in field.errors if isinstance(e, str | LazyString)][:1]


def shows_errors(*forms) -> bool:
    """Whether any of ``forms`` has a field with an error (what the error summary lists).

    A page that re-shows a form with errors says so in its title ("Feil: …"), the first thing a
    screen reader announces (GOV.UK's pattern): templates set ``page_errors`` with this and
    ``base.html`` writes the prefix.
    """
    return any(field.errors for form in forms if form is not None for field in form)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(label=label, fmt_date=fmt_date, fmt_nok=fmt_nok,
                                 field_messages=field_messages, shows_errors=shows_errors)
    app.jinja_env.filters.update(nok=fmt_nok, date=fmt_date)
