"""Domain events: every recorded change is announced once, inside the transaction that makes it.

``tracker.audit.record`` sends :data:`recorded` for each audit entry it adds (every operation in
every domain writes one), so a domain that must follow changes (the search index, notifications)
connects a receiver here instead of being called from each operation. Receivers run in the
caller's transaction: what they add to the session commits or rolls back with the change itself.
They must not commit, and must not raise for a change they do not care about.

Receivers get ``sender`` = the entity name (``"pilot"``, ``"partner"``, ``"district"``, ``"theme"``,
``"user"``…) and keyword arguments ``entry`` (the unflushed :class:`tracker.audit.AuditEntry`:
``actor_id``, ``entity_id``, ``action``, ``changes`` as ``{field: [old, new]}`` in stored form)
and ``actor`` (the acting user object, or None for the system).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

recorded = _signals.signal("recorded")
