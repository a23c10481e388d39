"""Journey: a demo-style user signs in, sees My work in Norwegian, switches to English, signs out."""

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.db import db


def test_sign_in_start_page_language_and_accessibility(page):
    factories.make_user(email="kari@example.org", name="Kari Nordmann")
    db.session.commit()

    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "nb"
    check_accessibility(page, "login page")

    # Wrong password first: an error, and the page stays accessible.
    sign_in(page, "kari@example.org", "not the password")
    expect(page.get_by_text("Feil e-post eller passord.")).to_be_visible()
    check_accessibility(page, "login page with error")

    sign_in(page, "kari@example.org", factories.PASSWORD)
    page.wait_for_url("**/")
    expect(page.get_by_role("heading", name="Mitt arbeid", level=1)).to_be_visible()
    check_accessibility(page, "start page")

    follow(page.get_by_role("button", name="English"))
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"

    page.goto("/no-such-page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    check_accessibility(page, "404 page")

    follow(page.get_by_role("button", name="Sign out"))
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url


def test_skip_link_moves_focus_to_main_content(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hopp til hovedinnholdet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
