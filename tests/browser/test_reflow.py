"""Reflow at 320 CSS px (WCAG 2.1 SC 1.4.10): no page scrolls sideways as a whole, for every role.

Wide data tables may scroll inside their own focusable region; everything else wraps. The data is
deliberately long (names, e-mails, URLs, compound words) so that any unbreakable value shows."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import check_accessibility, follow, sign_in
from tracker.audit import record
from tracker.db import db
from tracker.pilots.models import Outcome, OutcomeKPI
from tracker.pilots.workflow import Status

NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 800}
LONG_DISTRICT = "Hovinbyen Sirkulære Oslo – Bydelsinnovasjonssamarbeidsområdet Groruddalen"
LONG_EMAIL = "kontaktperson.for.innovasjonsprosjekter@bymiljoetaten.oslo.kommune.no"
LONG_PARTNER = "Norges teknisk-naturvitenskapelige universitet Institutt for bygg- og miljøteknikk"
LONG_TITLE = "Ombruksbetongelementsertifiseringsordningen for kommunale nybygg i Groruddalen"


def build(world) -> dict:
    """Pilots in every state the pages show, with long values in every field a page prints."""
    a = world.district_a
    a.name, a.description = LONG_DISTRICT, "Innovasjonsdistriktet for sirkulær byutvikling."
    for user, name in [(world.staff_a, "Kristoffer Alexander Haugen-Støylen"),
                       (world.coordinator_a, "Ingrid Margrethe Solberg-Kristiansen"),
                       (world.admin, "Administrator Johannessen-Bakketeig")]:
        user.name = name
        user.email = name.split()[0].lower() + "." + LONG_EMAIL
    world.coordinator_a.agency = "Utviklings- og kompetanseetaten"
    theme = f.make_theme(name_nb="Sirkulærøkonomi og ombruksbyggematerialer",
                         name_en="Circular economy and reusable building materials")
    partner = f.make_partner(LONG_PARTNER, kind="university", org_number="971035854",
                             website="https://www.ntnu.no/ibm/forskningsgrupper/sirkulaer-byggenaering",
                             contact_name="Professor Kristin Haugland-Andersen", contact_email=LONG_EMAIL)
    owner = world.staff_a
    long_values = dict(agency="Bymiljøetaten, seksjon for klimatilpasning og overvannshåndtering",
                       contact_email=LONG_EMAIL, contact_phone="+47 915 55 555",
                       location="Tvetenveien 150, 0671 Oslo (Groruddalen)", planned_start=date(2025, 1, 1),
                       planned_end=date(2027, 12, 31))
    running = f.make_pilot(owner, a, Status.RUNNING, title=LONG_TITLE, is_public=True,
                           actual_start=date(2025, 2, 1), **long_values)
    running.themes = [theme]
    f.link_partner(running, partner, "lead")
    for year in (2025, 2026, 2027):
        f.add_funding(running, year, 1_250_000, "eu", source="Horizon Europe Cities Mission")
        f.add_funding(running, year, 480_000, "partner", source=LONG_PARTNER, kind="in_kind", partner=partner)
    submitted = f.make_pilot(owner, a, Status.SUBMITTED, **long_values,
                             title="Sensorbasert vintervedlikehold av sykkelveier")
    f.link_partner(submitted, partner, "evaluator")
    done = f.make_pilot(owner, a, Status.EVALUATED, title="Gjenbruk av betong", is_public=True)
    for year in range(2021, 2026):
        f.add_funding(done, year, 2_500_000, "state", source="Klima- og miljødepartementet")
    outcome = Outcome(pilot=done, verdict="scale_up", lessons="Snakk med vaktmesteren først.",
                      recorded_by=owner)
    outcome.kpis = [OutcomeKPI(name="Ombruksandel av betongelementer", unit="prosent", baseline=0,
                               target=40, actual=37.5)]
    db.session.add(outcome)
    record(owner, "pilot", running.id, "update",
           {"contact_email": ("", LONG_EMAIL), "agency": ("Bymiljøetaten", long_values["agency"])})
    record(world.admin, "partner", partner.id, "update", {"website": ("", partner.website)})
    db.session.commit()
    return {"running": running.id, "submitted": submitted.id, "done": done.id, "partner": partner.id,
            "theme": theme.id, "slug": a.slug, "district": a.id, "coordinator": world.coordinator_a.id}


def overflow(page) -> int:
    """How many CSS px the page is wider than the viewport (0 when it reflows)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def assert_reflows(page, paths: list[str], who: str) -> None:
    """Visit each path at 320 px (every <details> opened) and name every page that scrolls sideways."""
    page.set_viewport_size(NARROW)
    failures = []
    for path in paths:
        response = page.goto(path)
        assert response.ok, f"{path} as {who}: HTTP {response.status}"
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        if (extra := overflow(page)) > 0:
            failures.append(f"{path} as {who}: {extra} px wider than the 320 px viewport")
    assert not failures, "pages that scroll sideways at 320 px:\n" + "\n".join(failures)


def test_anonymous_pages_reflow(page, world):
    ids = build(world)
    assert_reflows(page, [f"/pilots/{ids['running']}", f"/pilots/{ids['done']}", "/pilots/", "/districts/",
                          f"/districts/{ids['slug']}", "/login"], "anonymous")
    check_accessibility(page, "login at 320 px")


def test_staff_pages_reflow(page, world):
    ids = build(world)
    sign_in(page, world.staff_a.email, f.PASSWORD)
    pilot, partner = ids["running"], ids["partner"]
    assert_reflows(page, ["/", f"/pilots/{pilot}", f"/pilots/{ids['done']}", f"/pilots/{pilot}/edit",
                          f"/pilots/{pilot}/outcome", "/pilots/new", "/pilots/", "/partners/",
                          f"/partners/{partner}", f"/partners/{partner}/edit", "/partners/new", "/account",
                          f"/districts/{ids['slug']}"], "staff")
    check_accessibility(page, "district page at 320 px")
    # Its funding plan and KPI table scroll in their own regions. (This pilot has no change log.)
    page.goto(f"/pilots/{ids['done']}")
    check_accessibility(page, "pilot page at 320 px")
    page.goto("/account")
    check_accessibility(page, "my account at 320 px")


def test_coordinator_pages_reflow(page, world):
    ids = build(world)
    sign_in(page, world.coordinator_a.email, f.PASSWORD)
    assert_reflows(page, ["/", f"/pilots/{ids['submitted']}", f"/pilots/{ids['running']}",
                          f"/districts/{ids['slug']}", "/partners/", f"/partners/{ids['partner']}",
                          "/account"], "coordinator")
    page.goto("/")
    check_accessibility(page, "my work with the review queue at 320 px")
    page.goto(f"/partners/{ids['partner']}")
    check_accessibility(page, "partner page with its pilots and history at 320 px")


def test_admin_pages_reflow(page, world):
    ids = build(world)
    sign_in(page, world.admin.email, f.PASSWORD)
    partner, person = ids["partner"], ids["coordinator"]
    assert_reflows(page, ["/", f"/pilots/{ids['running']}", "/admin/users", f"/admin/users/{person}",
                          "/admin/users/new", "/admin/districts", f"/admin/districts/{ids['district']}",
                          "/admin/themes", f"/admin/themes/{ids['theme']}", "/admin/audit",
                          f"/partners/{partner}", f"/partners/{partner}/merge", "/account"], "admin")
    for path in ["/admin/users", f"/admin/users/{person}", "/admin/districts"]:
        page.goto(path)
        check_accessibility(page, f"{path} at 320 px")


def text_lines(locator) -> int:
    """On how many lines the element's text is laid out."""
    return locator.evaluate("""el => { const range = document.createRange(); range.selectNodeContents(el);
        return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; }""")


def test_header_wraps_whole_items_at_320_px(page, world):
    """The header wraps item by item: "Logg inn" and "Logg ut" are never split over two lines."""
    build(world)
    page.set_viewport_size(NARROW)
    for button, signed_in in [("Logg inn", False), ("Logg ut", True)]:
        if signed_in:
            sign_in(page, world.coordinator_a.email, f.PASSWORD)
        page.goto("/districts/")
        target = page.locator(".site-header").get_by_role("button" if signed_in else "link", name=button)
        expect(target).to_be_visible()
        assert text_lines(target) == 1, f"“{button}” breaks over two lines at 320 px"
        assert overflow(page) <= 0, f"the header with “{button}” is wider than 320 px"


def test_proposal_form_checkboxes_sit_beside_their_labels(page, world):
    """Each theme checkbox and "show in the public register" sit left, on one line with the label."""
    build(world)
    sign_in(page, world.staff_a.email, f.PASSWORD)
    page.goto("/pilots/new")
    themes = page.locator("#themes")
    for box, label in [(themes.get_by_role("checkbox").first, themes.locator("label").first),
                       (page.locator("#is_public"), page.locator("label[for=is_public]"))]:
        b, t = box.bounding_box(), label.bounding_box()
        assert b["x"] + b["width"] <= t["x"], "the checkbox stands left of its label"
        assert t["y"] <= b["y"] + b["height"] / 2 <= t["y"] + t["height"], "checkbox and label share a line"
        left = box.evaluate("el => el.closest('fieldset').getBoundingClientRect().left")
        assert b["x"] - left < 40, "the checkbox starts at the left edge, not centred"


def test_proposal_form_says_no_funding_lines_only_without_rows(page, world):
    build(world)
    sign_in(page, world.staff_a.email, f.PASSWORD)
    page.goto("/pilots/new")
    expect(page.get_by_role("group", name="Finansieringslinje 1")).to_be_visible()
    expect(page.get_by_text("Ingen finansieringslinjer ennå.")).to_have_count(0)


def test_partner_suggestions_keep_long_names_inside_their_buttons(page, world):
    """"Use <partner>" under similar partners grows with a long name instead of spilling over."""
    build(world)
    sign_in(page, world.staff_a.email, f.PASSWORD)
    page.set_viewport_size(NARROW)
    page.goto("/partners/new?next=/pilots/new")
    page.get_by_label("Navn", exact=True).fill(LONG_PARTNER[:60])
    page.get_by_label("Type virksomhet").select_option("university")
    follow(page.get_by_role("button", name="Opprett partner"))
    use = page.get_by_role("link", name=f"Bruk {LONG_PARTNER}")
    expect(use).to_be_visible()
    assert use.evaluate("el => el.scrollHeight <= el.clientHeight"), "the name spills out of its button"
    assert overflow(page) <= 0
