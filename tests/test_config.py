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
    monkeypatch.setenv("TRACKER_BASE_URL", "https://testarena.example.no")
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite")
    app = create_app()
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.setenv("TRACKER_SECRET_KEY", "y" * 40)
    monkeypatch.setenv("TRACKER_BASE_URL", "https://testarena.example.no")
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    app = create_app()
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith("sqlite:///") and uri.endswith("instance/testarena.sqlite")


@pytest.fixture
def production(monkeypatch):
    """A production environment: a real secret key, no debug, no link settings."""
    for name in ("TRACKER_BASE_URL", "TRACKER_TRUSTED_HOSTS", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_SECRET_KEY", "z" * 40)
    return monkeypatch


def test_refuses_to_start_when_links_would_trust_the_host_header(production):
    with pytest.raises(RuntimeError, match="TRACKER_BASE_URL and TRACKER_TRUSTED_HOSTS are both unset"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize("bad", ["testarena.example.no", "ftp://example.no", "https://", "https://x.no/?a=1"])
def test_refuses_a_base_url_that_is_not_an_address(production, bad):
    production.setenv("TRACKER_BASE_URL", bad)
    with pytest.raises(RuntimeError, match=r"TRACKER_BASE_URL=.* is not an address"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(("name", "value"), [("TRACKER_BASE_URL", "https://testarena.example.no"),
                                             ("TRACKER_TRUSTED_HOSTS", '["testarena.example.no"]')])
def test_starts_with_a_base_url_or_trusted_hosts(production, name, value):
    production.setenv(name, value)
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config[name.removeprefix("TRACKER_")]
