"""Sign-in abuse: throttling per address and per account, equal answers and equal work, JSON logs."""

from __future__ import annotations

import uuid

import pytest
import redis

from tests import factories
from tests.conftest import make_app
from tracker.db import db

REDIS_URL = "redis://127.0.0.1:6379/15"
LIMITS = "3 per minute"


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["memory", "redis"])
def app_config(request):
    """Throttling on, with a tiny budget; once with in-process storage and once with Redis."""
    config = {"RATELIMIT_ENABLED": True, "LOGIN_LIMITS": LIMITS}
    if request.param == "redis":
        if not _redis_answers():
            pytest.skip(f"Redis does not answer at {REDIS_URL}: the Redis storage test needs it")
        config["RATELIMIT_STORAGE_URI"] = REDIS_URL
    return config


@pytest.fixture
def run():
    """A tag unique to this test run: Redis keeps counters between runs and parallel suites."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def user(app, run):
    user = factories.make_user(email=f"sara-{run}@example.org", name="Sara")
    db.session.commit()
    return user


def _ip(run: str, n: int = 0) -> str:
    """A client address private to this run (keys in Redis outlive the test)."""
    a, b = int(run[:2], 16), int(run[2:4], 16)
    return f"10.{a}.{b}.{n}"


def _post(client, email, password="wrong password!", ip="10.0.0.1"):  # noqa: S107
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_one_address_trying_many_accounts_is_throttled(client, user, run):
    for n in range(3):
        assert _post(client, f"guess{n}-{run}@example.org", ip=_ip(run)).status_code == 401
    response = _post(client, user.email, factories.PASSWORD, ip=_ip(run))
    assert response.status_code == 429
    assert "For mange forsøk" in response.text and "Retry-After" in response.headers
    assert client.get("/").status_code == 302
    # Another address is not affected.
    assert _post(client, f"other-{run}@example.org", ip=_ip(run, 1)).status_code == 401


def test_one_account_tried_from_many_addresses_is_throttled(client, user, run):
    shouted = f"  SARA-{run.upper()}@Example.ORG "
    for n in range(3):
        assert _post(client, shouted, ip=_ip(run, n)).status_code == 401
    # Even the right password from a fresh address waits: the account's budget is spent.
    assert _post(client, user.email, factories.PASSWORD, ip=_ip(run, 99)).status_code == 429
    assert client.get("/").status_code == 302
    # Other accounts from a fresh address still work.
    assert _post(client, f"someone-{run}@example.org", ip=_ip(run, 98)).status_code == 401


def test_viewing_the_login_page_is_not_throttled(client):
    for _ in range(6):
        assert client.get("/login").status_code == 200


def _post_via(client, email, forwarded_for, ip="10.255.0.1"):
    return client.post("/login", data={"email": email, "password": "wrong password!"},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": ip})


def test_a_spoofed_forwarded_for_does_not_escape_the_throttle(client, run):
    """Without a trusted proxy, X-Forwarded-For is the client's own claim: it is ignored."""
    ip = _ip(run, 200)
    for n in range(3):
        assert _post_via(client, f"a{n}-{run}@example.org", f"198.51.100.{n}", ip).status_code == 401
    assert _post_via(client, f"a9-{run}@example.org", "198.51.100.77", ip).status_code == 429


@pytest.mark.parametrize("proxied", [{"PROXY_FIX": 1}])
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(app_config, proxied, run, _schema):
    app = make_app(_schema, **app_config, **proxied)
    client = app.test_client()
    proxy = _ip(run, 201)
    for n in range(3):
        assert _post_via(client, f"b{n}-{run}@example.org", _ip(run, 150), proxy).status_code == 401
    assert _post_via(client, f"b8-{run}@example.org", _ip(run, 150), proxy).status_code == 429
    # Another client behind the same proxy is not punished for the first one.
    assert _post_via(client, f"b9-{run}@example.org", _ip(run, 151), proxy).status_code == 401
    with app.app_context():
        db.engine.dispose()
