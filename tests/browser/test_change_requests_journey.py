"""After approval, the owner raises the funding: a change request a coordinator accepts (issue 15)."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow
from tests.browser.test_pilots_journey import as_user, sign_out
from tracker.auth.models import Role
from tracker.db import db
from tracker.pilots.workflow import Status

TEXT = {
    "nb": {"save": "Lagre endringene", "sign_out": "Logg ut", "accept": "Godta endringen",
           "decide": "Lagre avgjørelsen", "accepted": "Endringsønske godtatt",
           "waiting": "Endringsønske venter"},
    "en": {"save": "Save changes", "sign_out": "Sign out", "accept": "Accept the change",
           "decide": "Record the decision", "accepted": "Change request accepted",
           "waiting": "Change request waiting"},
}


@pytest.fixture
def approved(world):
    coordinator = factories.make_user(Role.COORDINATOR, [world.district_a], email="coord@example.org",
                                      name="Cora Coordinator")
    owner = factories.make_user(email="sam@example.org", name="Sam Staff")
    pilot = factories.make_pilot(owner, world.district_a, Status.APPROVED, title="Selvkjørende buss på Økern",
                                 planned_start=date(2026, 1, 1), planned_end=date(2026, 12, 31))
    factories.add_funding(pilot, 2026, 400_000)
    db.session.commit()
    return coordinator, owner, pilot


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_owner_raises_funding_and_a_coordinator_accepts(page, approved, lang):
    coordinator, owner, pilot = approved
    t = TEXT[lang]
    as_user(page, owner, lang)
    page.goto(f"/pilots/{pilot.id}/edit")
    expect(page.locator(".scope-note")).to_be_visible()  # the owner is told what waits for review
    check_accessibility(page, "edit form of an approved pilot")
    page.locator("#funding-0-amount").fill("900000")
    follow(page.locator(".form-actions").get_by_role("button", name=t["save"]))
    expect(page.locator("#change-title")).to_contain_text(t["waiting"])
    funding = page.locator(".funding-plan tfoot td").last
    expect(funding).to_contain_text("400")  # not applied yet
    sign_out(page, t)

    as_user(page, coordinator, lang)
    follow(page.locator("section:has(#change-queue-title) tbody a").first)
    diff = page.locator(".change-diff")
    expect(diff.locator("td.change-diff__old")).to_contain_text("400")
    expect(diff.locator("td.change-diff__new")).to_contain_text("900")
    check_accessibility(page, "pilot page with a change request")
    page.get_by_label(t["accept"]).check()
    follow(page.get_by_role("button", name=t["decide"]))
    expect(page.locator("#change-title")).to_have_count(0)
    expect(page.locator(".funding-plan tfoot td").last).to_contain_text("900")
    history = page.locator("table.audit tbody tr").first
    expect(history).to_contain_text(t["accepted"])
    expect(history).to_contain_text("Cora Coordinator")
    check_accessibility(page, "pilot page after the change is accepted")
