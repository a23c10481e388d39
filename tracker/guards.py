"""Request guards: what no page of the app sends is refused before any view runs.

Every rule here holds for every route: a body that is not an HTML form post (415), a NUL
character, an uploaded file (400), invisible characters in a field (400 with an explanation).
Ids and versions are read from URLs by ``IdConverter`` and from query strings and fields by
``parse_id``: one spelling (ASCII digits) and one range (the database's INTEGER) everywhere.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_DB_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on PostgreSQL
ID_PATTERN = "[1-9][0-9]*"  # one spelling per id: no sign, space, leading zero or non-ASCII digit


def parse_id(text) -> int | None:
    """An id or version sent by a page, or None for anything else.

    ``str.isdigit`` is true for "²" and "①" (``int()`` then fails) and ``int()`` accepts "１",
    " 7", "+7" and "7_0": only what the app itself writes is read as a number, and only within
    the database's range (a larger one fails inside the database, as a 500).
    """
    if not isinstance(text, str) or not re.fullmatch(ID_PATTERN, text) or len(text) > len(str(MAX_DB_ID)):
        return None
    number = int(text)
    return number if number <= MAX_DB_ID else None


def id_value(value) -> int:
    """``parse_id`` as a WTForms ``coerce``: an id the page did not offer is a field error."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


class IdConverter(IntegerConverter):
    """``<int:...>`` limited to what a database id can be: larger numbers are simply not found.

    Without the bound, ``/pilots/99999999999999999999`` reached the database and failed there
    (SQLite: OverflowError; PostgreSQL: integer out of range) as a 500 instead of a 404.
    """

    regex = ID_PATTERN

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=MAX_DB_ID if max is None else max, signed=signed)


# -- bodies -----------------------------------------------------------------------------------
FORM_BODIES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OWN_BODY_GUARDS: set[str] = set()


def brings_own_body_guards(bp: Blueprint) -> Blueprint:
    """Let ``bp`` take bodies other than form posts (JSON): the hook for the ``/api/v1/``
    blueprint. That blueprint then validates every field itself (types, control characters,
    sizes) and keys its throttles on what it parsed; nothing in this module reads its bodies.
    Call it before the blueprint is registered: ``brings_own_body_guards(Blueprint("api", ...))``.
    """
    _OWN_BODY_GUARDS.add(bp.name)
    return bp


def refuse_foreign_bodies():
    """Browser forms send form posts only: any other body is a 415 before anything reads it.

    Flask-WTF falls back to a JSON body when there is no form data, but every guard (these, and
    the sign-in throttle's account key) reads ``request.form``: JSON walked past all of them.
    A body-less request (no Content-Type, no content) is not a body and passes.
    """
    if request.method not in BODY_METHODS or request.mimetype in FORM_BODIES:
        return
    if any(name in _OWN_BODY_GUARDS for name in request.blueprints):
        return
    may_have_body = request.content_length != 0 and (
        request.content_length is not None or request.environ.get("wsgi.input_terminated"))
    if request.mimetype or may_have_body:
        abort(415)


# -- uploads ----------------------------------------------------------------------------------
_FILE_ENDPOINTS: dict[str, tuple] = {}


def accepts_files(endpoint: str, limit, fields: tuple[str, ...]) -> None:
    """Let ``endpoint`` receive uploaded files in ``fields`` (a file in any other field is still a
    400), with a body of at most ``limit()`` bytes instead of ``MAX_CONTENT_LENGTH``. The deliberate
    exemption for the attachment uploads (``tracker/files``), whose routes check every file
    themselves (size cap, type from the content). A body declared larger is answered 413 before any
    of it is read; an undeclared (chunked) one is cut off at the limit.
    """
    _FILE_ENDPOINTS[endpoint] = (limit, frozenset(fields))


def _file_fields() -> frozenset[str]:
    """The fields that may carry files here (none but on upload endpoints, which get their own
    body limit: a declared length over it is a 413 at once)."""
    limit, fields = _FILE_ENDPOINTS.get(request.endpoint, (None, frozenset()))
    if limit is not None:
        request.max_content_length = limit()
        if request.content_length is not None and request.content_length > request.max_content_length:
            abort(413)
    return fields


# -- characters -------------------------------------------------------------------------------
# Characters no keyboard types and a reader cannot see: C0 controls (but tab and line breaks),
# DEL and the C1 controls; bidirectional embeddings, overrides, isolates and marks (LRM, RLM,
# ALM) that make a title read differently from what is stored; zero-width space, non-joiner,
# joiner, word joiner and the byte-order mark (a name that looks like another one). They are
# refused in every field: no Norwegian or English text needs them, long text included (tabs and
# line breaks stay allowed there). One exception: a zero-width joiner between two emoji is part
# of one visible emoji (👩‍🔬), so it hides nothing.
HIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_EMOJI = "\u2600-\u27bf\ufe0f\U0001f000-\U0001faff"
_EMOJI_JOINER = re.compile(f"(?<=[{_EMOJI}])\u200d(?=[{_EMOJI}])")


def has_hidden_characters(text: str) -> bool:
    return bool(HIDDEN_CHARACTERS.search(_EMOJI_JOINER.sub("", text)))


class HiddenCharacters(BadRequest):
    user_message = _l("The text contains invisible control characters (often pasted from another "
                      "program). Type the text again without them; nothing was saved.")


def reject_malformed_input():
    """Refuse what no page sends: a NUL character in the address (404) or in a field or argument
    (400; PostgreSQL cannot even store one), and uploaded files (400; only the endpoints registered
    with ``accepts_files`` take one; elsewhere a file posted in place of a text field would reach
    the validators as an object, not text), a
    multipart field without a readable name (400), and hidden characters in a field (400 with an
    explanation)."""
    if "\x00" in request.path:
        abort(404)
    file_fields = _file_fields()
    fields = (pair for source in (request.args, request.form) for pair in source.items(multi=True))
    # A multipart part whose name the parser cannot read (a line break in it) has the name None.
    if any(name is None or "\x00" in name or "\x00" in value for name, value in fields) or (
            any(name not in file_fields for name in request.files)):
        abort(400)
    if any(has_hidden_characters(v) for values in request.form.listvalues() for v in values):
        raise HiddenCharacters()


def init_app(app: Flask) -> None:
    """Register the guards; call it before the extensions so they run first (before the CSRF
    check and the sign-in throttle read the body)."""
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.before_request(refuse_foreign_bodies)
    app.before_request(reject_malformed_input)
