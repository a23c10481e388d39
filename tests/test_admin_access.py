"""Only active administrators reach /admin: every rule, every method; nothing changes otherwise."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tracker import create_app
from tracker.audit import AuditEntry
from tracker.auth.models import PasswordToken, Role, User
from tracker.db import db


def _admin_rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x" * 32})
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                rules.append(pytest.param(rule.rule, method, id=f"{method} {rule.rule}"))
    return rules


ADMIN_RULES = _admin_rules()


def _url(rule: str, world, theme) -> str:
    return (rule.replace("<int:user_id>", str(world.staff_a.id))
            .replace("<int:district_id>", str(world.district_a.id))
            .replace("<int:theme_id>", str(theme.id)))


def _snapshot():
    """Everything an admin route could change."""
    users = db.session.execute(sa.select(User.id, User.name, User.role, User.active, User.session_version)
                               .order_by(User.id)).all()
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (AuditEntry, PasswordToken)]
    return users, counts


def test_every_admin_rule_is_covered():
    assert len(ADMIN_RULES) >= 20


@pytest.mark.parametrize("role", [Role.STAFF, Role.COORDINATOR, "inactive admin"])
@pytest.mark.parametrize("rule,method", ADMIN_RULES)
def test_non_admins_get_403_and_nothing_changes(world, login, role, rule, method):
    theme = factories.make_theme()
    if role == "inactive admin":
        user = factories.make_user(Role.ADMIN, active=False)
        db.session.commit()
        client = login(user)
        # An inactive admin's session is not a session at all: sent to sign in.
        expected = 302
    else:
        client = login(world.staff_b if role == Role.STAFF else world.coordinator_b)
        expected = 403
    before = _snapshot()
    data = {"name": "Hacked", "role": "admin", "to_user": str(world.staff_b.id), "name_nb": "x",
            "name_en": "y", "email": "new@example.org"}
    response = client.open(_url(rule, world, theme), method=method, data=data if method == "POST" else None)
    assert response.status_code == expected
    if expected == 302:
        assert response.headers["Location"].startswith("/login")
    assert _snapshot() == before


@pytest.mark.parametrize("rule,method", ADMIN_RULES)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, rule, method):
    theme = factories.make_theme()
    db.session.commit()
    response = client.open(_url(rule, world, theme), method=method)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/admin")


def test_admins_see_the_administration_link_and_others_do_not(world, login):
    assert 'href="/admin/users"' in login(world.admin).get("/").text
    assert 'href="/admin/users"' not in login(world.coordinator_a).get("/").text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_admin_posts_need_the_csrf_token(world, login):
    response = login(world.admin).post(f"/admin/users/{world.staff_a.id}/deactivate")
    assert response.status_code == 400
    assert world.staff_a.active is True
