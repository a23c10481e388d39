"""The public register and the pilot list in a real browser, with axe-core."""

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.db import db
from tracker.pilots.workflow import Status


def test_public_register_and_public_pilot_page_are_accessible_and_hide_internal_fields(page, world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING, is_public=True,
                                 title="Open pilot", contact_phone="+47 99 99 99 99")
    factories.add_funding(pilot, 2026, 777000)
    factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING, title="Internal pilot")
    db.session.commit()
    page.goto("/pilots/")
    expect(page.get_by_role("link", name="Open pilot")).to_be_visible()
    expect(page.get_by_role("link", name="Internal pilot")).to_have_count(0)
    check_accessibility(page, "public register")
    follow(page.get_by_role("link", name="Open pilot"))
    body = page.locator("main").inner_text()
    assert "Open pilot" in body and "+47 99 99 99 99" not in body and "777" not in body
    check_accessibility(page, "public pilot page")


def test_filtered_list_is_accessible_for_signed_in_users(page, world):
    theme = factories.make_theme(name_nb="Mobilitet")
    for i in range(3):
        pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING,
                                     title=f"Pilot {i}")
        pilot.themes = [theme]
    db.session.commit()
    sign_in(page, world.staff_b.email, factories.PASSWORD)
    page.wait_for_url("**/")
    page.goto("/pilots/")
    page.locator("#f-theme").select_option(str(theme.id))
    page.locator("#f-status").select_option("running")
    follow(page.get_by_role("button", name="Filtrer"))
    page.wait_for_url("**/pilots/?*")
    assert f"theme={theme.id}" in page.url and "status=running" in page.url
    expect(page.locator("tbody tr")).to_have_count(3)
    check_accessibility(page, "filtered pilot list")
