"""Signing in and out: passwords, sessions that really end, safe redirects, CSRF, language."""

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.auth.models import SignIn
from tracker.db import db


@pytest.fixture
def user(app):
    user = factories.make_user(email="sara@example.org", name="Sara")
    db.session.commit()
    return user


def _login(client, email="sara@example.org", password=factories.PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_page_renders_in_norwegian_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'lang="nb"' in response.text and "Logg inn" in response.text


def test_start_page_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_login_and_start_page(client, user):
    response = _login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "Mitt arbeid" in page.text and "Sara" in page.text
    assert db.session.scalar(sa.select(SignIn.success).where(SignIn.user_id == user.id)) is True


def test_email_is_case_insensitive(client, user):
    assert _login(client, email="  SARA@Example.ORG ").status_code == 302


@pytest.mark.parametrize("email,password", [("sara@example.org", "wrong password!"),
                                            ("nobody@example.org", factories.PASSWORD)])
def test_wrong_password_and_unknown_email_get_the_same_answer(client, user, email, password):
    response = _login(client, email=email, password=password)
    assert response.status_code == 401
    assert "Feil e-post eller passord." in response.text
    assert client.get("/").status_code == 302


def test_failed_attempt_is_recorded_for_known_account(client, user):
    _login(client, password="wrong password!")
    assert db.session.scalar(sa.select(SignIn.success).where(SignIn.user_id == user.id)) is False


def test_inactive_user_cannot_sign_in(client, user):
    user.active = False
    db.session.commit()
    assert _login(client).status_code == 401
    assert client.get("/").status_code == 302


def test_deactivation_ends_an_existing_session(client, user):
    _login(client)
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_logout_revokes_the_old_session_cookie(app, user):
    client = app.test_client()
    _login(client, remember="y")
    stolen = {c.key: c.value for c in client._cookies.values()}
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302
    # Replaying the cookies from before logout (session and remember-me) no longer works.
    replay = app.test_client()
    for key, value in stolen.items():
        replay.set_cookie(key, value)
    assert replay.get("/").status_code == 302


def test_logout_requires_post(client, user):
    _login(client)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_open_redirect_after_login_is_refused(client, user, target):
    response = _login(client, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/pilots/\r\nSet-Cookie: evil=1", "/x\nLocation: //evil", "/x\tevil"])
def test_control_characters_in_next_fall_back_to_the_start_page(client, user, target):
    response = _login(client, next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "evil" not in str(response.headers)
    assert client.get("/login", query_string={"next": target}).headers["Location"] == "/"
    assert client.post("/language", data={"lang": "en", "next": target}).headers["Location"] == "/"


def test_local_next_is_followed(client, user):
    response = _login(client, next="/pilots/?status=running")
    assert response.headers["Location"] == "/pilots/?status=running"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_requires_csrf_token(client, user):
    response = _login(client)
    assert response.status_code == 400
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_with_csrf_token_works(client, user):
    import re

    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert _login(client, csrf_token=token).status_code == 302


@pytest.mark.parametrize("header,expected", [("no", "nb"), ("no-NO,no;q=0.9", "nb"), ("nb-NO", "nb"),
                                             ("nn", "nb"), ("en-GB,en;q=0.8", "en"), ("de", "nb"),
                                             ("sv,en;q=0.5", "nb")])
def test_accept_language(client, header, expected):
    response = client.get("/login", headers={"Accept-Language": header})
    assert f'lang="{expected}"' in response.text


def test_language_switch_is_kept_and_redirects_locally(client, user):
    _login(client)
    response = client.post("/language", data={"lang": "en", "next": "/?x=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/?x=1"
    page = client.get("/")
    assert 'lang="en"' in page.text and "My work" in page.text
    assert client.post("/language", data={"lang": "en", "next": "https://evil.example"}).headers[
        "Location"] == "/"
    assert client.post("/language", data={"lang": "xx"}).status_code == 400


def test_language_choice_survives_sign_in(client, user):
    client.post("/language", data={"lang": "en"})
    _login(client)
    assert "My work" in client.get("/").text


def test_errors_are_friendly_pages(client, user):
    _login(client)
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Fant ikke siden" in response.text


def test_empty_login_names_each_missing_field(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    # Both in the error summary (linking to the field) and beside the field.
    assert '<a href="#email">E-post: Skriv inn e-postadressen din.</a>' in response.text
    assert 'id="email-error"' in response.text and 'aria-invalid="true"' in response.text
    assert "Skriv inn passordet ditt." in response.text


def test_anonymous_navigation_offers_only_public_pages(client):
    page = client.get("/login").text
    assert 'href="/pilots/"' in page and 'href="/districts/"' in page
    assert 'href="/partners/"' not in page and 'href="/"' not in page.split("<nav")[1].split("</nav>")[0]


@pytest.mark.parametrize("session_id", ["99999999999999999999999:1", "²:1", "１:1", "7", "7:x", ":"])
def test_a_session_naming_no_real_user_is_simply_signed_out(client, world, session_id):
    """Only the app writes the session's user id, but a value it never writes (from an old
    version, or a leaked key) must read as "signed out", never as a database error."""
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
