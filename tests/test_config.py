"""Configuration: the secret-key refusal and TRACKER_* environment variables."""

import pytest

from tracker import create_app


def test_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="TRACKER_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("weak", ["dev", "change-me", "short"])
def test_refuses_placeholder_or_short_secret_key(monkeypatch, weak):
    monkeypatch.setenv("TRACKER_SECRET_KEY", weak)
    with pytest.raises(RuntimeError, match="too weak"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_reads_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite")
    app = create_app()
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.setenv("TRACKER_SECRET_KEY", "y" * 40)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    app = create_app()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/testarena.sqlite")
