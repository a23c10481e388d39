"""The proposal form with the keyboard alone, and the quick add of a new partner from the form."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.db import db
from tracker.pilots.models import Pilot

PILOT_PAGE = re.compile(r".*/pilots/\d+$")


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def test_proposal_form_can_be_completed_with_the_keyboard_alone(page, world):
    theme = factories.make_theme(name_nb="Mobilitet")
    partner = factories.make_partner("Ruter AS")
    db.session.commit()
    sign_in(page, world.staff_a.email, factories.PASSWORD)
    page.wait_for_url("**/")
    page.goto("/pilots/new")

    type_into(page, "#title", "Keyboard pilot")
    tab_to(page, "#district")
    page.keyboard.type("District A")
    expect(page.locator("#district")).to_have_value(str(world.district_a.id))
    tab_to(page, f"#themes-{theme.id}")
    page.keyboard.press("Space")
    type_into(page, "#need", "A need.")
    type_into(page, "#description", "What we test.")
    type_into(page, "#goals", "Goals.")
    # Chromium's date input orders day and month by its own locale: find out from the first one.
    tab_to(page, "#planned_start")
    page.keyboard.type("01032026")
    start = page.locator("#planned_start").input_value()
    assert start in ("2026-03-01", "2026-01-03")
    tab_to(page, "#planned_end")
    page.keyboard.type("30112026" if start == "2026-03-01" else "11302026")
    expect(page.locator("#planned_end")).to_have_value("2026-11-30")
    type_into(page, "#agency", "Bymiljøetaten")
    tab_to(page, "#partners-0-partner")
    page.keyboard.type("Ruter")
    expect(page.locator("#partners-0-partner")).to_have_value(str(partner.id))
    # Adding a funding row re-renders the form; focus starts from the top again.
    tab_to(page, "button[name=add_funding_row]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#funding-1-year")
    type_into(page, "#funding-1-year", "2026")
    type_into(page, "#funding-1-amount", "75000")
    tab_to(page, ".form-actions button[name=save]")
    page.keyboard.press("Enter")
    page.wait_for_url(PILOT_PAGE)

    pilot = db.session.scalars(sa.select(Pilot)).one()
    assert (pilot.title, pilot.district_id, [t.id for t in pilot.themes]) == (
        "Keyboard pilot", world.district_a.id, [theme.id])
    assert (pilot.planned_start.isoformat(), pilot.planned_end.isoformat()) == (start, "2026-11-30")
    assert [(link.partner_id, link.role) for link in pilot.partner_links] == [(partner.id, "participant")]
    assert [(line.year, line.amount) for line in pilot.funding] == [(2026, 75000)]
    check_accessibility(page, "pilot page after keyboard entry")


def start_proposal(page, world, title: str) -> None:
    """Signed in as staff, on a new proposal with its title and district filled in."""
    sign_in(page, world.staff_a.email, factories.PASSWORD)
    page.wait_for_url("**/")
    page.goto("/pilots/new")
    page.locator("#title").fill(title)
    page.locator("#district").select_option(str(world.district_a.id))


def test_save_draft_and_add_a_new_partner_comes_back_with_it_selected_and_its_role_to_choose(page, world):
    start_proposal(page, world, "Needs a new partner")
    page.locator("#need").fill("Typed before leaving the form.")
    follow(page.get_by_role("button", name="Lagre utkast og legg til en ny partner"))
    page.wait_for_url("**/partners/new?next=*")
    page.locator("#name").fill("Helt Ny Partner AS")
    page.locator("#kind").select_option("startup")
    follow(page.get_by_role("button", name="Opprett partner"))
    page.wait_for_url("**/pilots/*/edit?partner_id=*")
    partner_select = page.locator("#partners-0-partner")
    assert partner_select.locator("option:checked").inner_text() == "Helt Ny Partner AS"
    role = page.locator("#partners-0-role")
    expect(role).to_be_focused()  # the one choice left to make: no role is preselected for the user
    expect(role).to_have_value("")
    expect(page.locator("#need")).to_have_value("Typed before leaving the form.")  # nothing lost
    check_accessibility(page, "edit form with the new partner")
    page.keyboard.type("Hovedansvarlig")  # the focused role select, by keyboard
    expect(role).to_have_value("lead")
    follow(page.locator(".form-actions").get_by_role("button", name="Lagre utkast"))
    page.wait_for_url(PILOT_PAGE)
    pilot = db.session.scalars(sa.select(Pilot)).one()
    assert [(link.partner.name, link.role) for link in pilot.partner_links] == [
        ("Helt Ny Partner AS", "lead")]


def test_submitting_shows_every_problem_in_one_error_summary(page, world):
    start_proposal(page, world, "Half a proposal")
    page.locator("#contact_email").fill("not-an-address")
    follow(page.get_by_role("button", name="Lagre og send til vurdering"))
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    # The format error and the fields still needed to submit, together, in form order.
    assert hrefs == ["#themes", "#need", "#description", "#goals", "#planned_start", "#planned_end",
                     "#agency", "#contact_email"]  # the contact name starts as the user's own
    check_accessibility(page, "proposal form with every problem listed")
    summary.get_by_role("link", name=re.compile("Behov")).click()
    expect(page.locator("#need")).to_be_focused()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == 0


def test_conflicting_edit_keeps_input_and_shows_the_other_change(page, world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, title="Original title")
    db.session.commit()
    sign_in(page, world.staff_a.email, factories.PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/pilots/{pilot.id}/edit")
    page.locator("#title").fill("My new title")
    # Meanwhile the coordinator renames it (a committed change with a new version).
    pilot.title, pilot.version = "Coordinator's title", pilot.version + 1
    db.session.commit()
    follow(page.locator(".form-actions").get_by_role("button", name="Lagre utkast"))
    expect(page.get_by_role("heading", name="Noen andre endret piloten mens du redigerte")).to_be_visible()
    expect(page.locator("#title")).to_have_value("My new title")
    expect(page.locator(".conflict").get_by_text("Coordinator's title")).to_be_visible()
    check_accessibility(page, "edit conflict")
