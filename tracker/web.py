"""Request-wide web plumbing: template helpers, safe redirects, security headers."""

from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, current_app, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from tracker.i18n import current_language
from tracker.labels import label


def safe_next(target: str | None, default_endpoint: str = "home.index") -> str:
    """A local path to go to after an action; anything pointing elsewhere becomes the default."""
    if target and not any(ord(c) < 32 or ord(c) == 127 for c in target.strip()):
        target = target.strip().replace("\\", "/")
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default_endpoint)


# One style per language for every date on every page: "5. okt. 2026" / "5 Oct 2026" (Babel's
# English default is the US "10/5/26"), with the Oslo time for moments.
DATE_PATTERNS = {"nb": "d. MMM y", "en": "d MMM y"}
MOMENT_PATTERNS = {"nb": "d. MMM y 'kl.' HH:mm", "en": "d MMM y, HH:mm"}


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, MOMENT_PATTERNS.get(current_language(), MOMENT_PATTERNS["nb"]))
    return format_date(value, DATE_PATTERNS.get(current_language(), DATE_PATTERNS["nb"]))


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


def has_endpoint(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (``None`` removes one).

    The query string is encoded here, not by ``url_for``, so that arbitrary user-sent argument
    names (``endpoint``, ``_external``, a view argument's name, ...) stay plain query text.
    """
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    path = url_for(request.endpoint, **(request.view_args or {}))
    return f"{path}?{urlencode(args, doseq=True)}" if args else path


def field_messages(field) -> list[str]:
    """The message to show for a field: its first error only, so one mistake never reads as two
    ("not a number" and then "out of range"); nested row errors are left out."""
    return [str(e) for e in field.errors if isinstance(e, str | LazyString)][:1]


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


MAX_DB_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on PostgreSQL


class IdConverter(IntegerConverter):
    """``<int:...>`` limited to what a database id can be: larger numbers are simply not found.

    Without the bound, ``/pilots/99999999999999999999`` reached the database and failed there
    (SQLite: OverflowError; PostgreSQL: integer out of range) as a 500 instead of a 404.
    """

    regex = r"[1-9][0-9]*"  # one spelling per id: no leading zeros, no non-ASCII digits ("１")

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=MAX_DB_ID if max is None else max, signed=signed)


# Invisible characters no keyboard types: C0 controls (but tab and line breaks), DEL, and the
# bidirectional overrides that make a title read differently from what is stored.
HIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class HiddenCharacters(BadRequest):
    user_message = _l("The text contains invisible control characters (often pasted from another "
                      "program). Type the text again without them; nothing was saved.")


def reject_malformed_input():
    """Refuse what no page sends: a NUL character in the address (404) or in a field or argument
    (400; PostgreSQL cannot even store one), and uploaded files (400; no form takes a file, and a
    file posted in place of a text field would reach the validators as an object, not text), and
    hidden control characters in a field (400 with an explanation)."""
    if "\x00" in request.path:
        abort(404)
    fields = (pair for source in (request.args, request.form) for pair in source.items(multi=True))
    if any("\x00" in name or "\x00" in value for name, value in fields) or request.files:
        abort(400)
    if any(HIDDEN_CHARACTERS.search(v) for values in request.form.listvalues() for v in values):
        raise HiddenCharacters()


def security_headers(response):
    """Strict headers on every response (no inline script or style anywhere)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        headers.setdefault("Cache-Control", "no-store")
    return response


def title_marks_errors(response):
    """A page re-shown with form errors says so in its title ("Feil: …"), the first thing a
    screen reader announces (GOV.UK's pattern); the error summary alone comes later."""
    if (response.status_code == 400 and response.mimetype == "text/html" and not response.direct_passthrough
            and b'id="error-summary"' in response.get_data()):
        prefix = gettext("Error").encode()
        response.set_data(response.get_data().replace(b"<title>", b"<title>" + prefix + b": ", 1))
    return response


def init_app(app: Flask) -> None:
    app.before_request(reject_malformed_input)
    app.after_request(security_headers)
    app.after_request(title_marks_errors)
    app.jinja_env.globals.update(
        label=label, fmt_date=fmt_date, fmt_nok=fmt_nok, has_endpoint=has_endpoint, url_with=url_with,
        field_messages=field_messages
    )
    app.jinja_env.filters.update(nok=fmt_nok, date=fmt_date)
