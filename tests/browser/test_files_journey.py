"""Documents on a pilot in a real browser, in nb and en: a returned proposal gets its consent form,
the coordinator opens it and approves; an anonymous visitor sees only the public report."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow
from tests.browser.test_pilots_journey import TEXT, act, as_user, decide, sign_out
from tracker.db import db
from tracker.pilots.models import StatusEvent
from tracker.pilots.workflow import Status

CONSENT = b"%PDF-1.4\n% samtykkeskjema\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
FILES = {
    "nb": {"attach": "Legg ved filer", "submit": "Legg ved", "agreement": "Avtale", "download": "Last ned"},
    "en": {"attach": "Attach files", "submit": "Attach", "agreement": "Agreement", "download": "Download"},
}


@pytest.fixture
def returned(world):
    """A proposal the coordinator sent back asking for the consent form."""
    owner, coordinator = world.staff_a, world.coordinator_a
    pilot = factories.make_pilot(owner, world.district_a, Status.DRAFT, title="Samtykke i bydelen")
    pilot.themes.append(factories.make_theme())
    db.session.add(StatusEvent(pilot=pilot, action="return", from_status=Status.SUBMITTED,
                               to_status=Status.DRAFT, actor=coordinator, comment="Attach the consent form."))
    db.session.commit()
    return pilot


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_owner_attaches_the_consent_form_and_the_coordinator_opens_it_and_approves(page, world, returned,
                                                                                   lang):
    t, f = TEXT[lang], FILES[lang]
    pilot_url = f"/pilots/{returned.id}"
    as_user(page, world.staff_a, lang)
    page.goto(pilot_url)
    follow(page.get_by_role("link", name=f["attach"]))
    check_accessibility(page, "attach form")
    # Nothing chosen: the form says what is missing.
    follow(page.get_by_role("button", name=f["submit"], exact=True))
    expect(page.locator("#error-summary")).to_be_visible()
    check_accessibility(page, "attach form with errors")
    page.locator("#files").set_input_files([
        {"name": "samtykke.pdf", "mimeType": "application/pdf", "buffer": CONSENT}])
    page.locator("#title").fill("Samtykkeskjema")
    page.locator("#kind").select_option(label=f["agreement"])
    follow(page.get_by_role("button", name=f["submit"], exact=True))
    expect(page.locator("#attachments")).to_contain_text("Samtykkeskjema")
    check_accessibility(page, "pilot page with an attachment")
    act(page, t, "submit")
    sign_out(page, t)

    as_user(page, world.coordinator_a, lang)
    page.goto(pilot_url)
    with page.expect_download() as download:
        page.locator("#attachments").get_by_role("link", name=f"{f['download']} Samtykkeskjema").click()
    assert Path(download.value.path()).read_bytes() == CONSENT
    assert download.value.suggested_filename == "samtykke.pdf"
    decide(page, t, "approve")
    expect(page.locator(".pilot-meta")).to_contain_text({"nb": "Godkjent", "en": "Approved"}[lang])


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_an_anonymous_visitor_sees_only_the_public_report(page, world, lang):
    owner = world.staff_a
    pilot = factories.make_pilot(owner, world.district_a, Status.RUNNING, title="Bysykkel", is_public=True)
    factories.attach(pilot, owner, "Sluttrapport", public=True)
    factories.attach(pilot, owner, "Databehandleravtale")
    db.session.commit()
    if lang == "en":
        page.context.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(f"/pilots/{pilot.id}")
    section = page.locator("#attachments")
    expect(section).to_contain_text("Sluttrapport")
    expect(section).not_to_contain_text("Databehandleravtale")
    check_accessibility(page, "public pilot page with a public report")
