"""The owner of a running pilot posts a progress report with an interim KPI value (issue 14, item 7):
it shows on the pilot page (timeline and KPI trend) and on the district page; axe finds nothing."""

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.db import db
from tracker.pilots.models import PlannedKPI
from tracker.pilots.workflow import Status


def test_owner_reports_progress_and_it_shows_on_the_pilot_and_district_pages(page, world):
    owner = factories.make_user(email="olga@example.org", name="Olga Eier")
    pilot = factories.make_pilot(owner, world.district_a, Status.RUNNING, title="Sykkelparkering ved T-bane")
    pilot.kpi_plan = [PlannedKPI(position=0, name="Parkerte sykler", unit="per dag", baseline=40, target=120)]
    db.session.commit()

    sign_in(page, owner.email, factories.PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/pilots/{pilot.id}")
    expect(page.get_by_text("Ingen framdriftsrapporter ennå.")).to_be_visible()
    follow(page.get_by_role("link", name="Legg inn framdriftsrapport"))
    check_accessibility(page, "empty progress form")

    # Nothing chosen: the error summary names the state, the input is kept.
    page.get_by_label("Parkerte sykler (per dag)").fill("87,5")
    follow(page.get_by_role("button", name="Lagre framdriftsrapport"))
    expect(page.locator("#error-summary")).to_contain_text("Velg hvordan piloten går.")
    expect(page.get_by_label("Parkerte sykler (per dag)")).to_have_value("87,5")
    check_accessibility(page, "progress form with errors")

    page.get_by_role("radio", name="I faresonen").check()
    page.get_by_label("Hva som har skjedd").fill("Stativene kom to uker for sent, men bruken øker.")
    page.get_by_label("Hva som skjer videre").fill("Flere stativer ved inngang B.")
    follow(page.get_by_role("button", name="Lagre framdriftsrapport"))

    expect(page.get_by_text("Framdriftsrapporten er lagret.")).to_be_visible()
    report = page.locator(".progress-report").first
    expect(report).to_contain_text("I faresonen")
    expect(report).to_contain_text("Stativene kom to uker for sent")
    expect(report).to_contain_text("Parkerte sykler: 87,5 per dag")
    trend = page.locator("figure.trend")
    expect(trend.locator("svg circle")).to_have_count(1)
    expect(trend.locator("table")).to_contain_text("87,5")
    check_accessibility(page, "pilot page with a progress report")

    page.goto(f"/districts/{world.district_a.slug}")
    row = page.locator("#pilot-table tr", has_text="Sykkelparkering ved T-bane")
    expect(row).to_contain_text("I faresonen")
    check_accessibility(page, "district page with the latest progress")

    # A wrong word is corrected on the same form, filled with the report; axe finds nothing there.
    page.goto(f"/pilots/{pilot.id}")
    follow(page.locator(".progress-report__edit").first)
    happened = page.get_by_label("Hva som har skjedd")
    expect(happened).to_have_value("Stativene kom to uker for sent, men bruken øker.")
    check_accessibility(page, "progress report correction form")
    happened.fill("Stativene kom tre uker for sent, men bruken øker.")
    follow(page.get_by_role("button", name="Lagre rettelsen"))
    expect(page.get_by_text("Framdriftsrapporten er rettet.")).to_be_visible()
    expect(page.locator(".progress-report").first).to_contain_text("tre uker for sent")
