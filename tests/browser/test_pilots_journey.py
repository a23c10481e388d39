"""The whole life of a pilot, as a staff member and the district coordinator, in nb and en."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.auth.models import Role
from tracker.db import db

TEXT = {
    "nb": {"propose": "Foreslå en pilot", "save": "Lagre utkast", "add_partner": "Legg til partnerrad",
           "add_funding": "Legg til finansieringslinje", "submit": "Send til vurdering",
           "return": "Send tilbake til eier", "approve": "Godkjenn", "start": "Start", "complete": "Fullfør",
           "record": "Registrer resultatet", "save_outcome": "Lagre resultatet",
           "evaluate": "Marker som evaluert", "sign_out": "Logg ut", "edit": "Rediger",
           "save_changes": "Lagre utkast", "evaluated": "Evaluert", "problem": "Det er noe som må rettes",
           "queue": "Venter på din vurdering", "decide": "Lagre avgjørelsen"},
    "en": {"propose": "Propose a pilot", "save": "Save draft", "add_partner": "Add partner row",
           "add_funding": "Add funding line", "submit": "Submit for review", "return": "Return to owner",
           "approve": "Approve", "start": "Start", "complete": "Complete", "record": "Record the outcome",
           "save_outcome": "Save outcome", "evaluate": "Mark as evaluated", "sign_out": "Sign out",
           "edit": "Edit", "save_changes": "Save draft", "evaluated": "Evaluated",
           "problem": "There is a problem", "queue": "Waiting for your review",
           "decide": "Record the decision"},
}


@pytest.fixture
def cast(world):
    coordinator = factories.make_user(Role.COORDINATOR, [world.district_a], email="coord@example.org",
                                      name="Cora Coordinator")
    staff = factories.make_user(email="sam@example.org", name="Sam Staff", agency="Bymiljøetaten")
    theme = factories.make_theme(name_nb="Mobilitet", name_en="Mobility")
    partners = [factories.make_partner("Universitetet i Oslo"), factories.make_partner("Ruter AS")]
    db.session.commit()
    return world, coordinator, staff, theme, partners


PILOT_PAGE = re.compile(r".*/pilots/\d+$")


def as_user(page, user, lang):
    sign_in(page, user.email, factories.PASSWORD)
    page.wait_for_url("**/")
    if lang == "en" and page.locator("html").get_attribute("lang") != "en":
        follow(page.get_by_role("button", name="English"))


def sign_out(page, t):
    follow(page.get_by_role("button", name=t["sign_out"]))
    page.wait_for_url("**/login")


def act(page, t, action, comment=None):
    if comment is not None:
        page.locator(f"#{action}-comment").fill(comment)
    follow(page.get_by_role("button", name=t[action], exact=True))


def decide(page, t, action, comment=None):
    """The reviewer's one decision form: choose, comment, record."""
    form = page.locator("form.decision-form")
    form.get_by_role("radio", name=t[action], exact=True).check()
    if comment is not None:
        form.locator("#decision-comment").fill(comment)
    follow(form.get_by_role("button", name=t["decide"]))


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_life_of_a_pilot(page, cast, lang):
    world, coordinator, staff, theme, partners = cast
    t = TEXT[lang]

    # Staff proposes a pilot; an empty title first shows the error summary.
    as_user(page, staff, lang)
    follow(page.get_by_role("link", name=t["propose"]).first)
    check_accessibility(page, "empty proposal form")
    page.locator("#title").fill("")
    follow(page.locator(".form-actions").get_by_role("button", name=t["save"]))
    expect(page.get_by_role("heading", name=t["problem"])).to_be_visible()
    check_accessibility(page, "proposal form with errors")

    page.locator("#title").fill("Self-driving shuttle at Økern")
    page.locator("#district").select_option(str(world.district_a.id))
    page.locator(f"#themes-{theme.id}").check()
    page.locator("#need").fill("The last mile from the metro is too long.")
    page.locator("#description").fill("Two shuttles on a fixed loop.")
    page.locator("#goals").fill("500 rides a week.")
    page.locator("#planned_start").fill("2026-03-01")
    page.locator("#planned_end").fill("2027-11-30")  # the 2027 funding line lies within it
    page.locator("#partners-0-partner").select_option(str(partners[0].id))
    page.locator("#partners-0-role").select_option("lead")
    follow(page.get_by_role("button", name=t["add_partner"]))
    page.locator("#partners-1-partner").select_option(str(partners[1].id))
    page.locator("#partners-1-role").select_option("implementer")
    page.locator("#funding-0-year").fill("2026")
    page.locator("#funding-0-source_type").select_option("municipal")
    page.locator("#funding-0-source").fill("Oslo kommune")
    page.locator("#funding-0-amount").fill("400000")
    follow(page.get_by_role("button", name=t["add_funding"]))
    expect(page.locator("#title")).to_have_value("Self-driving shuttle at Økern")  # nothing lost
    page.locator("#funding-1-year").fill("2027")
    page.locator("#funding-1-source_type").select_option("partner")
    page.locator("#funding-1-partner").select_option(str(partners[1].id))
    page.locator("#funding-1-amount").fill("150000")
    page.locator("#funding-1-kind").select_option("in_kind")
    follow(page.locator(".form-actions").get_by_role("button", name=t["save"]))
    page.wait_for_url(PILOT_PAGE)
    pilot_url = page.url
    total = page.locator(".funding-plan tfoot td").last.inner_text().replace("\xa0", " ")
    assert total == {"nb": "550 000", "en": "550,000"}[lang]
    check_accessibility(page, "pilot page (draft)")
    act(page, t, "submit")
    sign_out(page, t)

    # The coordinator finds it in the review queue and returns it with a comment.
    as_user(page, coordinator, lang)
    queue = page.locator("section", has=page.get_by_role("heading", name=t["queue"]))
    expect(queue.get_by_role("link", name="Self-driving shuttle at Økern")).to_be_visible()
    check_accessibility(page, "My work with a review queue")
    follow(queue.get_by_role("link", name="Self-driving shuttle at Økern"))
    decide(page, t, "return")  # no comment: the decision form says so, as every form does
    expect(page.get_by_role("heading", name=t["problem"])).to_be_visible()
    expect(page.locator("#decision-choice-return")).to_be_checked()  # the choice is kept
    check_accessibility(page, "decision form with errors")
    decide(page, t, "return", comment="Please add the evaluation plan.")
    sign_out(page, t)

    # Staff fixes it and resubmits.
    as_user(page, staff, lang)
    page.goto(pilot_url)
    expect(page.locator(".timeline").get_by_text("Please add the evaluation plan.")).to_be_visible()
    follow(page.get_by_role("link", name=t["edit"], exact=True))
    page.locator("#goals").fill("500 rides a week; evaluated by the university.")
    follow(page.locator(".form-actions").get_by_role("button", name=t["save_changes"]))
    page.wait_for_url(pilot_url)
    act(page, t, "submit")
    sign_out(page, t)

    # The coordinator approves.
    as_user(page, coordinator, lang)
    page.goto(pilot_url)
    check_accessibility(page, "pilot page for the coordinator")
    decide(page, t, "approve")
    sign_out(page, t)

    # Staff starts, completes, records the outcome with a KPI, evaluates.
    as_user(page, staff, lang)
    page.goto(pilot_url)
    act(page, t, "start")
    act(page, t, "complete")
    assert len(page.dialogs) == 1 and "Self-driving shuttle at Økern" in page.dialogs[0]  # asked first
    follow(page.get_by_role("link", name=t["record"]))
    page.locator("#verdict").select_option("scale_up")
    page.locator("#summary").fill("Riders liked it.")
    page.locator("#lessons").fill("Winter needs a plan B.")
    page.locator("#kpis-0-name").fill("Rides per week")
    page.locator("#kpis-0-baseline").fill("0")
    page.locator("#kpis-0-target").fill("500")
    page.locator("#kpis-0-actual").fill("640")
    check_accessibility(page, "outcome form")
    follow(page.get_by_role("button", name=t["save_outcome"]).last)
    page.wait_for_url(pilot_url + "*")
    sign_out(page, t)

    # The coordinator, not the owner, marks the outcome as evaluated.
    as_user(page, coordinator, lang)
    page.goto(pilot_url)
    act(page, t, "evaluate")
    expect(page.locator(".pilot-meta").get_by_text(t["evaluated"])).to_be_visible()
    timeline = page.locator(".timeline > li")
    expect(timeline).to_have_count(8)  # created, submit, return, submit, approve, start, complete, evaluate
    assert "Rides per week" in page.locator("#outcome").inner_text()
    check_accessibility(page, "evaluated pilot page")
