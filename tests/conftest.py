"""Shared fixtures: one schema per test session, emptied after every test.

The database is SQLite in a temporary folder, or, with ``TRACKER_TEST_DATABASE_URL`` set to a
PostgreSQL URL, a fresh PostgreSQL database created for this session (and dropped after), so
parallel runs never share state.
"""

from __future__ import annotations

import contextvars
import os
import tempfile
import uuid

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from tests import factories
from tracker import create_app
from tracker.db import db

PG_ENV = "TRACKER_TEST_DATABASE_URL"


def pytest_collection_modifyitems(config, items):
    """``slow`` tests use no database: the PostgreSQL run of the suite skips them (CI runs them once)."""
    if os.environ.get(PG_ENV):
        skip = pytest.mark.skip(reason="slow and database-independent: runs in the SQLite run only")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


def _postgres_database(base_url: str):
    """Create a throw-away database next to ``base_url``; yield its URL; drop it."""
    url = sa.make_url(base_url)
    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {url.render_as_string()} does not answer: {exc.orig}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production (fresh ``g`` and db session).

    The test's own session is committed before the request, so the request sees what the test
    built, and committed (expired) after it, so the test then reads what the request stored.
    A streamed response is read whole inside that context (``buffered``), as a server sends it
    before the request ends.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        if has_app_context():
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.commit()
        return response


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get(PG_ENV)
    if base:
        yield from _postgres_database(base)
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        # Attachments (tracker/files) out of the checkout's instance/ folder; one folder per process.
        "FILES_DIR": os.path.join(tempfile.gettempdir(), f"tracker-test-files-{os.getpid()}"),
        # Uploaded sheets waiting for their import (tracker/imports), likewise.
        "IMPORTS_DIR": os.path.join(tempfile.gettempdir(), f"tracker-test-imports-{os.getpid()}"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _schema(database_url):
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return database_url


def _empty_all_tables() -> None:
    """Delete every row, children first, and (PostgreSQL) restart the id sequences, as SQLite
    does for a table emptied by DELETE. Not TRUNCATE: it replaces each table's files, which cost
    0.2–0.7 s a test on PostgreSQL against about 12 ms for the DELETEs."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
    db.session.commit()


@pytest.fixture
def app_config():
    """Per-test config overrides (override this fixture in a module to change settings)."""
    return {}


@pytest.fixture
def app(_schema, app_config):
    app = make_app(_schema, **app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """Two districts with a coordinator and a staff member each, plus an admin."""
    return factories.World.build()


@pytest.fixture
def catalogue(world):
    """The ``world`` plus a theme and two partners a proposal can choose."""
    themes = [factories.make_theme(name_en="Mobility")]
    partners = [factories.make_partner("Universitetet i Oslo"), factories.make_partner("Ruter AS")]
    db.session.commit()
    return world, themes, partners


def login_as(client, user) -> None:
    """Sign ``client`` in as ``user`` without the (deliberately slow) password hash."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def login(client):
    def _login(user):
        login_as(client, user)
        return client

    return _login
