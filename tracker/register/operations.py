"""Following and unfollowing other installations' districts (audited), and storing what a pull
brought (read-only copies, replaced whole; see ``network.py``)."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.db import db, utcnow
from tracker.register import network
from tracker.register.audit_fields import SOURCE
from tracker.register.models import NetworkPilot, NetworkSource


def follow(actor, url: str, name: str) -> NetworkSource | None:
    """Follow the district at ``url`` (None: it is followed already)."""
    url = network.normalised(url)
    if db.session.scalar(sa.select(NetworkSource.id).where(NetworkSource.url == url)) is not None:
        return None
    source = NetworkSource(url=url, name=name)
    db.session.add(source)
    db.session.flush()
    SOURCE.record(actor, source.id, "follow", {"url": (None, url), "name": (None, name)})
    return source


def unfollow(actor, source: NetworkSource) -> None:
    """Stop following; its pilots go with it."""
    SOURCE.record(actor, source.id, "unfollow", {"url": (source.url, None), "name": (source.name, None)})
    db.session.delete(source)
    db.session.flush()


def store(source: NetworkSource, pilots: list[dict]) -> None:
    """Replace the source's copies with ``pilots`` (validated by ``network.validate``)."""
    db.session.execute(sa.delete(NetworkPilot).where(NetworkPilot.source_id == source.id))
    db.session.add_all(NetworkPilot(source_id=source.id, **values) for values in pilots)
    source.pulled_at, source.error = utcnow(), ""
    db.session.flush()


def failed(source: NetworkSource, reason: str) -> None:
    """Keep the last good copies; say why this pull failed."""
    source.error = reason[:500]
    db.session.flush()
