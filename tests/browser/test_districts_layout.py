"""The city overview and the district page read well at 1280 px (a laptop) and 390 px (a phone):
measured element boxes, not looks. Nothing is cut off (no cell, card or chart label wider than its
box), the page never scrolls sideways as a whole, the overview's district column stays in view
while its table scrolls, a phone gets one card per district, and filtering lands at the results.
axe-core finds no violation at either width."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import check_accessibility, follow, sign_in
from tests.browser.test_reflow import LONG_DISTRICT, build
from tracker.db import db

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("TRACKER_TEST_SCREENSHOTS")  # a folder: keep screenshots to look at

# Every element whose text must be visible whole: the box is at least as wide as its content.
CUT_OFF = """(selector) => [...document.querySelectorAll(selector)]
    .filter(el => el.getClientRects().length && el.scrollWidth > el.clientWidth + 1)
    .map(el => `${el.tagName} "${el.textContent.trim().slice(0, 40)}" ${el.scrollWidth}>${el.clientWidth}`)"""
# Chart labels end before their bar starts; values end inside the chart.
CHART_CUT_OFF = """(selector) => [...document.querySelectorAll(selector)].flatMap(svg => {
    const width = svg.viewBox.baseVal.width;
    const barStart = Math.min(...[...svg.querySelectorAll('rect')].map(r => r.x.baseVal.value));
    return [...svg.querySelectorAll('text')].filter(t => {
        const box = t.getBBox();
        const end = box.x + box.width;
        return end > width || (t.classList.contains('chart-label') && end > barStart);
    }).map(t => `${svg.id}: "${t.textContent}"`);
})"""
OUTSIDE = """(selector) => [...document.querySelectorAll(selector)]
    .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map(el => `${el.className} "${el.textContent.trim().slice(0, 40)}"`)"""


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _no_sideways_page(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0


def _open_details(page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")


@pytest.fixture
def portfolio(world):
    ids = build(world)
    for n in range(3):  # more districts: the small multiples wrap
        f.make_district(f"distrikt-{n}", f"Bydel {n} – innovasjonsarena for tjenesteutvikling")
    world.viewer.name = "Inger Innovasjon"
    db.session.commit()
    return ids


def test_overview_at_1280_px_cuts_nothing_off_and_keeps_the_district_column(page, world, portfolio):
    page.set_viewport_size(WIDE)
    sign_in(page, world.viewer.email, f.PASSWORD)
    page.goto("/districts/")
    _open_details(page)
    _shot(page, "overview-1280")
    _no_sideways_page(page)
    expect(page.locator("#overview-table")).to_be_visible()
    expect(page.locator("#overview-results-table")).to_be_visible()
    expect(page.locator(".overview-cards")).to_be_hidden()
    assert page.evaluate(CUT_OFF, ".overview th, .overview td, .multiple th, .multiple td") == []
    # Both overview tables fit a laptop's width: nothing hides behind a sideways scroll.
    regions = page.locator(".overview-wide .table-scroll")
    assert regions.count() == 2
    assert regions.evaluate_all("els => els.filter(e => e.scrollWidth > e.clientWidth)") == []
    assert page.evaluate(CHART_CUT_OFF, ".multiple svg") == []
    assert page.evaluate(OUTSIDE, ".multiple, .filters, .filter-summary") == []
    # Small multiples: three districts side by side on a laptop, each with its three charts.
    tops = page.locator(".multiple").evaluate_all(
        "els => els.slice(0, 3).map(e => e.getBoundingClientRect().top)")
    assert len(set(tops)) == 1
    funded = page.locator(".multiple").filter(has_text=LONG_DISTRICT)
    assert funded.locator("h4").count() == 3 and funded.locator("svg").count() == 3
    check_accessibility(page, "city overview at 1280 px")
    # Narrower (a tablet), the table scrolls sideways in its region and the district column stays.
    page.set_viewport_size({"width": 800, "height": 800})
    region = page.locator("#overview-table").locator("xpath=..")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    region.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    first = page.locator("#overview-table tbody th").first.bounding_box()
    assert first["x"] >= region.bounding_box()["x"] - 0.5
    assert page.evaluate(CUT_OFF, ".overview th, .overview td") == []


def test_overview_at_390_px_is_one_card_per_district(page, world, portfolio):
    page.set_viewport_size(PHONE)
    sign_in(page, world.viewer.email, f.PASSWORD)
    page.goto("/districts/")
    _open_details(page)
    _shot(page, "overview-390")
    _no_sideways_page(page)
    expect(page.locator("#overview-table")).to_be_hidden()
    cards = page.locator(".overview-card")
    assert cards.count() == 6  # five districts and the total
    expect(cards.last.locator("h3")).to_have_text("Totalt")
    assert cards.first.locator("dt").count() == 9 + 1 + 4 + 2  # statuses, total, verdicts, funding, attention
    assert page.evaluate(CUT_OFF, ".overview-card dt, .overview-card dd, .overview-card h3, .multiple th, "
                                  ".multiple td, .multiple h3") == []
    assert page.evaluate(OUTSIDE, ".overview-card, .multiple, .filters, .filter-summary") == []
    assert page.evaluate(CHART_CUT_OFF, ".multiple svg") == []
    lefts = page.locator(".multiple").evaluate_all("els => els.map(e => e.getBoundingClientRect().left)")
    assert len(set(lefts)) == 1  # one column
    check_accessibility(page, "city overview at 390 px")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_district_page_cuts_nothing_off(page, world, portfolio, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, world.viewer.email, f.PASSWORD)
    page.goto(f"/districts/{portfolio['slug']}")
    _open_details(page)
    _shot(page, f"district-{viewport['width']}")
    _no_sideways_page(page)
    assert page.evaluate(CUT_OFF, "#pipeline-table th, #pipeline-table td, #verdict-table td, "
                                  ".filter-summary, .scope-line, .filters label") == []
    assert page.evaluate(OUTSIDE, ".filters, .filter-summary, .scope-line, .chart, .exports") == []
    # The filters come before the first chart.
    filters = page.locator("form.filters").bounding_box()
    assert filters["y"] < page.locator("#pipeline-chart").bounding_box()["y"]
    check_accessibility(page, f"district page at {viewport['width']} px")


def test_filtering_lands_at_the_results_and_says_what_is_filtered(page, world, portfolio):
    page.set_viewport_size(WIDE)
    sign_in(page, world.viewer.email, f.PASSWORD)
    page.goto(f"/districts/{portfolio['slug']}")
    expect(page.locator("#scope-line")).to_contain_text("Alle piloter du kan se")
    page.locator("#arena").select_option("physical")
    follow(page.locator("form.filters button[type=submit]"))
    assert page.url.endswith("#results") and "arena=physical" in page.url
    summary = page.locator("#filter-summary")
    expect(summary).to_contain_text("Arenatype: Fysisk")
    assert page.evaluate("() => window.scrollY") > 0  # the page kept its place: at the results
    follow(summary.get_by_role("link", name="Fjern filtre"))
    expect(page.locator("#filter-summary")).to_have_text("Ingen filtre er i bruk.")
    page.goto("/districts/")
    page.locator("#year").fill("2026")
    follow(page.locator("form.filters button[type=submit]"))
    assert page.url.endswith("#results")
    expect(page.locator("#filter-summary")).to_contain_text("2026")
    check_accessibility(page, "filtered overview")


def test_visitors_are_told_only_the_public_register_counts(page, portfolio):
    page.set_viewport_size(PHONE)
    page.goto("/districts/")
    expect(page.locator("#scope-line")).to_contain_text("Bare det offentlige registeret telles")
    assert page.locator(".overview-card").first.locator("dt").count() < 16  # no funding, no attention
    check_accessibility(page, "public overview at 390 px")
