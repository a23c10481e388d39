"""Nothing shows where it does not belong: drafts, internal pilots and internal fields, on every
page and export of the app (the GET pages of the authorisation matrix), for every persona."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests import factories
from tests.authz import scene as authz
from tests.authz.matrix import MATRIX
from tests.authz.scene import PERSONAS, Scene, routes
from tests.conftest import login_as
from tracker.db import db
from tracker.pilots.models import StatusEvent
from tracker.pilots.workflow import Status

RULES = routes()
PAGES = [c for c in MATRIX if "GET" in RULES.get(c.endpoint, ()) and c.get]
DRAFT = "Draft-only-title-7f3a"  # owner, district A's coordinator, admin, innovation office
SUBMITTED = "Internal-submitted-title-52c1"  # any signed-in user, never the public
BUDGET = "Budget-line-source-9e0d"  # funding of the public pilot: signed-in users only
CONTACT = "contact.person.4b2e@example.org"  # contact of the public pilot: signed-in users only
COMMENT = "Status-comment-c81f"  # workflow comment: signed-in users only

MAY_SEE = {
    DRAFT: {"staff_own", "coordinator_own", "admin", "viewer"},
    SUBMITTED: set(PERSONAS) - {"anonymous"},
    BUDGET: set(PERSONAS) - {"anonymous"},
    CONTACT: set(PERSONAS) - {"anonymous"},
    COMMENT: set(PERSONAS) - {"anonymous"},
}

shared_app, matrix_app = authz.shared_app, authz.matrix_app  # the fixtures, visible to pytest here


@pytest.fixture
def app(matrix_app):
    return matrix_app


def _plant(scene: Scene) -> None:
    scene.draft.title = DRAFT
    scene.submitted.title = SUBMITTED
    factories.add_funding(scene.running, 2026, 250_000, source=BUDGET)
    scene.running.contact_email = CONTACT
    scene.running.events.append(StatusEvent(from_status=Status.APPROVED, to_status=Status.RUNNING,
                                            actor=scene.world.staff_a, comment=COMMENT, action="start"))
    db.session.commit()


def _text(response) -> str:
    if response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return "\n".join(str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_page_or_export_shows_what_the_persona_may_not_see(app, persona):
    scene = Scene.build()
    _plant(scene)
    client = app.test_client()
    if scene.persona(persona) is not None:
        login_as(client, scene.persona(persona))
    leaks, seen = [], set()
    for case in PAGES:
        urls = []
        with app.test_request_context():
            url = app.url_for(case.endpoint, **case.args(scene))
            urls.append(url)
            if "fmt" in case.args(scene):  # every export format
                urls.append(app.url_for(case.endpoint, **{**case.args(scene), "fmt": "xlsx"}))
        for url in urls:
            response = client.get(url)
            text = _text(response)
            response.close()
            for secret, allowed in MAY_SEE.items():
                if secret in text:
                    seen.add(secret)
                    if persona not in allowed:
                        leaks.append(f"{secret} on {url}")
    assert not leaks, f"{persona} sees what they may not:\n  " + "\n  ".join(leaks)
    # And what they may see is really shown somewhere (the pages work, the check is not vacuous).
    assert seen == {s for s, allowed in MAY_SEE.items() if persona in allowed}


# --- the public register (tracker/register): every non-public field and status, every output --------

def _register_urls(app, pilots, district) -> list[str]:
    """Every page and file of the register: list, each pilot's page, CSV, JSON, feeds, sitemap..."""
    with app.test_request_context():
        fixed = ["register.index", "register.data", "register.pilots_csv", "register.pilots_json",
                 "register.catalog_jsonld", "register.feed", "register.sitemap", "register.robots",
                 "register.network"]
        return ([app.url_for(e) for e in fixed]
                + [app.url_for("register.district_feed", slug=district.slug),
                   app.url_for("register.index", district=district.slug, status="running"),
                   app.url_for("register.pilots_json", district=district.slug)]
                + [app.url_for("register.show", pilot_id=p.id) for p in pilots])


@pytest.mark.parametrize("persona", ["anonymous", "admin"])
def test_the_register_shows_no_internal_field_and_no_pilot_outside_it(app, persona):
    """The register is the same for everyone: signed in or not, only public pilots, public fields."""
    from tracker.files.operations import delete
    from tracker.pilots.audit_fields import FIELDS
    from tracker.pilots.models import Outcome

    scene = Scene.build()
    world, owner = scene.world, scene.world.staff_a
    owner.name = "Owner-name-3d1a"
    public = scene.running
    secrets = {}
    for f in FIELDS:  # every content column the registry marks as not public
        if not f.public and not f.relation:
            value = f"{f.name}-secret-{f.attr[:4]}-77e2"
            setattr(public, f.attr, value if f.name != "contact_email" else f"{value}@example.org")
            secrets[getattr(public, f.attr)] = f.name
    factories.add_funding(public, 2026, 123_457, source="Funding-source-0b7c")  # district does not publish
    secrets["Funding-source-0b7c"] = "funding"
    secrets["123457"] = "funding amount"
    public.events.append(StatusEvent(from_status=Status.APPROVED, to_status=Status.PAUSED, action="pause",
                                     actor=owner, comment="Pause-comment-51aa"))
    secrets["Pause-comment-51aa"] = "status comment"
    secrets["Owner-name-3d1a"] = "owner"
    secrets["Internal notes"] = "internal attachment"
    delete(scene.public_file, owner)  # a deleted public file is gone from the register
    secrets["Public report"] = "deleted public attachment"
    hidden = {status: factories.make_pilot(owner, world.district_a, status, is_public=True,
                                           title=f"Hidden-{status}-c3d9")
              for status in (Status.DRAFT, Status.SUBMITTED, Status.REJECTED, Status.WITHDRAWN)}
    hidden["not public"] = factories.make_pilot(owner, world.district_a, Status.RUNNING, is_public=False,
                                                title="Hidden-not-public-c3d9")
    secrets.update({p.title: f"{k} pilot" for k, p in hidden.items()})
    completed = factories.make_pilot(owner, world.district_a, Status.COMPLETED, is_public=True,
                                     title="Completed-public-e1f0")
    completed.outcome = Outcome(verdict="stop", lessons="Lessons-before-evaluation-9a9a", summary="",
                                next_steps="")
    secrets["Lessons-before-evaluation-9a9a"] = "outcome before evaluation"
    db.session.commit()

    client = app.test_client()
    if persona == "admin":
        login_as(client, world.admin)
    leaks, shown = [], set()
    for url in _register_urls(app, [public, completed, scene.approved, *hidden.values()], world.district_a):
        response = client.get(url)
        text = response.get_data(as_text=True)
        shown.update(t for t in (public.title, completed.title) if t in text)
        leaks += [f"{what} ({secret}) on {url}" for secret, what in secrets.items() if secret in text]
        if any(url.endswith(f"/register/{p.id}") for p in hidden.values()):
            assert response.status_code == 404, url  # (its error page repeats the address asked for)
            continue
        for p in hidden.values():  # nor their ids in any address
            if any(f"/register/{p.id}{end}" in text for end in ('"', "<", ",")):
                leaks.append(f"the address of the {p.status} pilot on {url}")
    assert not leaks, "the register shows what is not public:\n  " + "\n  ".join(leaks)
    assert shown == {public.title, completed.title}  # the pages work: the check is not vacuous
