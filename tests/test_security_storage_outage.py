"""Sign-in while the throttle's storage (Redis) is down: still answered, still throttled, logged."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
import uuid

import flask_limiter._extension
import pytest

from tests.conftest import make_app
from tests.test_security_login import REDIS_URL, _ip, _redis_answers
from tracker.db import db

NOBODY_LISTENS = "redis://127.0.0.1:1"  # a real address where the connection is refused


@pytest.fixture
def events():
    """The security events logged during the test, as dicts."""
    captured: list[dict] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: captured.append(json.loads(record.getMessage()))
    logger = logging.getLogger("tracker.events")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield captured
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def _app(schema, storage):
    return make_app(schema, RATELIMIT_ENABLED=True, LOGIN_LIMITS="3 per minute",
                    RATELIMIT_STORAGE_URI=storage)


def _post(client, email, ip):
    return client.post("/login", data={"email": email, "password": "wrong password!"},
                       environ_base={"REMOTE_ADDR": ip})


def _storage_events(events) -> list[str]:
    return [e["event"] for e in events if e["event"].startswith("ratelimit_storage")]


def test_sign_in_works_and_stays_throttled_when_redis_does_not_answer(_schema, events):
    app = _app(_schema, NOBODY_LISTENS)
    client = app.test_client()
    for n in range(3):
        assert _post(client, f"nobody{n}@example.org", "10.9.9.1").status_code == 401
    assert _post(client, "nobody9@example.org", "10.9.9.1").status_code == 429  # in this process's memory
    assert _post(client, "other@example.org", "10.9.9.2").status_code == 401
    assert _storage_events(events) == ["ratelimit_storage_lost"]  # once, not once per request
    with app.app_context():
        db.engine.dispose()


class Relay:
    """A TCP relay to Redis that can be cut and restored: a real outage, as the app sees it."""

    def __init__(self, port: int) -> None:
        self.target, self.up, self.open = ("127.0.0.1", port), True, []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            s.close()

    def cut(self) -> None:
        self.up = False
        for s in self.open:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.open = []

    def close(self) -> None:
        self.cut()
        self.server.close()


class Clock:
    """Flask-Limiter retries a lost storage after 1, 2, 4... seconds: its clock is moved on instead."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


def test_a_redis_outage_and_its_end_are_logged_once_each(_schema, events, monkeypatch):
    if not _redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    clock = Clock()
    monkeypatch.setattr(flask_limiter._extension, "time", clock)
    relay = Relay(6379)
    app = _app(_schema, f"redis://127.0.0.1:{relay.port}/15")
    client, run = app.test_client(), uuid.uuid4().hex[:10]
    ip = _ip(run)  # Redis keeps counters between runs
    try:
        assert _post(client, f"a-{run}@example.org", ip).status_code == 401
        assert _storage_events(events) == []  # Redis answers: nothing to report
        relay.cut()
        assert _post(client, f"b-{run}@example.org", ip).status_code == 401
        assert _post(client, f"c-{run}@example.org", ip).status_code == 401
        assert _storage_events(events) == ["ratelimit_storage_lost"]
        relay.up = True
        clock.offset += 3600
        assert _post(client, f"d-{run}@example.org", ip).status_code == 401
        assert _post(client, f"e-{run}@example.org", ip).status_code == 401
        assert _storage_events(events) == ["ratelimit_storage_lost", "ratelimit_storage_recovered"]
    finally:
        relay.close()
        with app.app_context():
            db.engine.dispose()
