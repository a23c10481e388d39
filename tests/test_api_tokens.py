"""Personal access tokens: made and revoked on /account, shown once, stored hashed, scoped,
expiring, dying with their user, last use shown, throttled per token (429 + Retry-After)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.api_helpers import auth, token_for
from tracker.api.models import ApiToken
from tracker.auth import operations as people
from tracker.db import db, utcnow


def _make(client, **fields):
    data = {"token-name": "Sak", "token-scope": "read", "token-expires": (date.today() + timedelta(days=30))
            .isoformat(), **fields}
    return client.post("/account/tokens", data=data)


def test_made_on_the_account_page_shown_once_stored_hashed(login, world):
    client = login(world.staff_a)
    response = _make(client, **{"token-name": "Arkivsystemet", "token-scope": "read_write"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = re.search(r'<code id="new-token">(tta_[A-Za-z0-9_-]+)</code>', page).group(1)
    token = db.session.scalar(sa.select(ApiToken))
    assert token.name == "Arkivsystemet" and token.scope == "read_write"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.token_hash
    page = client.get("/account").get_data(as_text=True)
    assert "Arkivsystemet" in page and secret not in page  # never shown again
    assert client.get("/api/v1/pilots", headers=auth(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None


@pytest.mark.parametrize("fields", [{"token-name": ""}, {"token-scope": "admin"},
                                    {"token-expires": "2001-01-01"},
                                    {"token-expires": (date.today() + timedelta(days=400)).isoformat()},
                                    {"token-expires": "i morgen"}, {"token-name": "x" * 101}])
def test_bad_token_forms_are_field_errors(login, world, fields):
    response = _make(login(world.staff_a), **fields)
    assert response.status_code == 400 and 'class="field-error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoked_by_its_owner_only(login, world, client):
    secret = token_for(world.staff_a)
    token = db.session.scalar(sa.select(ApiToken))
    assert login(world.staff_b).post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/pilots", headers=auth(secret)).status_code == 200
    owner = login(world.staff_a)
    assert owner.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    response = client.get("/api/v1/pilots", headers=auth(secret))
    assert response.status_code == 401 and "invalid_token" in response.headers["WWW-Authenticate"]


def test_expired_tokens_stop_working(client, world):
    secret = token_for(world.staff_a)
    token = db.session.scalar(sa.select(ApiToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/pilots", headers=auth(secret)).status_code == 401


def test_tokens_die_with_deactivation(client, world):
    secret = token_for(world.staff_a)
    people.deactivate(world.staff_a, world.admin)
    db.session.commit()
    assert client.get("/api/v1/pilots", headers=auth(secret)).status_code == 401
    people.reactivate(world.staff_a, world.admin)
    db.session.commit()
    assert client.get("/api/v1/pilots", headers=auth(secret)).status_code == 401  # revoked, not paused
    assert db.session.scalar(sa.select(ApiToken)).revoked_at is not None


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic dXNlcjpwdw==",
                                    "Bearer tta_" + "x" * 200])
def test_unknown_credentials_are_401(client, world, header):
    response = client.get("/api/v1/pilots", headers={"Authorization": header})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


class TestLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "API_TOKEN_LIMITS": "3 per minute",
                "API_ANONYMOUS_LIMITS": "2 per minute"}

    def test_per_token_limits_answer_429_with_retry_after(self, client, world, app):
        from tracker.extensions import limiter

        limiter.reset()
        first, second = token_for(world.staff_a), token_for(world.staff_a)
        assert [client.get("/api/v1/themes", headers=auth(first)).status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/themes", headers=auth(first))
        assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
        assert int(refused.headers["Retry-After"]) > 0
        assert client.get("/api/v1/themes", headers=auth(second)).status_code == 200  # its own budget
        assert [client.get("/api/v1/themes").status_code for _ in range(3)] == [200, 200, 429]
        limiter.reset()
