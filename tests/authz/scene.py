"""The shared scene of the authorisation and hostile-input tests, and a whole-database digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from tests import factories
from tests.conftest import IsolatedClient, make_app
from tracker import create_app
from tracker.api import tokens as api_tokens
from tracker.auth import operations as people
from tracker.changes.models import ChangeRequest
from tracker.db import db
from tracker.pilots.workflow import Status

SKIPPED = {"static"}  # files, no data behind them
PERSONAS = ("anonymous", "staff_own", "staff_other", "coordinator_own", "coordinator_other", "admin",
            "viewer")


@dataclass
class Scene:
    """What the URLs point at: pilots of district A owned by ``staff_own``, a partner, a theme..."""

    world: factories.World
    draft: object
    submitted: object
    approved: object
    running: object
    partner: object
    other_partner: object
    theme: object
    token: str
    public_file: object = None  # attachments (tracker/files) of the running pilot...
    internal_file: object = None
    deleted_file: object = None
    draft_file: object = None  # ...and of the draft
    api_token: object = None  # staff_own's personal access token (tracker/api)
    network_source: object = None  # a followed district of another installation (tracker/register)
    progress: object = None  # the running pilot's progress report
    change: object = None  # the approved pilot's open change request (tracker/changes), by its owner
    import_token: str = ""  # a sheet the admin uploaded for import (tracker/imports)

    @classmethod
    def build(cls) -> Scene:
        world = factories.World.build()
        a, owner = world.district_a, world.staff_a
        partner = factories.make_partner("Matrix Partner AS")
        scene = cls(
            world=world,
            draft=factories.make_pilot(owner, a, Status.DRAFT),
            submitted=factories.make_pilot(owner, a, Status.SUBMITTED),
            approved=factories.make_pilot(owner, a, Status.APPROVED, is_public=True),
            running=factories.make_pilot(owner, a, Status.RUNNING, is_public=True),
            partner=partner,
            other_partner=factories.make_partner("Other Partner AS"),
            theme=factories.make_theme(),
            token=people.issue_password_link(world.staff_b, world.admin, 24),
        )
        factories.link_partner(scene.running, partner)
        scene.public_file = factories.attach(scene.running, owner, "Public report", public=True)
        scene.internal_file = factories.attach(scene.running, owner, "Internal notes")
        scene.deleted_file = factories.attach(scene.running, owner, "Deleted notes", deleted=True)
        scene.draft_file = factories.attach(scene.draft, owner, "Draft application")
        scene.api_token, _secret = api_tokens.create(owner, "Matrix", "read_write", date(2100, 1, 1))
        scene.draft.themes.append(scene.theme)  # complete: it may be submitted
        scene.progress = factories.report_progress(scene.running, owner)  # a report and a KPI trend
        scene.network_source = factories.follow("https://testarena.example.se/districts/kista",
                                                "Stockholm – Kista")
        scene.change = ChangeRequest(pilot_id=scene.approved.id, requested_by_id=owner.id,
                                     proposed={"goals": "Twice the goals."})
        db.session.add(scene.change)
        scene.import_token = _import_upload(world)
        from tracker.search.index import reindex

        reindex()  # built by factories, not operations: the search pages then find the scene
        db.session.commit()
        return scene

    def persona(self, name: str):
        w = self.world
        return {"anonymous": None, "staff_own": w.staff_a, "staff_other": w.staff_b,
                "coordinator_own": w.coordinator_a, "coordinator_other": w.coordinator_b,
                "admin": w.admin, "viewer": w.viewer}[name]


def _import_upload(world) -> str:
    from tests.imports_samples import xlsx
    from tracker.imports import uploads

    rows = [["ID", "Tittel", "Bydel", "Budsjett 2026"], ["M-1", "Matrix import", world.district_a.slug, 1000],
            ["M-2", "Nowhere", "Atlantis", "1,5 mill."]]
    return uploads.save(xlsx(rows), "matrix.xlsx", world.admin.id, None)


@pytest.fixture(scope="module")
def shared_app(_schema):
    """One app for the whole matrix: its compiled templates are reused by hundreds of cases."""
    app = make_app(_schema)
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def matrix_app(shared_app):
    """The shared app, emptied after every case (as the suite's own ``app`` fixture does)."""
    with shared_app.app_context():
        yield shared_app
        wipe()


def snapshot() -> str:
    """A digest of every row of every table: equal digests mean nothing changed.

    PostgreSQL hashes all rows server-side in one query (a round trip per table would dominate
    the run time); SQLite, in-process, reads the tables one by one.
    """
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":  # table names from our own metadata, not input
        rows = " UNION ALL ".join(f"SELECT '{t.name}' || t::text AS r FROM \"{t.name}\" t" for t in tables)  # noqa: S608
        digest = f"SELECT md5(string_agg(r, '|' ORDER BY r)) FROM ({rows}) AS a"  # noqa: S608
        return db.session.scalar(sa.text(digest))
    digest = hashlib.sha256()
    for table in tables:
        order = list(table.primary_key.columns) or list(table.columns)
        for row in db.session.execute(sa.select(table).order_by(*order)):
            digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


def wipe() -> None:
    """Empty every table with DELETE: for a few rows far faster than TRUNCATE on PostgreSQL."""
    db.session.remove()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    db.session.remove()


def rebuild() -> Scene:
    """Empty every table and build a fresh scene."""
    wipe()
    return Scene.build()


def routes() -> dict[str, set[str]]:
    """Endpoint -> accepted methods, from the URL map of a freshly built app."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "RATELIMIT_ENABLED": False})
    rules: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in SKIPPED:
            rules.setdefault(rule.endpoint, set()).update(rule.methods & {"GET", "POST"})
    return rules


def visits(app, scene: Scene, cases):
    """``(case, user, client, url)`` for each case as admin, staff and anonymous, each with its own
    signed-in client (the sample of personas the hostile-input and CSRF tests walk)."""
    from tests.conftest import login_as

    for case in cases:
        for user in (scene.world.admin, scene.world.staff_a, None):
            client = app.test_client()
            if user is not None:
                login_as(client, user)
            with app.test_request_context():
                url = app.url_for(case.endpoint, **case.args(scene))
            yield case, user, client, url
