"""The district-page cache key: a counter that every committed change moves, in commit order.

Issue 10 defect 9: keyed on the highest row ids, a change committed after a later-started one
(PostgreSQL hands out ids at insert time) or a change that writes no new row left the cached
page stale: a pilot made non-public stayed visible to anonymous visitors until the TTL.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests import factories as f
from tracker import data_version
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.pilots.models import Pilot

PAGE = "/districts/district-a"


@pytest.fixture
def app_config():
    return {"DISTRICTS_CACHE_SECONDS": 60}


@pytest.fixture
def public(world):
    """Two running public pilots in district A (anonymous visitors see both)."""
    pilots = [f.make_pilot(world.staff_a, world.district_a, "running", title=title, is_public=True)
              for title in ("Quiet street trial", "Smart bin trial")]
    db.session.commit()
    return [p.id for p in pilots]


def _shown(client, title: str) -> bool:
    response = client.get(PAGE)
    assert response.status_code == 200
    return title in response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["attribute", "bulk update"])
def test_a_pilot_made_non_public_leaves_the_cached_public_page_at_once(public, client, how):
    assert _shown(client, "Quiet street trial")  # now cached for anonymous visitors
    if how == "attribute":
        db.session.get(Pilot, public[0]).is_public = False
    else:  # as the guarded update does: a statement that bypasses the flush
        db.session.execute(sa.update(Pilot).where(Pilot.id == public[0]).values(is_public=False)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    assert not _shown(client, "Quiet street trial")
    assert _shown(client, "Smart bin trial")


def test_a_change_committed_after_a_later_one_still_moves_the_key(public, client, app):
    """Two connections: A starts first (lower audit id) and commits after B. Each commit must move
    the key, or A's change hides behind the key the page was cached under after B's commit."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: commits cannot overtake each other")
    with Session(db.engine) as a, Session(db.engine) as b:
        a.get(Pilot, public[0]).is_public = False
        a.add(AuditEntry(entity="pilot", entity_id=public[0], action="update",
                         changes={"is_public": [True, False]}))
        a.flush()  # A holds the lower ids, not yet committed
        b.get(Pilot, public[1]).title = "Smart bin trial, phase 2"
        b.add(AuditEntry(entity="pilot", entity_id=public[1], action="update", changes={"title": ["", ""]}))
        b.flush()
        newest = sa.select(sa.func.max(AuditEntry.id))
        assert a.scalar(newest) < b.scalar(newest)
        b.commit()
        after_b = data_version.current()
        assert _shown(client, "Quiet street trial")  # A's change is not committed: still public
        a.commit()
    db.session.commit()
    assert data_version.current() != after_b
    assert not _shown(client, "Quiet street trial")
    assert _shown(client, "Smart bin trial, phase 2")
