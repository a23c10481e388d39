"""No lost data: two real clients hammer the same pilot with edits and status actions.

A live server (threads, like production's workers) on the suite's database (SQLite in WAL mode,
or PostgreSQL when ``TRACKER_TEST_DATABASE_URL`` is set). Two clients sign in through the login
form, then in every round both read the pilot and both post on what they read, at the same time:
an edit of the proposal form or a status action (pause/resume) with the version they saw.
Every accepted change must be in the audit trail, every refused one must have been told so
(409 with the conflict message) and have left no trace, and the final state is the last change.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from tests import factories
from tests.authz.browser import Client, form_fields
from tests.browser.conftest import LiveServer
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.pilots.models import Pilot, StatusEvent
from tracker.pilots.workflow import Status

ROUNDS = 12


@dataclass
class Attempt:
    token: str
    kind: str  # "edit" or the action
    status: int
    body: str = field(repr=False)


def _read(client: Client, pilot_id: int, kind: str):
    """What this client saw: the form to post (with the version it read) and where to post it."""
    if kind == "edit":
        path = f"/pilots/{pilot_id}/edit"
        status, html = client.request("GET", path)
        return status, path, form_fields(html, path), "edit"
    status, html = client.request("GET", f"/pilots/{pilot_id}")
    for action in ("pause", "resume"):
        path = f"/pilots/{pilot_id}/actions/{action}"
        if f'action="{path}"' in html:
            return status, path, form_fields(html, path), action
    raise AssertionError(f"neither pause nor resume offered on the pilot page:\n{html[:2000]}")


def _hammer(client: Client, name: str, pilot_id: int, barrier: threading.Barrier, log: list, errors: list):
    rng = random.Random(name)
    try:
        for n in range(ROUNDS):
            token = f"{name}-{n}"
            status, path, fields, kind = _read(client, pilot_id, rng.choice(["edit", "action"]))
            assert status == 200, f"{name} could not read {path}: {status}"
            mine = "title" if kind == "edit" else f"{kind}-comment"  # what this client changes
            assert mine in dict(fields), f"{path} has no {mine} field"
            fields = [(k, token if k == mine else v) for k, v in fields]
            if kind == "edit":
                fields.append(("save", "1"))
            barrier.wait(timeout=60)  # both have read; now both post on what they read
            status, body = client.request("POST", path, fields)
            log.append(Attempt(token, kind, status, body))
    except Exception as exc:  # reported by the test thread
        errors.append(exc)
        barrier.abort()


@pytest.fixture
def live(app):
    with LiveServer(app) as server:
        yield server


def test_two_concurrent_clients_lose_nothing(app, live, world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True)
    pilot.themes.append(factories.make_theme())
    db.session.commit()
    pilot_id, start_version = pilot.id, pilot.version
    first_audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    owner, coordinator = Client(live.url), Client(live.url)
    owner.sign_in(world.staff_a.email, factories.PASSWORD)
    coordinator.sign_in(world.coordinator_a.email, factories.PASSWORD)

    barrier, log, errors = threading.Barrier(2), [], []
    threads = [threading.Thread(target=_hammer, args=(c, n, pilot_id, barrier, log, errors))
               for c, n in ((owner, "owner"), (coordinator, "coordinator"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not errors, errors

    statuses = sorted({a.status for a in log})
    assert set(statuses) <= {302, 409}, f"answers other than accepted/conflict: {statuses}"
    accepted = [a for a in log if a.status == 302]
    refused = [a for a in log if a.status == 409]
    # Both posted on the same version in every round: exactly one of each pair can win.
    assert len(accepted) == len(refused) == ROUNDS, [(a.token, a.status) for a in log]
    for attempt in refused:  # told clearly, in words
        assert "someone else" in attempt.body.lower(), attempt
    db.session.expire_all()
    pilot = db.session.get(Pilot, pilot_id)
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "pilot",
                                                              AuditEntry.entity_id == pilot_id,
                                                              AuditEntry.id > first_audit)
                                 .order_by(AuditEntry.id)).all()
    events = db.session.scalars(sa.select(StatusEvent).where(StatusEvent.pilot_id == pilot_id)).all()

    def token_of(entry):
        changes = entry.changes or {}
        return (changes.get("title") or changes.get("comment") or [None, None])[1]

    trail = [token_of(e) for e in entries]
    # Every accepted change is in the trail exactly once; refused ones left no trace at all.
    assert sorted(trail) == sorted(a.token for a in accepted)
    assert not {a.token for a in refused} & ({e.comment for e in events} | {pilot.title})
    assert pilot.version == start_version + len(accepted)
    # The final state is the last accepted change of each kind.
    edits = [e for e in entries if "title" in e.changes]
    actions = [e for e in entries if "status" in e.changes]
    if edits:
        assert pilot.title == edits[-1].changes["title"][1]
    if actions:
        assert pilot.status == actions[-1].changes["status"][1]
