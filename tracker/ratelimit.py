"""Sign-in throttling that survives a storage outage.

When the shared storage (Redis) stops answering, Flask-Limiter's in-memory fallback
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) keeps every limit, per process, instead of failing the
request; it tries the storage again now and then and moves back when it answers. The operator
hears of both moments: one security event when the storage is lost, one when it is back.
"""

from __future__ import annotations

from flask_limiter import Limiter

from tracker.logs import event


class EventLimiter(Limiter):
    """``Limiter`` that logs ``ratelimit_storage_lost`` / ``ratelimit_storage_recovered``."""

    def init_app(self, app) -> None:
        self._storage_dead = False  # one limiter serves every app built in a process (tests)
        super().init_app(app)

    def _check_request_limit(self, *args, **kwargs) -> None:
        was_dead = self._storage_dead
        try:
            super()._check_request_limit(*args, **kwargs)
        finally:
            if self._storage_dead and not was_dead:
                event("ratelimit_storage_lost", fallback="memory, per process")
            elif was_dead and not self._storage_dead:
                event("ratelimit_storage_recovered")
