"""The district page cache shared through Redis (issue 12): what one worker rendered serves every
other worker, a change empties it for all of them at once, and a Redis outage never fails a page."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests import factories as f
from tests.conftest import make_app
from tests.test_security_login import REDIS_URL, _redis_answers
from tests.test_security_storage_outage import Relay, events  # noqa: F401 (a fixture)
from tracker.db import db
from tracker.pilots.models import Pilot

PAGE = "/districts/district-a"
pytestmark = pytest.mark.skipif(not _redis_answers(), reason=f"Redis does not answer at {REDIS_URL}")


def _config(url: str = REDIS_URL) -> dict:
    # A namespace per test: the suite's databases restart their data version for every test.
    return {"DISTRICTS_CACHE_SECONDS": 60, "PAGE_CACHE_URL": url, "PAGE_CACHE_NAMESPACE": uuid.uuid4().hex}


@pytest.fixture
def app_config():
    return _config()


@pytest.fixture
def pilot(world):
    pilot = f.make_pilot(world.staff_a, world.district_a, "running", title="Quiet street trial",
                         is_public=True)
    db.session.commit()
    return pilot.id


def _retitle_unseen(pilot_id: int, title: str) -> None:
    """Change a title behind the data version's back (raw SQL, as no app code does), so only a
    cached page can still show the old one."""
    with db.engine.begin() as conn:
        conn.execute(sa.update(Pilot.__table__).where(Pilot.__table__.c.id == pilot_id).values(title=title))


def test_a_page_rendered_by_one_worker_is_served_by_another(app, client, _schema, pilot):
    other = make_app(_schema, **{k: app.config[k] for k in _config()})
    assert "Quiet street trial" in client.get(PAGE).get_data(as_text=True)  # worker 1 renders it
    _retitle_unseen(pilot, "Loud street trial")
    assert "Quiet street trial" in other.test_client().get(PAGE).get_data(as_text=True)  # worker 2: shared

    db.session.get(Pilot, pilot).is_public = True  # an ordinary change (no new value): version moves
    db.session.get(Pilot, pilot).title = "Loud street trial!"
    db.session.commit()
    for worker in (client, other.test_client()):
        assert "Loud street trial!" in worker.get(PAGE).get_data(as_text=True)
    with other.app_context():
        db.engine.dispose()


def test_a_redis_outage_renders_every_page_and_is_logged_once_each_way(app, client, pilot, events):  # noqa: F811
    relay = Relay(6379)
    app.config.update(_config(f"redis://127.0.0.1:{relay.port}/15"))
    app.extensions.pop("districts_cache", None)
    try:
        assert "Quiet street trial" in client.get(PAGE).get_data(as_text=True)
        relay.cut()
        db.session.get(Pilot, pilot).title = "Loud street trial"
        db.session.commit()
        for _ in range(2):  # rendered afresh each time: neither a 500 nor a stale copy
            response = client.get(PAGE)
            assert response.status_code == 200 and "Loud street trial" in response.get_data(as_text=True)
        relay.up = True
        assert "Loud street trial" in client.get(PAGE).get_data(as_text=True)  # and kept again
        _retitle_unseen(pilot, "Calm street trial")
        assert "Loud street trial" in client.get(PAGE).get_data(as_text=True)
    finally:
        relay.close()
    assert [e["event"] for e in events if e["event"].startswith("page_cache")] == [
        "page_cache_storage_lost", "page_cache_storage_recovered"]
