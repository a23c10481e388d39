"""The public register on a phone (390 CSS px) in nb and en: search, filter, open a pilot, open data;
axe on every page, and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import check_accessibility, follow
from tracker.db import db
from tracker.pilots.models import Outcome
from tracker.pilots.workflow import Status

PHONE = {"width": 390, "height": 844}
TEXT = {
    "nb": {"heading": "Offentlig register over piloter", "show": "Vis piloter",
           "data": "Åpne data og nyhetsstrømmer", "outcome": "Resultat", "english": None},
    "en": {"heading": "Public register of pilots", "show": "Show pilots", "data": "Open data and feeds",
           "outcome": "Outcome", "english": "English"},
}


@pytest.fixture
def pilots(world):
    a = world.district_a
    theme = factories.make_theme(name_nb="Sirkulær økonomi", name_en="Circular economy")
    evaluated = factories.make_pilot(world.staff_a, a, Status.EVALUATED, is_public=True,
                                     title="Ombruk av betongelementer i Groruddalen",
                                     need="Byggeavfall er den største avfallsstrømmen i Oslo.")
    evaluated.themes.append(theme)
    evaluated.outcome = Outcome(verdict="scale_up", summary="Betongen holdt.",
                                lessons="Snakk med entreprenøren tidlig.",
                                next_steps="Bruk i alle nye skolebygg.")
    ntnu = factories.make_partner("Norges teknisk-naturvitenskapelige universitet")
    factories.link_partner(evaluated, ntnu, "evaluator")
    for n in range(3):
        factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING, is_public=True,
                             title=f"Sensorer på sykkelvei {n}")
    factories.make_pilot(world.staff_a, a, Status.SUBMITTED, is_public=True, title="Ikke godkjent ennå")
    db.session.commit()
    return evaluated


def no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, page.url


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_register_on_a_phone(page, pilots, world, lang):
    t = TEXT[lang]
    page.set_viewport_size(PHONE)
    page.goto("/register/")
    if t["english"]:
        follow(page.get_by_role("button", name=t["english"]))
    expect(page.get_by_role("heading", level=1)).to_have_text(t["heading"])
    expect(page.get_by_text("Ikke godkjent ennå")).to_have_count(0)
    check_accessibility(page, f"register list {lang}")
    no_sideways_scroll(page)

    page.locator("#district").select_option(label=world.district_a.name)
    follow(page.get_by_role("button", name=t["show"]))
    expect(page.locator(".register-card")).to_have_count(1)
    check_accessibility(page, f"register filtered {lang}")

    follow(page.get_by_role("link", name=pilots.title))
    expect(page.get_by_role("heading", level=1)).to_have_text(pilots.title)
    expect(page.get_by_role("heading", name=t["outcome"])).to_be_visible()
    expect(page.get_by_text("Snakk med entreprenøren tidlig.")).to_be_visible()
    assert page.locator('link[rel="canonical"]').get_attribute("href").endswith(f"/register/{pilots.id}")
    check_accessibility(page, f"register pilot {lang}")
    no_sideways_scroll(page)

    page.goto("/register/")
    follow(page.get_by_role("link", name=t["data"]))
    check_accessibility(page, f"open data {lang}")
    no_sideways_scroll(page)
    page.goto("/register/network/")
    check_accessibility(page, f"other cities {lang}")
