"""Every change to a pilot goes through ``tracker/pilots/operations.py``, so it leaves a pilot audit entry.

The POST routes come from the app's URL map; each is declared here either as pilot-changing (with
a request that changes a pilot) or as changing no pilot, so a new POST route fails
``test_every_post_route_is_classified`` until someone decides which it is. Each pilot-changing
route must write an audit entry on the pilot it changed (and move its version on); each other
route, posted as an administrator with the authorisation matrix's data, must leave every pilot
row as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tests import factories
from tests.authz.matrix import MATRIX
from tests.authz.scene import Scene, routes
from tests.test_pilots_form import form_data
from tests.test_pilots_pages import outcome_data
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.pilots.models import Pilot


@dataclass
class PilotChange:
    """A request to a pilot-changing route: who posts where what, and which pilot it changes
    (None: the route creates one)."""

    user: str
    url: Callable[[Scene], str]
    data: Callable[[Scene], dict]
    pilot: Callable[[Scene], object] = lambda s: None


def _form(s: Scene, **overrides) -> dict:
    return form_data(s.world, [s.theme], [s.partner, s.other_partner], **overrides)


PILOT_CHANGING = {
    "pilots.new": PilotChange("staff_a", lambda s: "/pilots/new", _form),
    "pilots.edit": PilotChange("staff_a", lambda s: f"/pilots/{s.draft.id}/edit",
                               lambda s: _form(s, version=str(s.draft.version)), lambda s: s.draft),
    "pilots.act": PilotChange("staff_a", lambda s: f"/pilots/{s.approved.id}/actions/start",
                              lambda s: {"version": s.approved.version}, lambda s: s.approved),
    "pilots.decide": PilotChange("coordinator_a", lambda s: f"/pilots/{s.submitted.id}/decision",
                                 lambda s: {"version": s.submitted.version, "decision-choice": "approve",
                                            "decision-comment": ""}, lambda s: s.submitted),
    "changes.decide": PilotChange("coordinator_a", lambda s: f"/changes/{s.change.id}/decision",
                                  lambda s: {"version": s.approved.version, "change-choice": "accept",
                                             "change-comment": ""}, lambda s: s.approved),
    "pilots.outcome": PilotChange("staff_a", lambda s: f"/pilots/{s.running.id}/outcome",
                                  lambda s: outcome_data(s.running), lambda s: s.running),
    "pilots.progress_report": PilotChange(
        "staff_a", lambda s: f"/pilots/{s.running.id}/progress",
        lambda s: {"version": s.running.version, "report_date": "2026-01-15", "state": "at_risk",
                   "happened": "Forsinket."}, lambda s: s.running),
    "pilots.progress_edit": PilotChange(
        "staff_a", lambda s: f"/pilots/{s.running.id}/progress/{s.progress.id}",
        lambda s: {"version": s.running.version, "report_date": "2026-01-15", "state": "off_track",
                   "happened": "Rettet."}, lambda s: s.running),
    "partners.merge": PilotChange("admin", lambda s: f"/partners/{s.partner.id}/merge",
                                  lambda s: {"survivor": s.other_partner.id}, lambda s: s.running),
    "admin.user_handover": PilotChange("admin", lambda s: f"/admin/users/{s.world.staff_a.id}/handover",
                                       lambda s: {"to_user": s.world.staff_b.id}, lambda s: s.draft),
}

CHANGING_NO_PILOT = {
    "auth.login", "auth.logout", "home.language",
    "partners.new", "partners.edit", "partners.delete",  # a partner's own record; pilots link to it by id
    "account.name", "account.password", "account.set_password", "account.set_password_form",
    "admin.user_new", "admin.user", "admin.user_deactivate", "admin.user_reactivate", "admin.user_link",
    "admin.district_new", "admin.district", "admin.district_retire", "admin.district_reinstate",
    "admin.theme_new", "admin.theme", "admin.theme_retire", "admin.theme_reinstate",
    # Attachments are the pilot's but not its versioned content (an open edit form stays valid);
    # each still writes a pilot audit entry (tests/test_files_routes.py).
    "files.new", "files.new_link", "files.replace", "files.delete", "files.restore",
    # Comments are audited on the pilot (tests/test_notifications_pages.py) but change no pilot row;
    # follows, read marks and settings are the user's own.
    "notifications.read", "notifications.read_all", "notifications.settings", "notifications.follow",
    "notifications.comment",
    "account.token_new", "account.token_revoke",  # personal access tokens (tracker/api)
    # The JSON API changes pilots only with a token, through the operations the web routes use;
    # its audit entries (naming the token) are tested in tests/test_api_writes.py.
    "api.pilots", "api.act",
    # Other installations' districts and their read-only copies: never our own pilots.
    "register.sources", "register.unfollow",
    # The upload and the dry run change nothing; the import itself (imports.review with "confirm")
    # creates and updates pilots through pilots.operations.import_pilot (tests/test_imports.py).
    "imports.index", "imports.review",
}

PILOT_TABLES = ("pilots", "pilot_themes", "pilot_partners", "funding_lines", "outcomes", "outcome_kpis",
                "status_events", "planned_kpis", "progress_reports", "progress_values")


def test_every_post_route_is_classified():
    posts = {endpoint for endpoint, methods in routes().items() if "POST" in methods}
    unclassified = sorted(posts - set(PILOT_CHANGING) - CHANGING_NO_PILOT)
    assert not unclassified, f"POST routes to declare as changing pilots or not: {unclassified}"
    stale = sorted((set(PILOT_CHANGING) | CHANGING_NO_PILOT) - posts)
    assert not stale, f"declared POST routes that no longer exist: {stale}"
    assert not set(PILOT_CHANGING) & CHANGING_NO_PILOT


def _pilot_entries() -> list[tuple[int, str]]:
    return list(db.session.execute(sa.select(AuditEntry.entity_id, AuditEntry.action)
                                   .where(AuditEntry.entity == "pilot").order_by(AuditEntry.id)))


@pytest.mark.parametrize("endpoint", sorted(PILOT_CHANGING))
def test_each_pilot_changing_route_writes_a_pilot_audit_entry(app, login, endpoint):
    change = PILOT_CHANGING[endpoint]
    scene = Scene.build()
    target = change.pilot(scene)
    version = target.version if target else None
    before = _pilot_entries()
    response = login(getattr(scene.world, change.user)).post(change.url(scene), data=change.data(scene))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    new = _pilot_entries()[len(before):]
    if target is None:
        created = db.session.scalars(sa.select(Pilot).order_by(Pilot.id.desc())).first()
        assert new == [(created.id, "create")]
    else:
        assert target.id in {pilot_id for pilot_id, _ in new}, new
        assert db.session.get(Pilot, target.id).version > version


def _pilot_rows() -> str:
    digest = hashlib.sha256()
    for name in PILOT_TABLES:
        table = db.metadata.tables[name]
        for row in db.session.execute(sa.select(table).order_by(*table.primary_key.columns)):
            digest.update(repr((name, tuple(row))).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("case", [c for c in MATRIX if c.endpoint in CHANGING_NO_PILOT and c.post],
                         ids=lambda c: c.id)
def test_the_other_post_routes_leave_every_pilot_as_it_was(app, login, case):
    scene = Scene.build()
    factories.add_funding(scene.running, 2026, 1000, source_type="partner", partner=scene.partner)
    db.session.commit()
    before = _pilot_rows()
    with app.test_request_context():
        url = app.url_for(case.endpoint, **case.args(scene))
    login(scene.world.admin).post(url, data=case.data(scene))
    db.session.expire_all()
    assert _pilot_rows() == before
