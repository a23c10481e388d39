"""Journey: an admin brings in a coordinator for Hovinbyen; the newcomer sets a password with the
one-time link, signs in and finds Hovinbyen's proposal waiting for review. axe-core runs on every
administration and account page, with and without form errors."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import TIMEOUT_MS, check_accessibility, follow, sign_in
from tracker.auth.models import Role
from tracker.db import db

NEW_PASSWORD = "sju blanke ekorn i vinterskogen"


def test_admin_creates_a_coordinator_who_sets_a_password_and_reviews(page, browser, live_server):
    district = factories.make_district("hovinbyen", "Hovinbyen Sirkulære Oslo")
    factories.make_district("oslo-science-city", "Oslo Science City")
    owner = factories.make_user(Role.STAFF, name="Ola Eier")
    factories.make_pilot(owner, district, status="submitted", title="Ombruk av betong fra riving")
    factories.make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
    db.session.commit()

    sign_in(page, "admin@example.org", factories.PASSWORD)
    page.wait_for_url("**/")
    follow(page.get_by_role("link", name="Administrasjon"))
    page.wait_for_url("**/admin/users")
    check_accessibility(page, "people list")

    follow(page.get_by_role("link", name="Legg til en person"))
    check_accessibility(page, "add person")
    follow(page.get_by_role("button", name="Legg til person"))
    expect(page.get_by_role("heading", name="Det er noe som må rettes")).to_be_visible()
    check_accessibility(page, "add person with errors")

    page.get_by_label("Navn", exact=True).fill("Kari Koordinator")
    page.get_by_label("E-post", exact=True).fill("kari@oslo.kommune.no")
    # Districts only matter for coordinators: shown once that role is chosen.
    expect(page.get_by_label("Hovinbyen Sirkulære Oslo")).to_be_hidden()
    page.get_by_label("Rolle", exact=True).select_option("coordinator")
    page.get_by_label("Hovinbyen Sirkulære Oslo").check()
    follow(page.get_by_role("button", name="Legg til person"))
    expect(page.get_by_role("heading", name="Kari Koordinator", level=1)).to_be_visible()
    link = page.locator("#new-link").input_value()
    assert "/account/set-password/" in link
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Kopier lenken").click()
    expect(page.locator("#new-link-status")).to_have_text("Lenken er kopiert.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    check_accessibility(page, "person page with the new link")

    # The other administration pages, each checked by axe (with form errors where there is a form).
    for path, context in [("/admin/districts", "districts"), ("/admin/themes", "themes"),
                          ("/admin/audit", "audit trail"), (f"/admin/districts/{district.id}", "district"),
                          ("/account", "my account")]:
        page.goto(path)
        check_accessibility(page, context)
    page.goto("/admin/audit?date_from=2026-03-09&date_to=2026-03-01")
    check_accessibility(page, "audit trail with filter error")
    for path, button in [("/admin/districts/new", "Lagre"), ("/admin/themes/new", "Lagre")]:
        page.goto(path)
        check_accessibility(page, path)
        follow(page.get_by_role("button", name=button))
        expect(page.get_by_role("heading", name="Det er noe som må rettes")).to_be_visible()
        check_accessibility(page, path + " with errors")
    page.goto("/admin/themes/new")
    page.get_by_label("Navn på norsk").fill("Sirkulærøkonomi")
    page.get_by_label("Navn på engelsk").fill("Circular economy")
    follow(page.get_by_role("button", name="Lagre"))
    follow(page.get_by_role("link", name="Sirkulærøkonomi"))
    check_accessibility(page, "theme page")
    page.goto("/account")
    follow(page.get_by_role("button", name="Endre passord"))
    expect(page.get_by_role("heading", name="Det er noe som må rettes")).to_be_visible()
    check_accessibility(page, "my account with errors")

    # The newcomer, in a browser of their own.
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    newcomer = context.new_page()
    newcomer.set_default_timeout(TIMEOUT_MS)
    try:
        newcomer.goto(link)
        expect(newcomer.get_by_role("heading", name="Sett passordet ditt")).to_be_visible()
        check_accessibility(newcomer, "set password")
        newcomer.get_by_label("Nytt passord").fill("passord12345")
        newcomer.get_by_label("Gjenta det nye passordet").fill("passord12345")
        follow(newcomer.get_by_role("button", name="Sett passord"))
        expect(newcomer.get_by_text("for lett å gjette").first).to_be_visible()
        check_accessibility(newcomer, "set password with errors")
        newcomer.get_by_label("Nytt passord").fill(NEW_PASSWORD)
        newcomer.get_by_label("Gjenta det nye passordet").fill(NEW_PASSWORD)
        follow(newcomer.get_by_role("button", name="Sett passord"))
        newcomer.wait_for_url("**/login")
        sign_in(newcomer, "kari@oslo.kommune.no", NEW_PASSWORD)
        newcomer.wait_for_url("**/")
        heading = newcomer.get_by_role("heading", name="Venter på din vurdering")
        queue = newcomer.locator("section", has=heading)
        expect(queue.get_by_role("link", name="Ombruk av betong fra riving")).to_be_visible()
        # The link worked once only.
        newcomer.goto(link)
        expect(newcomer.get_by_role("heading", name="Lenken virker ikke")).to_be_visible()
        check_accessibility(newcomer, "used link")
    finally:
        context.close()
