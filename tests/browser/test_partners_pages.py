"""Journeys through the partner directory in real Chromium, with axe-core on every page and error state."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.auth.models import Role
from tracker.db import db
from tracker.partners.models import Partner
from tracker.partners.names import name_key
from tracker.pilots.workflow import Status


def partner(name: str, **values) -> Partner:
    return factories.make_partner(name, name_key=name_key(name), **values)


def test_staff_finds_creates_and_edits_partners(page):
    staff = factories.make_user(Role.STAFF, email="kari@example.org", name="Kari Nordmann")
    district = factories.make_district("oslo-science-city", "Oslo Science City")
    uio = partner("Universitetet i Oslo", kind="university", org_number="971035854",
                  website="https://www.uio.no")
    partner("Sensorbyen Eksempel AS", kind="startup")
    pilot = factories.make_pilot(staff, district, Status.RUNNING, title="Smarte målere")
    factories.link_partner(pilot, uio, "lead")
    db.session.commit()
    sign_in(page, "kari@example.org", factories.PASSWORD)

    page.goto("/partners/")
    expect(page.get_by_role("heading", name="Partnere", level=1)).to_be_visible()
    check_accessibility(page, "partner directory")
    page.get_by_label("Navn eller organisasjonsnummer").fill("971 035")
    follow(page.get_by_role("button", name="Søk"))
    expect(page.get_by_text("Partnere funnet: 1")).to_be_visible()
    page.get_by_label("Med piloter i").select_option("oslo-science-city")
    follow(page.get_by_role("button", name="Søk"))
    follow(page.get_by_role("link", name="Universitetet i Oslo"))
    expect(page.get_by_role("cell", name="Hovedansvarlig")).to_be_visible()
    expect(page.get_by_role("link", name="Smarte målere")).to_be_visible()
    check_accessibility(page, "partner page")

    # A new partner: errors first, then a close name that needs "create anyway".
    page.goto("/partners/new")
    check_accessibility(page, "new partner form")
    page.get_by_label("Organisasjonsnummer").fill("974 760 674")
    page.get_by_label("Nettsted").fill("javascript:alert(1)")
    follow(page.get_by_role("button", name="Opprett partner"))
    summary = page.locator("#error-summary")
    expect(summary.get_by_role("link", name="Navn: Skriv navnet på virksomheten.")).to_be_visible()
    expect(summary.get_by_text("kontrollsifferet stemmer ikke")).to_be_visible()
    expect(summary.get_by_text("Skriv en nettadresse som begynner med https://")).to_be_visible()
    check_accessibility(page, "new partner form with errors")

    page.get_by_label("Navn", exact=True).fill("Sensorbyen eksempel")
    page.get_by_label("Type virksomhet").select_option("startup")
    page.get_by_label("Organisasjonsnummer").fill("971035854")
    page.get_by_label("Nettsted").fill("")
    follow(page.get_by_role("button", name="Opprett partner"))
    expect(page.get_by_text("Universitetet i Oslo er allerede registrert").first).to_be_visible()
    expect(page.get_by_role("link", name="Åpne Universitetet i Oslo")).to_be_visible()
    check_accessibility(page, "new partner form with a registered number")
    page.get_by_label("Organisasjonsnummer").fill("974 760 673")
    page.get_by_label("Nettsted").fill("sensorbyen.example")
    follow(page.get_by_role("button", name="Opprett partner"))
    expect(page.get_by_role("heading", name="Lignende partnere er allerede registrert")).to_be_visible()
    expect(page.get_by_role("link", name="Sensorbyen Eksempel AS")).to_be_visible()
    check_accessibility(page, "new partner form with close names")
    page.get_by_label("Opprett likevel").check()
    follow(page.get_by_role("button", name="Opprett partner"))
    expect(page.get_by_role("heading", name="Sensorbyen eksempel", level=1)).to_be_visible()
    expect(page.get_by_text("974 760 673")).to_be_visible()
    expect(page.get_by_role("link", name="https://sensorbyen.example")).to_be_visible()

    # Edit, with an error on the way; the history shows what changed.
    follow(page.get_by_role("link", name="Rediger"))
    check_accessibility(page, "edit partner form")
    page.get_by_label("Kontaktens e-post").fill("ikke en adresse")
    follow(page.get_by_role("button", name="Lagre endringene"))
    check_accessibility(page, "edit partner form with errors")
    page.get_by_label("Kontaktens e-post").fill("post@sensorbyen.example")
    follow(page.get_by_role("button", name="Lagre endringene"))
    expect(page.get_by_text("Partneren er lagret.")).to_be_visible()
    expect(page.get_by_text("Endret: Kontaktens e-post")).to_be_visible()


def test_a_stale_edit_shows_the_other_change_and_keeps_the_input(page):
    factories.make_user(Role.STAFF, email="kari@example.org", name="Kari Nordmann")
    other = factories.make_user(Role.STAFF, name="Ola Nordmann")
    p = partner("SINTEF", kind="research_institute")
    db.session.commit()
    sign_in(page, "kari@example.org", factories.PASSWORD)
    page.goto(f"/partners/{p.id}/edit")
    page.get_by_label("Beskrivelse").fill("Forskningsinstitutt i Trondheim og Oslo.")

    from tracker.partners import operations

    operations.update_partner(other, p, {"website": "https://www.sintef.no", "name": "SINTEF"}, p.version)
    db.session.commit()

    follow(page.get_by_role("button", name="Lagre endringene"))
    heading = page.get_by_role("heading", name="Noen andre endret denne partneren mens du redigerte")
    expect(heading).to_be_visible()
    expect(page.get_by_role("cell", name="https://www.sintef.no")).to_be_visible()
    expect(page.get_by_label("Beskrivelse")).to_have_value("Forskningsinstitutt i Trondheim og Oslo.")
    check_accessibility(page, "edit partner conflict")
    follow(page.get_by_role("button", name="Lagre endringene"))
    expect(page.get_by_text("Partneren er lagret.")).to_be_visible()


def test_admin_merges_a_duplicate_and_deletes_an_unused_partner(page):
    factories.make_user(Role.ADMIN, email="admin@example.org", name="Admin")
    staff = factories.make_user(Role.STAFF)
    district = factories.make_district()
    partner("SINTEF", kind="research_institute")
    dup = partner("Sintef AS", kind="research_institute")
    unused = partner("Ubrukt AS")
    pilot = factories.make_pilot(staff, district, Status.RUNNING)
    factories.link_partner(pilot, dup, "evaluator")
    db.session.commit()
    sign_in(page, "admin@example.org", factories.PASSWORD)

    page.goto(f"/partners/{dup.id}")
    follow(page.get_by_role("link", name="Slå sammen med en annen partner"))
    check_accessibility(page, "merge form")
    follow(page.get_by_role("button", name="Slå sammen og slett Sintef AS"))
    expect(page.locator("#error-summary")).to_be_visible()
    check_accessibility(page, "merge form with errors")
    page.get_by_label("Slå sammen med").select_option(label="SINTEF")
    follow(page.get_by_role("button", name="Slå sammen og slett Sintef AS"))
    expect(page.get_by_text("Sintef AS er slått sammen med SINTEF: 1 pilotkoblinger flyttet")).to_be_visible()
    expect(page.get_by_role("cell", name="Evaluerer")).to_be_visible()

    page.goto(f"/partners/{unused.id}")
    follow(page.get_by_role("button", name="Slett"))
    expect(page.get_by_text("Partneren Ubrukt AS er slettet.")).to_be_visible()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Partner)) == 1
