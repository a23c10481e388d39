"""How values read on every page: dates, kroner, labels, a field's message, the error title."""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import parse_pattern
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_babel.speaklater import LazyString

from tracker.i18n import current_language, per_language
from tracker.labels import label

# One style per language for every date on every page: "5. okt. 2026" / "5 Oct 2026" (Babel's
# English default is the US "10/5/26"), with the Oslo time for moments.
DATE_PATTERNS = {"nb": "d. MMM y", "en": "d MMM y"}
MOMENT_PATTERNS = {"nb": "d. MMM y 'kl.' HH:mm", "en": "d MMM y, HH:mm"}


def fmt_date(value: date | datetime | None) -> str:
    """A date, or a moment in the display time zone, in the language's style."""
    if value is None:
        return ""
    formats = per_language("dates")
    if not formats:  # once per request: Babel parses a pattern and looks up locale and zone per call
        language = current_language()
        formats.update(locale=get_locale(), zone=get_timezone(),
                       day=parse_pattern(DATE_PATTERNS.get(language, DATE_PATTERNS["nb"])),
                       moment=parse_pattern(MOMENT_PATTERNS.get(language, MOMENT_PATTERNS["nb"])))
    if formats["locale"] is None:  # outside a request: Flask-Babel's defaults
        return format_datetime(value) if isinstance(value, datetime) else format_date(value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return formats["moment"].apply(formats["zone"].normalize(moment.astimezone(formats["zone"])),
                                       formats["locale"])
    return formats["day"].apply(value, formats["locale"])


def fmt_nok(amount: int | None) -> str:
    """Whole kroner with the locale's grouping (nb: no-break space).

    Any int is shown, even one far beyond what a form accepts (re-shown with its error): Babel's
    decimal context cannot format those, so they fall back to plain digits instead of a 500.
    """
    if amount is None:
        return ""
    try:
        return format_decimal(amount, format="#,##0")
    except (ArithmeticError, ValueError):
        return str(amount)


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
