"""The API's pages in a real browser, scanned by axe: the docs page (rendered on the server from
the OpenAPI document: every operation and schema, links between them) and a token made and revoked
on My account."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.db import db


def test_docs_page_shows_the_generated_document(page):
    page.goto("/api/v1/docs")
    operations = page.locator("h3 code").all_inner_texts()
    assert "/api/v1/pilots" in operations and "/api/v1/pilots/{pilot_id}/actions/{action}" in operations
    parameters = page.get_by_role("table", name="Parametere: GET /api/v1/pilots", exact=True)
    expect(parameters).to_contain_text("district")
    page.get_by_role("link", name="PilotPage").first.click()  # a response type leads to its schema
    expect(page.locator("#schema-PilotPage")).to_be_in_viewport()
    check_accessibility(page, "API docs")
    page.locator("#get-api-v1-pilots-try-status").fill("running")  # the form of the list's arguments
    page.get_by_role("button", name="Send forespørselen GET /api/v1/pilots", exact=True).click()
    assert "/api/v1/pilots?q=&district=&status=running" in page.url
    assert '"items"' in page.content()  # the blank fields were no filter: the JSON page came back


def test_make_and_revoke_a_token(page):
    factories.make_user(email="kari@example.org", name="Kari Nordmann")
    db.session.commit()
    sign_in(page, "kari@example.org", factories.PASSWORD)
    page.goto("/account")
    page.get_by_label("Navn på nøkkelen").fill("Arkivsystemet")
    page.get_by_label(re.compile("Lese og skrive")).check()
    follow(page.get_by_role("button", name="Lag nøkkel"))
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("tta_")
    check_accessibility(page, "account page with a new token")
    follow(page.get_by_role("button", name="Trekk tilbake «Arkivsystemet»"))
    expect(page.get_by_text("Nøkkelen «Arkivsystemet» er trukket tilbake.")).to_be_visible()
    assert secret not in page.content()
