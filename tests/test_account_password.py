"""My account and set-password links: strength, single use, expiry, sessions that end."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

import tracker.db
from tests import factories
from tracker.audit import AuditEntry
from tracker.auth import operations as people
from tracker.auth.models import PasswordToken, SignIn
from tracker.db import db

NEW = "blue kettle under seven bridges"


def _sign_in(app, user, password=factories.PASSWORD):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": password}).status_code == 302
    return client


def _change(client, current=factories.PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                   "confirm": new if confirm is None else confirm})


@pytest.fixture
def user(app):
    user = factories.make_user(email="sara@example.org", name="Sara Berg")
    db.session.commit()
    return user


def test_account_page_shows_own_details_and_recent_sign_ins(app, user):
    client = _sign_in(app, user)
    app.test_client().post("/login", data={"email": user.email, "password": "wrong password!"})
    page = client.get("/account")
    assert page.status_code == 200 and "Min konto" in page.text and "sara@example.org" in page.text
    assert page.text.count("Logget inn</td>") == 1 and page.text.count("Mislyktes</td>") == 1
    assert "127.0.0.1" in page.text


def test_only_the_last_ten_sign_ins_are_shown(login, user):
    for _ in range(12):
        db.session.add(SignIn(user_id=user.id, success=True, ip="10.0.0.1"))
    page = login(user).get("/account").text
    assert page.count("10.0.0.1") == 10


def test_account_needs_sign_in(client):
    assert client.get("/account").headers["Location"].startswith("/login")
    assert client.post("/account/password").headers["Location"].startswith("/login")


def test_name_change_is_saved_and_audited(login, user):
    response = login(user).post("/account/name", data={"name": "  Sara Berg-Hansen "})
    assert response.status_code == 302 and user.name == "Sara Berg-Hansen"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.actor_id == user.id and entry.changes == {"name": ["Sara Berg", "Sara Berg-Hansen"]}


def test_empty_name_is_a_field_error(login, user):
    response = login(user).post("/account/name", data={"name": "  "})
    assert response.status_code == 400 and "Skriv navnet ditt." in response.text and user.name == "Sara Berg"


def test_password_change_ends_other_sessions_but_keeps_this_one(app, user):
    here, elsewhere = _sign_in(app, user), _sign_in(app, user)
    response = _change(here)
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert check_password_hash(user.password_hash, NEW)
    action = db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.entity_id == user.id))
    assert action == "password"


@pytest.mark.parametrize("current,new,confirm,field,message", [
    ("wrong password!", NEW, None, "current_password", "Det nåværende passordet er feil."),
    ("", NEW, None, "current_password", "Skriv det nåværende passordet ditt."),
    (factories.PASSWORD, "short", None, "new_password", "Bruk minst 12 tegn."),
    (factories.PASSWORD, "x" * 201, None, "new_password", "Bruk høyst 200 tegn."),
    (factories.PASSWORD, "password1234", None, "new_password", "for lett å gjette"),
    (factories.PASSWORD, "qwertyuiop123", None, "new_password", "for lett å gjette"),
    (factories.PASSWORD, "sara@example.org", None, "new_password", "navnet eller e-postadressen"),
    (factories.PASSWORD, NEW, NEW + "!", "confirm", "ikke like"),
])
def test_refused_password_changes_say_why_and_change_nothing(app, user, current, new, confirm, field,
                                                             message):
    here, elsewhere = _sign_in(app, user), _sign_in(app, user)
    old_hash = user.password_hash
    response = _change(here, current, new, confirm)
    assert response.status_code == 400
    assert f'href="#{field}"' in response.text and message in response.text
    db.session.refresh(user)
    assert user.password_hash == old_hash and elsewhere.get("/").status_code == 200


def test_strength_rules():
    assert people.password_problem("correct horse battery staple") is None
    assert people.password_problem("Sommerferie i Lofoten 2026") is None
    assert people.password_problem("iloveyou12345") == "common"
    assert people.password_problem("kari.nordmann", email="kari.nordmann@oslo.kommune.no") == "personal"
    assert people.password_problem("y" * 1000) == "long"


# --- set-password links -----------------------------------------------------------------------

def _link(admin, user, hours=72) -> str:
    secret = people.issue_password_link(user, admin, hours)
    db.session.commit()
    return f"/account/set-password/{secret}"


def _set(client, url, password=NEW, confirm=None):
    confirm = password if confirm is None else confirm
    return client.post(url, data={"new_password": password, "confirm": confirm})


def test_a_link_sets_the_password_once(app, client, world):
    url = _link(world.admin, world.staff_a)
    opened = client.get(url)
    # The secret leaves the address bar at once: it moves into the session.
    assert opened.status_code == 302 and opened.headers["Location"] == "/account/set-password"
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200 and "Sett passordet ditt" in page.text and world.staff_a.email in page.text
    response = _set(client, url)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert check_password_hash(world.staff_a.password_hash, NEW)
    assert _sign_in(app, world.staff_a, NEW).get("/").status_code == 200
    # A second use is refused with a clear page, and nothing changes.
    hash_after = world.staff_a.password_hash
    again = _set(app.test_client(), url, "another long passphrase here")
    assert again.status_code == 410 and "allerede brukt" in again.text
    assert app.test_client().get(url).status_code == 410
    db.session.refresh(world.staff_a)
    assert world.staff_a.password_hash == hash_after


def test_only_the_hash_of_the_link_is_stored(world):
    url = _link(world.admin, world.staff_a)
    secret = url.rsplit("/", 1)[1]
    (stored,) = db.session.scalars(sa.select(PasswordToken.token_hash)).all()
    assert secret not in stored and stored == people.token_digest(secret)


def test_a_link_expires_after_72_hours(app, client, world, monkeypatch):
    start = tracker.db.utcnow()
    monkeypatch.setattr(tracker.db, "utcnow", lambda: start)
    url = _link(world.admin, world.staff_a, hours=app.config["SET_PASSWORD_LINK_HOURS"])
    monkeypatch.setattr(tracker.db, "utcnow", lambda: start + timedelta(hours=71, minutes=59))
    assert client.get(url, follow_redirects=True).status_code == 200
    monkeypatch.setattr(tracker.db, "utcnow", lambda: start + timedelta(hours=72))
    old_hash = world.staff_a.password_hash
    late = _set(client, url)
    assert late.status_code == 410 and "utløpt" in late.text
    db.session.refresh(world.staff_a)
    assert world.staff_a.password_hash == old_hash


def test_a_link_sets_password_ends_sessions_and_a_weak_password_does_not_spend_it(app, client, world):
    victim = _sign_in(app, world.staff_a)
    url = _link(world.admin, world.staff_a)
    weak = _set(client, url, "password1234")
    assert weak.status_code == 400 and 'href="#new_password"' in weak.text
    assert victim.get("/").status_code == 200
    assert _set(client, url).status_code == 302
    assert victim.get("/").status_code == 302


@pytest.mark.parametrize("token", ["nope", "x" * 500, "%00", "a/../b"])
def test_unknown_links_get_a_clear_404(client, world, token):
    response = client.get(f"/account/set-password/{token}")
    assert response.status_code == 404


def test_deactivating_a_user_voids_their_link(app, world, login):
    url = _link(world.admin, world.staff_a)
    login(world.admin).post(f"/admin/users/{world.staff_a.id}/deactivate")
    assert app.test_client().get(url).status_code == 410


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_set_password_needs_the_csrf_token(client, world):
    url = _link(world.admin, world.staff_a)
    assert _set(client, url).status_code == 400
    page = client.get(url, follow_redirects=True).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"new_password": NEW, "confirm": NEW, "csrf_token": token}
    assert client.post(url, data=data).status_code == 302


def test_errors_are_summarised_in_page_order(login, user):
    page = login(user).post("/account/password", data={}).text
    summary = page.split('id="error-summary"', 1)[1].split("</ul>", 1)[0]
    assert [m for m in ("#current_password", "#new_password", "#confirm") if m in summary] == [
        "#current_password", "#new_password", "#confirm"]
    assert summary.index("#current_password") < summary.index("#new_password") < summary.index("#confirm")


def test_the_form_without_a_link_in_the_session_is_refused(client):
    assert client.get("/account/set-password").status_code == 404
    assert client.post("/account/set-password", data={"new_password": NEW, "confirm": NEW}).status_code == 404


def test_the_link_opened_in_the_browser_sets_the_password_from_the_session(app, client, world):
    url = _link(world.admin, world.staff_a)
    client.get(url)
    assert _set(client, "/account/set-password").status_code == 302
    assert check_password_hash(world.staff_a.password_hash, NEW)
    # The session no longer holds the used link.
    assert client.get("/account/set-password").status_code == 404


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_LIMITS": "3 per minute"}])
def test_guessing_the_current_password_is_throttled(login, world):
    client = login(world.staff_a)
    wrong = {"current_password": "not my password at all", "new_password": NEW, "confirm": NEW}
    answers = [client.post("/account/password", data=wrong).status_code for _ in range(4)]
    assert answers == [400, 400, 400, 429]
    # Even the right password waits out the budget: nothing changed.
    right = {**wrong, "current_password": factories.PASSWORD}
    assert client.post("/account/password", data=right).status_code == 429
    db.session.refresh(world.staff_a)
    assert check_password_hash(world.staff_a.password_hash, factories.PASSWORD)
