"""What every page shares: the signed-in user read in one query (with their districts and unread
count), the header filled in per request, and the session cookie."""

from __future__ import annotations

import re

import pytest
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user
from itsdangerous import BadSignature

from tests import factories
from tests.sql import counted
from tracker.auth.models import User
from tracker.auth.routes import load_user
from tracker.db import db
from tracker.notifications.operations import mark_read
from tracker.notifications.routes import _helpers
from tracker.notifications.rules import notify


def test_the_user_comes_with_their_districts_and_unread_count_in_one_query(app, world):
    notify({world.coordinator_a.id}, "comment", "comment", world.staff_a)
    db.session.commit()
    user_id, district = world.coordinator_a.get_id(), world.district_a.id
    db.session.remove()
    with app.test_request_context(), counted() as statements:
        user = load_user(user_id)
        login_user(user)
        assert [d.id for d in user.districts] == [district] and user.district_ids == {district}
        assert _helpers()["unread_notifications"]() == 1
        assert user in db.session and not db.session.dirty
    assert len(statements) == 1


def test_an_ended_or_deactivated_session_is_refused(app, world):
    user = world.staff_a
    old = user.get_id()
    user.session_version += 1
    db.session.commit()
    with app.test_request_context():
        assert load_user(old) is None and load_user(user.get_id()) is not None
    user.active = False
    db.session.commit()
    with app.test_request_context():
        assert load_user(user.get_id()) is None


def test_the_header_count_follows_what_the_request_itself_writes(app, world):
    user_id, actor_id = world.staff_a.get_id(), world.coordinator_a.id
    db.session.remove()
    with app.test_request_context():
        user = load_user(user_id)
        login_user(user)
        unread = _helpers()["unread_notifications"]
        assert unread() == 0
        notify({user.id}, "comment", "comment", db.session.get(User, actor_id))
        db.session.commit()
        assert unread() == 1
        mark_read(user)  # an UPDATE through the session, not yet committed
        assert unread() == 0


def test_the_header_shows_the_name_escaped_and_one_form_token_per_page(world, login):
    user = factories.make_user(name='<b>Kari</b> & "co"')
    db.session.commit()
    page = login(user).get("/pilots/").get_data(as_text=True)
    assert "&lt;b&gt;Kari&lt;/b&gt; &amp; &#34;co&#34;" in page and "<b>Kari" not in page
    assert "\x00" not in page
    tokens = set(re.findall(r'name="csrf_token" value="([^"]*)"', page))
    assert len(tokens) == 1 and "" not in tokens


def test_session_cookies_are_those_flask_signs_and_follow_a_new_secret(app):
    ours = app.session_interface.get_signing_serializer(app)
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert flasks.loads(ours.dumps({"a": 1})) == {"a": 1} and ours.loads(flasks.dumps({"b": 2})) == {"b": 2}
    cookie = ours.dumps({"c": 3})
    app.secret_key = "another secret key, long enough to be taken seriously"
    with pytest.raises(BadSignature):
        app.session_interface.get_signing_serializer(app).loads(cookie)
