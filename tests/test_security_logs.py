"""Security logging and sign-in timing: JSON event lines, no secrets in any log, equal work."""

from __future__ import annotations

import json
import logging

import pytest

from tests import factories
from tracker.auth import operations
from tracker.db import db
from tracker.pilots.workflow import Status

SECRET_PASSWORD = "Very-secret passphrase 42!"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "LOGIN_LIMITS": "3 per minute"}


@pytest.fixture
def records():
    """Every log record from any logger during the test, at every level."""
    captured: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = captured.append
    root, events = logging.getLogger(), logging.getLogger("tracker.events")
    old_level, events_level, events_propagate = root.level, events.level, events.propagate
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    events.setLevel(logging.INFO)
    events.propagate = True  # an app built with TESTING off earlier in this process turned it off
    yield captured
    root.removeHandler(handler)
    root.setLevel(old_level)
    events.setLevel(events_level)
    events.propagate = events_propagate


def _events(records) -> list[dict]:
    """The structured lines; each must be one valid JSON object."""
    return [json.loads(r.getMessage()) for r in records if r.name == "tracker.events"]


@pytest.fixture
def user(app):
    user = factories.make_user(email="kari@example.org", name="Kari", password=SECRET_PASSWORD)
    db.session.commit()
    return user


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": "192.0.2.7"})


def test_sign_in_flow_logs_json_events_without_secrets(client, user, records):
    assert _login(client, "kari@example.org", "wrong " + SECRET_PASSWORD).status_code == 401
    assert _login(client, "nobody@example.org", SECRET_PASSWORD).status_code == 401
    assert _login(client, "KARI@example.org", SECRET_PASSWORD).status_code == 302
    cookie = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert [(e["event"], e.get("email")) for e in _events(records)] == [
        ("sign_in_failed", "kari@example.org"), ("sign_in_failed", "nobody@example.org"),
        ("sign_in", "kari@example.org"), ("sign_out", None)]
    signed_in = _events(records)[2]
    assert signed_in["user_id"] == user.id and signed_in["ip"] == "192.0.2.7"
    everything = "\n".join(r.getMessage() + repr(r.args) + repr(r.__dict__) for r in records)
    assert SECRET_PASSWORD not in everything
    assert cookie not in everything and cookie.lstrip(".").split(".")[0] not in everything


def test_throttled_attempt_is_logged(client, user, records):
    for _ in range(4):
        _login(client, "kari@example.org", "wrong " + SECRET_PASSWORD)
    names = [e["event"] for e in _events(records)]
    assert names == ["sign_in_failed"] * 3 + ["sign_in_throttled"]
    assert _events(records)[-1]["email"] == "kari@example.org"


def test_permission_refusal_is_logged(client, login, world, records):
    draft = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT)
    db.session.commit()
    login(world.staff_b)
    assert client.get(f"/pilots/{draft.id}").status_code == 403
    (refusal,) = [e for e in _events(records) if e["event"] == "permission_denied"]
    assert refusal == {"event": "permission_denied", "user_id": world.staff_b.id, "method": "GET",
                       "endpoint": "pilots.show", "ip": "127.0.0.1", "path": f"/pilots/{draft.id}"}


@pytest.mark.parametrize("email", ["kari@example.org", "unknown@example.org"])
def test_unknown_and_known_accounts_cost_one_password_check_each(app, user, monkeypatch, email):
    """The timing cannot tell the two apart: both verify exactly one scrypt hash of equal cost."""
    calls: list[str] = []
    real = operations.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$")[0])
        return real(pwhash, password)

    monkeypatch.setattr(operations, "check_password_hash", counting)
    assert operations.authenticate(email, "wrong " + SECRET_PASSWORD) is None
    assert calls == [operations.PASSWORD_METHOD]
    assert user.password_hash.startswith(operations.PASSWORD_METHOD + "$")


def test_status_action_is_logged(client, login, world, records):
    draft = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT)
    draft.themes.append(factories.make_theme())
    db.session.commit()
    login(world.staff_a)
    response = client.post(f"/pilots/{draft.id}/actions/submit", data={"version": draft.version})
    assert response.status_code == 302
    (action,) = [e for e in _events(records) if e["event"] == "status_action"]
    assert action | {"ip": None} == {"event": "status_action", "pilot_id": draft.id, "action": "submit",
                                      "user_id": world.staff_a.id, "from_status": "draft",
                                      "to_status": "submitted", "ip": None,
                                      "path": f"/pilots/{draft.id}/actions/submit"}


def test_a_production_app_writes_the_events_to_stderr_as_json(tmp_path):
    """Outside testing nothing else configures logging (gunicorn doesn't): the app must."""
    import os
    import subprocess
    import sys

    script = f"""
from tracker import create_app
from tracker.db import db
app = create_app({{"SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'prod.db'}",
                  "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}})
with app.app_context():
    db.create_all()
app.test_client().post("/login", data={{"email": "nobody@example.org", "password": "x"}})
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["TRACKER_SECRET_KEY"] = "a-real-secret-key-for-this-test-only-0123456789"
    env["TRACKER_BASE_URL"] = "https://testarena.example.no"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         timeout=60, check=True)
    lines = [json.loads(line) for line in run.stderr.splitlines() if line.startswith("{")]
    assert [(e["event"], e["email"]) for e in lines] == [("sign_in_failed", "nobody@example.org")]
