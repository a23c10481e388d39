"""A small per-process cache of the rendered district sections (and of the API's pilot list,
``cached()``), keyed by a data version.

The body of the district page and of the city overview depends only on the data, the viewer's
visibility, the language and the query string; the page around it (CSRF token, flashes, user name)
is rendered fresh every time. The key includes the data version (``tracker.data_version``), a
counter every committed change moves, in commit order, so any change invalidates at once (row ids
cannot serve: on PostgreSQL a lower id can commit later, issue 10 defect 9); a short time-to-live
(``DISTRICTS_CACHE_SECONDS``, default 60; 0 turns the cache off; off under TESTING unless set)
also bounds the clock-based parts (needs-attention, today's line on the timeline).

Where ``PAGE_CACHE_URL`` names a Redis server (``make run`` sets it when Redis answers), the
sections are kept there, shared by every worker and app server, so the hit rate does not fall as
workers are added; otherwise each process keeps its own small LRU. A Redis outage never fails a
page: the section is rendered afresh and the operator hears of the loss and the return once each.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user

from tracker import data_version
from tracker.logs import event

T = TypeVar("T")
MAX_ENTRIES = 128
DEFAULT_SECONDS = 60


def viewer_key() -> str:
    """Who the figures are computed for: the signed-in user of this session (``viewer_of``)."""
    return viewer_of(current_user)


def viewer_of(user) -> str:
    """The public (None or anonymous), any admin, the innovation office (who see the same pilots
    as admins, but the scope line names their role), or one signed-in user."""
    if user is None or not user.is_authenticated:
        return "anonymous"
    if user.is_admin or user.is_viewer:
        return str(user.role)
    return f"user:{user.id}"


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

    def put(self, key, value, ttl: float) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class SharedCache:
    """Sections in Redis (``SET … EX``, JSON values), shared across processes; misses on an outage."""

    PREFIX = "testarena:section:"

    def __init__(self, url: str, namespace: str):
        import redis

        self.errors = redis.RedisError
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.namespace = namespace
        self.down = False

    def name(self, key) -> str:
        return self.PREFIX + hashlib.sha256(repr((self.namespace, key)).encode()).hexdigest()

    def _call(self, method, *args):
        try:
            result = method(*args)
        except self.errors as exc:
            if not self.down:
                self.down = True
                event("page_cache_storage_lost", error=type(exc).__name__, fallback="render every time")
            return None
        if self.down:
            self.down = False
            event("page_cache_storage_recovered")
        return result

    def get(self, key, ttl: float):
        raw = self._call(self.client.get, self.name(key))
        if raw is None:
            return None
        value = json.loads(raw)
        return tuple(value) if isinstance(value, list) else value

    def put(self, key, value, ttl: float) -> None:
        self._call(lambda: self.client.set(self.name(key), json.dumps(value), ex=max(1, round(ttl))))


def _store():
    stores = current_app.extensions
    if "districts_cache" not in stores:
        url = current_app.config.get("PAGE_CACHE_URL")
        # One Redis may serve several installations: the database (and the key signing its
        # sessions) tells them apart, so equal data versions of two databases never meet.
        config = current_app.config
        namespace = "|".join(str(config.get(k) or "") for k in
                             ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "PAGE_CACHE_NAMESPACE"))
        stores["districts_cache"] = SharedCache(url, namespace) if url else SectionCache()
    return stores["districts_cache"]


def cached(key: tuple, render: Callable[[], T]) -> T:
    """``render()`` once per ``key`` and data version, kept as JSON allows (str, tuples, lists).

    The key must name everything the result depends on besides the data: above all who it is
    for (``viewer_key``), so nobody is served what only another caller may see.
    """
    # Off by default under TESTING, where most tests count queries or look at one render.
    ttl = current_app.config.get("DISTRICTS_CACHE_SECONDS", 0 if current_app.testing else DEFAULT_SECONDS)
    if not ttl:
        return render()
    store = _store()
    key = (*key, data_version.current())
    value = store.get(key, ttl)
    if value is None:
        value = render()
        store.put(key, value, ttl)
    return value


def cached_section(name: str, render: Callable[[], T]) -> T:
    """``render()`` once per (section, viewer, language, query string, data version).

    The result is our own autoescaped template output (or a tuple holding it); the page
    template marks it ``|safe``.
    """
    return cached((name, viewer_key(), str(get_locale()), request.query_string), render)
