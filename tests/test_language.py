"""Which language a page speaks: saved choice (user, then cookie) > browser > Bokmål."""

from __future__ import annotations

import pytest

from tests import factories
from tracker.auth.models import User
from tracker.db import db


def _lang(response) -> str:
    return response.text.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("header,expected", [
    ("nb-NO", "nb"), ("nn", "nb"), ("no", "nb"),
    # Nordic languages the app does not have: Bokmål reads best, even when English comes next.
    ("da-DK,da;q=0.9,en;q=0.8", "nb"), ("sv-SE,en;q=0.5", "nb"), ("fi", "nb"), ("is", "nb"),
    ("en-GB,en;q=0.8", "en"), ("en-US,nb;q=0.5", "en"),
    # A language we do not have is skipped; the next one counts; nothing we have: Bokmål.
    ("de-DE,en;q=0.8", "en"), ("de", "nb"), ("", "nb"),
])
def test_a_first_visit_follows_the_browser(client, header, expected):
    assert _lang(client.get("/login", headers={"Accept-Language": header})) == expected


def test_a_visitors_choice_beats_the_browser_and_outlives_the_session(client):
    response = client.post("/language", data={"lang": "en"}, headers={"Accept-Language": "nb"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "Max-Age=" in cookie and "HttpOnly" in cookie
    client.delete_cookie("session")  # the browser session ended; the choice stays
    assert _lang(client.get("/login", headers={"Accept-Language": "nb-NO,nb"})) == "en"
    client.post("/language", data={"lang": "nb"})
    assert _lang(client.get("/login", headers={"Accept-Language": "en"})) == "nb"


def test_a_users_choice_is_saved_and_follows_them_to_another_browser(app, login):
    user = factories.make_user(email="sara@example.org", name="Sara")
    db.session.commit()
    login(user).post("/language", data={"lang": "en"}, headers={"Accept-Language": "nb"})
    assert db.session.get(User, user.id).language == "en"

    other_browser = app.test_client()  # no cookie, a Norwegian browser
    with other_browser.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert _lang(other_browser.get("/", headers={"Accept-Language": "nb"})) == "en"
    # The user's saved choice also beats a visitor cookie left in that browser.
    other_browser.set_cookie("lang", "nb")
    assert _lang(other_browser.get("/", headers={"Accept-Language": "nb"})) == "en"


def test_a_forged_language_cookie_is_ignored(client):
    client.set_cookie("lang", "xx")
    assert _lang(client.get("/login", headers={"Accept-Language": "en"})) == "en"
