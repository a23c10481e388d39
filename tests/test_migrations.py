"""Migrations: upgrade, downgrade to base and upgrade again; and no drift from the models."""

import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import PG_ENV, make_app
from tracker.db import db
from tracker.search.backends import include_object


@pytest.fixture
def empty_database_url(tmp_path, monkeypatch):
    import os

    base = os.environ.get(PG_ENV)
    if not base:
        yield f"sqlite:///{tmp_path}/migrate.sqlite"
        return
    url = sa.make_url(base)
    name = f"tracker_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _tables(app):
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade()
        created = _tables(app)
        assert {"pilots", "users", "districts", "partners", "status_events", "audit_entries"} <= created
        downgrade(revision="base")
        assert _tables(app) == set()
        upgrade()
        assert _tables(app) == created
        db.engine.dispose()


def test_models_and_migrations_agree(empty_database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = make_app(empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == [], f"models changed without a migration: {diff}"


def test_upgrade_keeps_data_and_foreign_keys(empty_database_url):
    """Running upgrade again on a populated database changes nothing and loses nothing."""
    from tracker.demo import load_demo

    app = make_app(empty_database_url)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        before = db.session.execute(sa.text("SELECT count(*) FROM pilot_partners")).scalar()
        upgrade()
        assert db.session.execute(sa.text("SELECT count(*) FROM pilot_partners")).scalar() == before > 0
        db.session.remove()
        db.engine.dispose()
