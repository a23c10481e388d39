"""A small per-process cache of the rendered district sections, keyed by a data version.

The body of the district page and of the city overview depends only on the data, the viewer's
visibility, the language and the query string; the page around it (CSRF token, flashes, user name)
is rendered fresh every time. The key includes the data version (``tracker.data_version``), a
counter every committed change moves, in commit order, so any change invalidates at once (row ids
cannot serve: on PostgreSQL a lower id can commit later, issue 10 defect 9); a short time-to-live
(``DISTRICTS_CACHE_SECONDS``, default 60; 0 turns the cache off; off under TESTING unless set)
also bounds the clock-based parts (needs-attention, today's line on the timeline).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user

from tracker import data_version

T = TypeVar("T")
MAX_ENTRIES = 128
DEFAULT_SECONDS = 60


def viewer_key() -> str:
    """Who the figures are computed for: the public, any admin, or one signed-in user."""
    if not current_user.is_authenticated:
        return "anonymous"
    return "admin" if current_user.is_admin else f"user:{current_user.id}"


class SectionCache:
    """A bounded, thread-safe LRU of rendered HTML with a time-to-live."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key, ttl: float):
        with self.lock:
            hit = self.entries.get(key)
            if hit is None or hit[0] < time.monotonic() - ttl:
                return None
            self.entries.move_to_end(key)
            return hit[1]

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def cached_section(name: str, render: Callable[[], T]) -> T:
    """``render()`` once per (section, viewer, language, query string, data version).

    The result is our own autoescaped template output (or a tuple holding it); the page
    template marks it ``|safe``.
    """
    # Off by default under TESTING, where most tests count queries or look at one render.
    ttl = current_app.config.get("DISTRICTS_CACHE_SECONDS", 0 if current_app.testing else DEFAULT_SECONDS)
    if not ttl:
        return render()
    store = current_app.extensions.setdefault("districts_cache", SectionCache())
    key = (name, viewer_key(), str(get_locale()), request.query_string, data_version.current())
    html = store.get(key, ttl)
    if html is None:
        html = render()
        store.put(key, html)
    return html
