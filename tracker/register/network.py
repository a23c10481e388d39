"""The network of cities: fetch a followed district's public pilots from its installation.

A district is followed by the address of its public page (``https://other.example/districts/kista``,
a path prefix allowed); its pilots come from that installation's open data,
``…/register/pilots.json?district=kista`` (the exchange format is ``public.record``). The answer is
hostile until proven otherwise: fetched with a timeout and a size cap, parsed, and every pilot
validated field by field (types, lengths, known statuses, dates); anything else is dropped, never
stored. Nothing here touches our own pilots.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import UTC, date, datetime
from urllib.parse import quote, urlsplit, urlunsplit

from tracker.pilots.models import ArenaKind, Verdict
from tracker.pilots.workflow import PUBLIC_STATUSES

TIMEOUT = 10  # seconds, per request
MAX_BYTES = 20 * 1024 * 1024  # a larger answer is refused, not read
MAX_PILOTS = 10_000
DISTRICT_PAGE = re.compile(r"^(?P<prefix>.*)/districts/(?P<slug>[a-z0-9][a-z0-9-]{0,59})/?$")
TEXT_LIMITS = {"title": 200, "district": 200, "need": 20_000, "description": 20_000, "lessons": 20_000}
USER_AGENT = "Testarena network pull"


class PullError(Exception):
    """The source did not answer with a register we can read (the reason is shown to admins)."""


def normalised(url: str) -> str:
    return url.strip().rstrip("/")


def feed_url(url: str) -> str | None:
    """The open-data address of the district whose public page is ``url`` (None: not one)."""
    try:
        parts = urlsplit(normalised(url))
        host = parts.hostname
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return None
    if parts.scheme not in ("https", "http") or not host or parts.query or parts.fragment:
        return None
    if parts.username or parts.password:
        return None
    match = DISTRICT_PAGE.match(parts.path)
    if match is None:
        return None
    path = f"{match['prefix']}/register/pilots.json"
    return urlunsplit((parts.scheme, parts.netloc, path, f"district={quote(match['slug'])}", ""))


def fetch(url: str, opener=None) -> bytes:
    """The body at ``url``: at most ``MAX_BYTES``, within ``TIMEOUT`` seconds per read."""
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http(s) only: feed_url)
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            if response.status != 200:
                raise PullError(f"HTTP {response.status}")
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise PullError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise PullError(f"no answer: {getattr(exc, 'reason', exc)}") from exc
    if len(body) > MAX_BYTES:
        raise PullError(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    return body


def _text(value, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("not text")
    return value.replace("\x00", "")[:limit]


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("not a date")
    return date.fromisoformat(value[:10])


def _moment(value) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("not a moment")
    moment = datetime.fromisoformat(value[:40])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page(value, origin: str) -> str:
    """The pilot's page: an http(s) address on the source's own host (never a script link)."""
    if not isinstance(value, str) or len(value) > 500:
        raise ValueError("no page")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or parts.netloc != origin:
        raise ValueError("page elsewhere")
    return value


def _names(items, key: str) -> str:
    if not isinstance(items, list):
        return ""
    names = [i[key] for i in items[:100] if isinstance(i, dict) and isinstance(i.get(key), str)]
    return ", ".join(n[:200] for n in names)[:5000]


def _pilot(item, origin: str) -> dict:
    """One pilot as stored, or ValueError (the pilot is skipped)."""
    if not isinstance(item, dict):
        raise ValueError("not an object")
    remote_id = item.get("id")
    if not isinstance(remote_id, int) or isinstance(remote_id, bool) or not 0 < remote_id < 2**31:
        raise ValueError("no id")
    status = item.get("status")
    if status not in {str(s) for s in PUBLIC_STATUSES}:
        raise ValueError("not a public status")
    arena = item.get("arena_kind") if item.get("arena_kind") in {str(a) for a in ArenaKind} else ""
    verdict = item.get("verdict") if item.get("verdict") in {str(v) for v in Verdict} else ""
    values = {name: _text(item.get(name), limit) for name, limit in TEXT_LIMITS.items()}
    values["district"] = _text(item.get("district_name"), TEXT_LIMITS["district"])
    if not values["title"].strip():
        raise ValueError("no title")
    return {**values, "remote_id": remote_id, "url": _page(item.get("url"), origin), "status": status,
            "arena_kind": arena, "verdict": verdict, "themes": _names(item.get("themes"), "name_nb"),
            "partners": _names(item.get("partners"), "name"),
            "planned_start": _date(item.get("planned_start")), "planned_end": _date(item.get("planned_end")),
            "updated_at": _moment(item.get("updated_at"))}


def validate(body: bytes, url: str) -> tuple[list[dict], int]:
    """The valid pilots of a ``pilots.json`` answer from ``url`` and how many were skipped."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PullError("not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("pilots"), list):
        raise PullError("not a register (no list of pilots)")
    if len(data["pilots"]) > MAX_PILOTS:
        raise PullError(f"more than {MAX_PILOTS} pilots")
    origin = urlsplit(url).netloc
    pilots, seen, skipped = [], set(), 0
    for item in data["pilots"]:
        try:
            pilot = _pilot(item, origin)
        except (ValueError, TypeError, OverflowError):
            skipped += 1
            continue
        if pilot["remote_id"] in seen:
            skipped += 1
            continue
        seen.add(pilot["remote_id"])
        pilots.append(pilot)
    return pilots, skipped


def pull(source, opener=None) -> tuple[int, int]:
    """Fetch and validate ``source``'s pilots: ``(stored, skipped)``; ``PullError`` if unusable."""
    from tracker.register import operations

    url = feed_url(source.url)
    if url is None:
        raise PullError("not a district page address")
    pilots, skipped = validate(fetch(url, opener), url)
    operations.store(source, pilots)
    return len(pilots), skipped
