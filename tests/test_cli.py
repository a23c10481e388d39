"""The command line: user creation and its errors, and the idempotent demo loader."""

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from tests import factories
from tracker.auth.models import Role, User
from tracker.db import db
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import Status


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_user_with_password_from_stdin(runner):
    district = factories.make_district("hovinbyen")
    db.session.commit()
    result = runner.invoke(args=["user", "create", "Kari@Example.org", "--name", "Kari", "--role",
                                 "coordinator", "--district", "hovinbyen", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = _user("kari@example.org")
    assert user.role == Role.COORDINATOR and user.districts == [district]
    assert check_password_hash(user.password_hash, "a long enough password")
    assert "a long enough password" not in result.output


def test_create_user_generates_password_when_not_given(runner):
    result = runner.invoke(args=["user", "create", "ola@example.org", "--name", "Ola", "--role", "staff"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    assert check_password_hash(_user("ola@example.org").password_hash, password)


def test_duplicate_email_is_refused_case_insensitively(runner):
    factories.make_user(email="per@example.org")
    db.session.commit()
    result = runner.invoke(args=["user", "create", "PER@example.org", "--name", "Per", "--role", "staff"])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_unknown_role_is_refused(runner):
    result = runner.invoke(args=["user", "create", "a@example.org", "--name", "A", "--role", "boss"])
    assert result.exit_code != 0 and "unknown role 'boss'" in result.output
    assert _user("a@example.org") is None


def test_unknown_district_is_refused(runner):
    result = runner.invoke(args=["user", "create", "b@example.org", "--name", "B", "--role", "coordinator",
                                 "--district", "atlantis"])
    assert result.exit_code != 0 and "unknown district 'atlantis'" in result.output
    assert _user("b@example.org") is None


def test_short_password_is_refused(runner):
    result = runner.invoke(args=["user", "create", "c@example.org", "--name", "C", "--role", "staff",
                                 "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least 12" in result.output


def test_demo_is_idempotent_and_covers_every_status(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert first.output.count("@testarena.example") == 6  # the innovation office's viewer too
    counts = dict(db.session.execute(sa.select(Pilot.status, sa.func.count()).group_by(Pilot.status)).all())
    assert set(counts) == set(Status)
    assert sum(counts.values()) >= 25
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == sum(counts.values())


def test_demo_reset_passwords_prints_working_new_passwords(runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["demo", "--reset-passwords"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "admin@testarena.example" in x)
    password = line.split()[-1]
    assert check_password_hash(_user("admin@testarena.example").password_hash, password)


@pytest.mark.parametrize(("password", "reason"), [
    ("a" * 12, "too easy to guess"), ("password1234", "too easy to guess"),
    ("carla@example.org", "not be the name or e-mail"), ("x" * 201, "at most 200"),
], ids=["twelve-a", "common", "own-email", "too-long"])
def test_weak_password_is_refused_as_on_the_web_form(runner, password, reason):
    result = runner.invoke(args=["user", "create", "carla@example.org", "--name", "Carla", "--role", "admin",
                                 "--password-stdin"], input=password + "\n")
    assert result.exit_code != 0 and reason in result.output
    assert _user("carla@example.org") is None
