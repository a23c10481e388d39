"""Headers and cookies: strict CSP on every response, HSTS over HTTPS only, cookie flags, hosts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import factories
from tests.authz.headers import assert_strict_headers
from tests.conftest import make_app
from tracker.db import db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
@pytest.mark.parametrize("method,path,status", [
    ("GET", "/login", 200), ("GET", "/", 302), ("GET", "/pilots/", 200), ("GET", "/no-such-page", 404),
    ("GET", "/pilots/999999", 404), ("POST", "/language", 400), ("GET", "/static/css/app.css", 200),
    ("POST", "/login", 400), ("DELETE", "/login", 405),
])
def test_every_kind_of_response_carries_the_strict_headers(client, method, path, status):
    response = client.open(path, method=method)
    response.close()
    assert response.status_code == status
    assert_strict_headers(response, static=path.startswith("/static/"))
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    hsts = client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000


@pytest.mark.parametrize("app_config", [{"PROXY_FIX": 1}])
def test_behind_a_proxy_the_forwarded_scheme_and_address_count(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" in response.headers


def test_without_proxy_fix_forwarded_headers_are_ignored(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("app_config", [{"TRUSTED_HOSTS": ["testarena.oslo.kommune.no"]}])
def test_untrusted_host_gets_400_not_500(client):
    response = client.get("/login", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert_strict_headers(response)
    assert client.get("/login", base_url="https://testarena.oslo.kommune.no").status_code == 200


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "x..y"])
def test_a_malformed_host_gets_400_not_500(client, host):
    """Werkzeug cannot bind URLs for such a Host (BadHost): no page with links can be built."""
    response = client.get("/login", headers={"Host": host})
    assert response.status_code == 400
    assert_strict_headers(response)


def test_trusted_hosts_come_from_the_environment(monkeypatch, _schema):
    monkeypatch.setenv("TRACKER_TRUSTED_HOSTS", '["testarena.example", "localhost"]')
    app = make_app(_schema)
    assert app.config["TRUSTED_HOSTS"] == ["testarena.example", "localhost"]
    assert app.test_client().get("/login", headers={"Host": "other.example"}).status_code == 400


@pytest.fixture
def production(_schema):
    """The app as deployed: not testing, not debug (CSRF off only to keep the test short)."""
    app = make_app(_schema, TESTING=False, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                   BASE_URL="https://testarena.example.no")
    with app.app_context():
        user = factories.make_user(email="prod@example.org")
        db.session.commit()
        yield app, user
        db.session.delete(user)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_production_cookies_are_secure_httponly_lax_and_short(production):
    app, user = production
    client = app.test_client()
    response = client.post("/login", base_url="https://localhost",
                           data={"email": user.email, "password": factories.PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        flags = [f.strip().lower() for f in cookies[name].split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, cookies[name]
    expires = re.search(r"Expires=([^;]+)", cookies["remember_token"]).group(1)
    expiry = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert expiry <= datetime.now(UTC) + timedelta(hours=12, minutes=1)
    assert app.config["REMEMBER_COOKIE_DURATION"] <= app.config["PERMANENT_SESSION_LIFETIME"]


def test_an_old_session_cookie_is_refused_after_the_session_lifetime(client, login, world, app):
    login(world.staff_a)
    assert client.get("/").status_code == 200
    app.permanent_session_lifetime = timedelta(seconds=-1)  # every signed cookie is now too old
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")),
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_style_or_handlers(template):
    """The CSP would block them anyway; this names the template instead of a silent breakage."""
    html = template.read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\sstyle\s*=", html), "style= attribute"
    assert not re.search(r"<style\b", html), "<style> element"
    assert not re.search(r"\son[a-z]+\s*=", html), "on*= event handler"
    assert "javascript:" not in html.lower()


def test_an_unexpected_error_is_a_generic_page_and_is_logged(production, monkeypatch):
    """Production: no traceback, query or secret in the answer; the details go to the log."""
    app, _user = production
    logged = []
    monkeypatch.setattr(app, "log_exception", lambda exc_info: logged.append(exc_info))

    def boom():
        raise RuntimeError("SELECT secret FROM internals")

    app.add_url_rule("/boom-for-test", "boom_for_test", boom)
    response = app.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "SELECT" not in response.text and "Traceback" not in response.text
    assert "Noe gikk galt" in response.text or "Something went wrong" in response.text
    assert_strict_headers(response)
    assert logged and logged[0][0] is RuntimeError
