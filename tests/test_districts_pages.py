"""District page and city overview: counts, filters, sorting, pagination, visibility, bad input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests import factories as f
from tracker.db import db, utcnow
from tracker.partners.models import PartnerKind
from tracker.pilots.models import Outcome
from tracker.pilots.workflow import Status


def table(html: str, table_id: str) -> dict[str, list[str]]:
    """Rows of the table with ``table_id`` as ``{first cell text: [other cell texts]}``."""
    body = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in found]
        if cells:
            rows[re.sub(r"\s+", " ", cells[0])] = cells[1:]
    return rows


def pilot_titles(html: str) -> list[str]:
    if 'id="pilot-table"' not in html:
        return []
    return [re.sub(r"\s+", " ", t) for t in re.findall(r'<td><a href="/pilots/\d+">(.*?)</a></td>', html)]


def outcome(pilot, verdict="scale_up", lessons="Start small.", at=None):
    row = Outcome(pilot=pilot, verdict=verdict, lessons=lessons, recorded_at=at or datetime.now(UTC))
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def portfolio(world):
    """District A with a pilot in most statuses, themes, partners, funding and outcomes."""
    a, b, owner = world.district_a, world.district_b, world.staff_a
    mobility, health = f.make_theme(name_en="Mobility"), f.make_theme(name_en="Health")
    uni = f.make_partner("Universitetet i Oslo", kind=PartnerKind.UNIVERSITY)
    startup = f.make_partner("Ærlig Sykkel AS", kind=PartnerKind.STARTUP)
    pilots = {
        "draft": f.make_pilot(owner, a, Status.DRAFT, title="Hidden draft", is_public=True),
        "submitted": f.make_pilot(owner, a, Status.SUBMITTED, title="Bike lanes"),
        "running": f.make_pilot(owner, a, Status.RUNNING, title="Øko-bussen", is_public=True,
                                arena_kind="digital", planned_start=date(2024, 3, 1),
                                planned_end=date(2025, 6, 30), actual_start=date(2024, 4, 1)),
        "paused": f.make_pilot(owner, a, Status.PAUSED, title="Sensor park", planned_start=date(2023, 1, 1),
                               planned_end=date(2023, 12, 31)),
        "evaluated": f.make_pilot(owner, a, Status.EVALUATED, title="Reuse concrete", is_public=True),
        "stopped": f.make_pilot(owner, a, Status.EVALUATED, title="Drone post"),
        "other_district": f.make_pilot(owner, b, Status.RUNNING, title="Elsewhere", is_public=True),
    }
    pilots["running"].themes = [mobility]
    pilots["submitted"].themes = [mobility, health]
    f.link_partner(pilots["running"], uni)
    f.link_partner(pilots["running"], startup, "participant")
    f.link_partner(pilots["evaluated"], uni)
    f.link_partner(pilots["stopped"], uni, "lead")
    f.add_funding(pilots["running"], 2024, 100_000, "municipal")
    f.add_funding(pilots["running"], 2025, 50_000, "eu", source="Horizon Europe")
    f.add_funding(pilots["stopped"], 2024, 7_000, "state", source="Innovasjon Norge")
    f.add_funding(pilots["other_district"], 2024, 999_999)
    outcome(pilots["evaluated"], "scale_up", "Public lesson: ask the caretakers first.")
    outcome(pilots["stopped"], "stop", "Secret lesson: drones and snow do not mix.")
    db.session.commit()
    return dict(world=world, pilots=pilots, mobility=mobility, uni=uni, startup=startup)


def test_counts_per_status_verdicts_partners_and_funding_for_signed_in_staff(portfolio, login):
    client = login(portfolio["world"].staff_b)
    html = client.get("/districts/district-a").get_data(as_text=True)
    counts = table(html, "pipeline-table")
    # Staff B sees everything past draft, not Staff A's draft.
    assert counts["Utkast"] == ["0"] and counts["Til vurdering"] == ["1"] and counts["Pågår"] == ["1"]
    assert counts["På pause"] == ["1"] and counts["Evaluert"] == ["2"] and counts["Totalt"] == ["5"]
    assert 'role="img"' in html and "<title id=\"pipeline-chart-title\">" in html
    verdicts = table(html, "verdict-table")
    assert verdicts["Skaleres opp"] == ["1"] and verdicts["Avsluttes"] == ["1"]
    assert "Secret lesson" in html and "Public lesson" in html
    partners = table(html, "partner-table")
    assert list(partners)[1] == "Universitetet i Oslo" and partners["Universitetet i Oslo"][-1] == "3"
    assert table(html, "kind-table") == {
        "Type": ["Partnere"], "Universitet": ["1"], "Oppstartsselskap": ["1"]}
    funding = table(html, "funding-table")
    assert funding["2024"][-1] == "107\xa0000" and funding["2025"][-1] == "50\xa0000"
    assert funding["Totalt"][-1] == "157\xa0000"


def test_anonymous_visitors_see_only_the_public_register(portfolio, client):
    html = client.get("/districts/district-a").get_data(as_text=True)
    counts = table(html, "pipeline-table")
    assert counts["Pågår"] == ["1"] and counts["Evaluert"] == ["1"] and counts["Totalt"] == ["2"]
    assert pilot_titles(html) == ["Reuse concrete", "Øko-bussen"] or set(pilot_titles(html)) == {
        "Reuse concrete", "Øko-bussen"}
    assert "Secret lesson" not in html and "Drone post" not in html and "Public lesson" in html
    assert "Needs attention" not in html and "Trenger oppfølging" not in html
    # Partner pages need a sign-in: names only, no links that end at the login form.
    assert "Universitetet i Oslo" in html and 'href="/partners/' not in html


def test_owner_sees_their_own_draft(portfolio, login):
    html = login(portfolio["world"].staff_a).get("/districts/district-a").get_data(as_text=True)
    assert "Hidden draft" in pilot_titles(html)


def test_statements_built_once_serve_each_viewer_and_filter_with_their_own_values(portfolio, login):
    """The page's statements are built once per shape of their conditions (``prepared.py``): the
    next viewer, filter or district of the same shape gets its own values, never the first one's."""
    world = portfolio["world"]

    def page(client, url: str) -> str:
        return client.get(url).get_data(as_text=True)

    titles = {who: pilot_titles(page(login(getattr(world, who)), "/districts/district-a"))
              for who in ("staff_a", "staff_b")}
    assert "Hidden draft" in titles["staff_a"] and "Hidden draft" not in titles["staff_b"]
    client = login(world.admin)
    for query, expected in (("status=running", {"Øko-bussen"}),
                            ("status=evaluated", {"Reuse concrete", "Drone post"})):
        assert set(pilot_titles(page(client, f"/districts/district-a?{query}"))) == expected
    other = page(client, "/districts/district-b")
    assert pilot_titles(other) == ["Elsewhere"] and table(other, "pipeline-table")["Totalt"] == ["1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=running", {"Øko-bussen"}),
        ("status=evaluated", {"Reuse concrete", "Drone post"}),
        ("arena=digital", {"Øko-bussen"}),
        ("q=BUSS", {"Øko-bussen"}),
        ("q=%25", set()),  # a LIKE wildcard is matched literally
        ("year=2023", {"Sensor park"}),
        ("year=2025", {"Øko-bussen"}),
        ("year=2026", {"Øko-bussen", "Bike lanes", "Reuse concrete", "Drone post"}),
    ],
)
def test_filters(portfolio, login, query, expected):
    html = login(portfolio["world"].admin).get(f"/districts/district-a?{query}").get_data(as_text=True)
    assert set(pilot_titles(html)) - {"Hidden draft"} == expected


def test_theme_filter_uses_ids_and_an_old_partner_id_link_still_works(portfolio, login):
    client = login(portfolio["world"].admin)
    html = client.get(f"/districts/district-a?theme={portfolio['mobility'].id}").get_data(as_text=True)
    assert set(pilot_titles(html)) == {"Øko-bussen", "Bike lanes"}
    html = client.get(f"/districts/district-a?partner={portfolio['uni'].id}").get_data(as_text=True)
    assert set(pilot_titles(html)) == {"Øko-bussen", "Reuse concrete", "Drone post"}
    # The search box then shows the partner's name (submitting the form searches by it).
    assert 'name="partner" type="text" value="Universitetet i Oslo"' in html


@pytest.mark.parametrize(("typed", "expected"), [
    ("universitetet", {"Øko-bussen", "Reuse concrete", "Drone post"}),
    ("ÆRLIG", {"Øko-bussen"}),  # any case, æ/ø/å folded as in the partner search
    ("aerlig sykkel as", {"Øko-bussen"}),
    ("Nobody", set()),
    ("%", set()),  # a LIKE wildcard is matched literally
])
def test_the_partner_filter_is_a_search_by_name(portfolio, login, typed, expected):
    html = login(portfolio["world"].admin).get(f"/districts/district-a?partner={typed}").text
    assert set(pilot_titles(html)) == expected
    assert f'value="{typed}"' in html  # kept in the box


def test_the_partner_search_box_offers_the_top_partners_and_no_list_of_every_partner(portfolio, login, app):
    world = portfolio["world"]
    for n in range(30):
        f.link_partner(portfolio["pilots"]["running"], f.make_partner(f"Leverandør {n:02d}"), "participant")
    db.session.commit()
    html = login(world.admin).get("/districts/district-a").get_data(as_text=True)
    box = html.split('<datalist id="partner-suggestions">')[1].split("</datalist>")[0]
    assert '<option value="Universitetet i Oslo">' in box  # the partner in the most pilots
    assert box.count("<option") == 10
    assert 'list="partner-suggestions"' in html and "/districts/district-a/partners.json" in html


def test_partner_suggestions_match_as_you_type_and_never_reveal_hidden_pilots(portfolio, login, client):
    world = portfolio["world"]
    secret = f.make_partner("Hemmelig Partner AS")
    f.link_partner(portfolio["pilots"]["draft"], secret)
    db.session.commit()
    url = "/districts/district-a/partners.json"
    assert client.get(f"{url}?q=univ").get_json() == ["Universitetet i Oslo"]
    assert client.get(f"{url}?q=hemmelig").get_json() == []  # a draft: not public
    assert login(world.staff_a).get(f"{url}?q=hemmelig").get_json() == ["Hemmelig Partner AS"]  # owner
    assert login(world.staff_b).get(f"{url}?q=hemmelig").get_json() == []
    assert client.get(f"{url}?q=").get_json() == [] and client.get(f"{url}?q=%25").get_json() == []
    assert client.get("/districts/nowhere/partners.json?q=a").status_code == 404


def test_filters_apply_to_the_aggregates_and_stay_in_the_form(portfolio, login):
    html = login(portfolio["world"].admin).get("/districts/district-a?arena=digital&q=buss").get_data(
        as_text=True)
    assert table(html, "pipeline-table")["Totalt"] == ["1"]
    assert table(html, "funding-table")["Totalt"][-1] == "150\xa0000"
    assert 'value="buss"' in html and '<option value="digital" selected>' in html
    assert "/districts/district-a/export.csv?q=buss&amp;arena=digital" in html


@pytest.mark.parametrize("sort", ["title", "planned_end", "updated"])
def test_sorting(portfolio, login, sort):
    html = login(portfolio["world"].admin).get(f"/districts/district-a?sort={sort}").get_data(as_text=True)
    titles = pilot_titles(html)
    if sort == "title":
        assert titles == sorted(titles)
    elif sort == "planned_end":
        assert titles[:2] == ["Sensor park", "Øko-bussen"]
    else:
        assert titles[0] == "Drone post"  # created last in district A


def test_pagination_keeps_filters(world, login, app):
    app.config["PAGE_SIZE"] = 3
    for n in range(7):
        f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title=f"P{n:02d}")
    db.session.commit()
    client = login(world.admin)
    html = client.get("/districts/district-a?sort=title&status=running").get_data(as_text=True)
    assert pilot_titles(html) == ["P00", "P01", "P02"] and "side 1 av 3" in html.lower()
    assert 'href="/districts/district-a?status=running&amp;sort=title&amp;page=2#results"' in html
    html = client.get("/districts/district-a?sort=title&status=running&page=3").get_data(as_text=True)
    assert pilot_titles(html) == ["P06"]
    html = client.get("/districts/district-a?sort=title&page=99").get_data(as_text=True)
    assert pilot_titles(html) == ["P06"]  # past the end: the last page


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=flying", "status"), ("theme=abc", "theme"), ("theme=999999", "theme"),
     ("partner=" + "x" * 201, "partner"), ("year=abc", "year"), ("year=99999999999999999999", "year"),
     ("sort=sideways", "sort"),
     ("q=" + "x" * 201, "q")],
)
def test_bad_filter_input_is_a_field_error_not_a_500(portfolio, login, query, field):
    response = login(portfolio["world"].admin).get(f"/districts/district-a?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<a href="#{field}">' in html and f'id="{field}-error"' in html
    assert len(pilot_titles(html)) == 6  # the bad filter is ignored, the list is whole


@pytest.mark.parametrize("page", ["0", "-3", "abc", "9" * 40])
def test_a_bad_page_number_shows_the_first_page(portfolio, login, page):
    response = login(portfolio["world"].admin).get(f"/districts/district-a?page={page}")
    assert response.status_code == 200 and len(pilot_titles(response.get_data(as_text=True))) == 6


@pytest.mark.parametrize("query", ["slug=x&fmt=%20&page=2", "_external=1&_anchor=x&sep=semicolon", "fmt=pdf"])
def test_stray_query_arguments_do_not_break_links(world, login, app, query):
    app.config["PAGE_SIZE"] = 1
    for n in range(3):
        f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title=f"P{n}")
    db.session.commit()
    client = login(world.admin)
    for url in ("/districts/district-a", "/districts/", "/districts/district-a/export.csv"):
        assert client.get(f"{url}?{query}&status=running").status_code == 200, url
    html = client.get(f"/districts/district-a?{query}&status=running").get_data(as_text=True)
    assert "/districts/district-a/export.csv?status=running" in html and 'rel="next"' in html


def test_unknown_district_is_404(client, world):
    assert client.get("/districts/nowhere").status_code == 404
    assert client.get("/districts/nowhere/export.csv").status_code == 404
    assert client.get("/districts/district-a/export.pdf").status_code == 404


def test_timeline_lists_approved_running_and_paused(portfolio, login):
    html = login(portfolio["world"].admin).get("/districts/district-a").get_data(as_text=True)
    section = html.split('id="timeline-title"')[1].split("</section>")[0]
    assert "Øko-bussen" in section and "Sensor park" in section and "Reuse concrete" not in section
    assert 'class="chart-planned"' in section and "chart-actual" in section and "<table" in section


def test_city_overview_rows_totals_and_retired(portfolio, login):
    f.make_district("old", "Gamle Oslo", retired=True)
    db.session.commit()
    html = login(portfolio["world"].admin).get("/districts/").get_data(as_text=True)
    rows = table(html, "overview-table")
    # Columns: 9 statuses and total; then (a second table) 4 verdicts, funding, needs attention.
    a, b, total = rows["District A"], rows["District B"], rows["Totalt"]
    assert a[:9] == ["1", "1", "0", "1", "1", "0", "2", "0", "0"] and a[9] == "6"
    assert b[9] == "1" and total[9] == "7"
    assert rows["Gamle Oslo Nedlagt"][9] == "0"
    results = table(html, "overview-results-table")
    assert results["District A"][:5] == ["1", "0", "1", "0", "157\xa0000"]
    assert results["Totalt"][4] == "1\xa0156\xa0999" and results["Gamle Oslo Nedlagt"][4] == "0"
    assert "<caption>" in html and 'scope="col"' in html


def test_city_overview_for_anonymous_hides_attention_and_non_public(portfolio, client):
    html = client.get("/districts/").get_data(as_text=True)
    rows = table(html, "overview-table")
    assert rows["Totalt"][rows["Distrikt"].index("Totalt")] == "3"  # running, evaluated (A), the one in B
    assert "Trenger oppfølging" not in html


def test_city_overview_filters(portfolio, login):
    html = login(portfolio["world"].admin).get("/districts/?arena=digital").get_data(as_text=True)
    assert table(html, "overview-table")["Totalt"][9] == "1"
    html = login(portfolio["world"].admin).get("/districts/?year=abc").get_data(as_text=True)
    assert '<a href="#year">' in html and table(html, "overview-table")["Totalt"][9] == "7"


PUBLIC = ["Godkjent", "Pågår", "På pause", "Fullført", "Evaluert"]
ALL = ["Utkast", "Til vurdering", *PUBLIC, "Avslått", "Trukket"]


def status_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*id="status".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>(.*?)</option>", select)


def test_anonymous_visitors_see_no_funding_figures(portfolio, client, login):
    # The proposal form promises the public register shows no funding: not even for one pilot
    # picked out by its title, nor as a district's total.
    for url in ("/districts/district-a", "/districts/district-a?q=buss", "/districts/"):
        html = client.get(url).get_data(as_text=True)
        assert "Finansiering" not in html and 'id="funding-table"' not in html, url
        assert "150\xa0000" not in html and "1\xa0149\xa0999" not in html, url
    client = login(portfolio["world"].staff_b)
    html = client.get("/districts/district-a?q=buss").get_data(as_text=True)
    assert table(html, "funding-table")["Totalt"][-1] == "150\xa0000"
    overview = table(client.get("/districts/").get_data(as_text=True), "overview-results-table")
    assert overview["District A"][overview["Distrikt"].index("Finansiering (kr)")] == "157\xa0000"


@pytest.mark.parametrize("first", ["admin", "anonymous"])
def test_the_page_cache_keeps_the_public_and_signed_in_pages_apart(portfolio, app, first):
    from tests.conftest import login_as

    app.config["DISTRICTS_CACHE_SECONDS"] = 60
    viewers = {"admin": app.test_client(), "anonymous": app.test_client()}
    login_as(viewers["admin"], portfolio["world"].admin)
    for url in ("/districts/district-a", "/districts/"):
        for who in sorted(viewers, key=lambda w: w != first):
            html = viewers[who].get(url).get_data(as_text=True)
            assert ("Finansiering" in html) is (who == "admin"), (url, who)
            assert ("Til vurdering" in html) is (who == "admin"), (url, who)


@pytest.fixture
def funded(world):
    """District A with one funded pilot in every status: 10 to the power of its place in the workflow."""
    for n, status in enumerate(Status):
        f.add_funding(f.make_pilot(world.staff_a, world.district_a, status, title=f"Funded {status}"),
                      2026, 10 ** n)
    db.session.commit()
    return world


def test_funding_totals_count_approved_and_later_pilots_only(funded, login):
    client = login(funded.admin)
    html = client.get("/districts/district-a").get_data(as_text=True)
    # approved 100 + running 1 000 + paused 10 000 + completed 100 000 + evaluated 1 000 000
    assert table(html, "funding-table")["Totalt"][-1] == "1\xa0111\xa0100"
    assert "per år og kilde: piloter som er godkjent eller kommet lenger</caption>" in html
    overview = client.get("/districts/").get_data(as_text=True)
    rows = table(overview, "overview-results-table")
    assert rows["District A"][rows["Distrikt"].index("Finansiering (kr)")] == "1\xa0111\xa0100"
    assert "Finansiering teller piloter som er godkjent eller kommet lenger" in overview
    english = client.get("/districts/district-a", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "per year and source: approved and later pilots</caption>" in english


@pytest.mark.parametrize(("status", "label", "total"), [
    ("rejected", "Avslått", "10\xa0000\xa0000"), ("withdrawn", "Trukket", "100\xa0000\xa0000"),
    ("draft", "Utkast", "1"), ("running", "Pågår", "1\xa0000"),
])
def test_a_chosen_status_shows_that_status_funding(funded, login, status, label, total):
    html = login(funded.admin).get(f"/districts/district-a?status={status}").get_data(as_text=True)
    assert table(html, "funding-table")["Totalt"][-1] == total
    assert f"per år og kilde: piloter med status {label}</caption>" in html


def test_active_in_year_is_the_period_up_to_today_not_forever(world, login):
    y = utcnow().date().year
    owner, a = world.staff_a, world.district_a
    f.make_pilot(owner, a, Status.RUNNING, title="Runs into next year", planned_start=date(y, 1, 1),
                 planned_end=date(y + 1, 6, 30), actual_start=date(y, 2, 1))
    f.make_pilot(owner, a, Status.RUNNING, title="Running overdue", planned_start=date(y - 3, 1, 1),
                 planned_end=date(y - 2, 6, 30), actual_start=date(y - 3, 2, 1))
    f.make_pilot(owner, a, Status.COMPLETED, title="Ended early", planned_start=date(y - 3, 1, 1),
                 planned_end=date(y + 2, 12, 31), actual_start=date(y - 3, 1, 1),
                 actual_end=date(y - 2, 3, 1))
    f.make_pilot(owner, a, Status.APPROVED, title="Starts later", planned_start=date(y + 3, 1, 1),
                 planned_end=date(y + 4, 12, 31))
    f.make_pilot(owner, a, Status.PAUSED, title="Paused past its end", planned_start=date(y - 3, 1, 1),
                 planned_end=date(y - 3, 12, 31), actual_start=date(y - 3, 1, 1))
    db.session.commit()
    expected = {
        y - 3: {"Running overdue", "Ended early", "Paused past its end"},
        y - 2: {"Running overdue", "Ended early"},
        y - 1: {"Running overdue"},  # a running pilot past its planned end counts up to today...
        y: {"Runs into next year", "Running overdue"},
        y + 1: {"Runs into next year"},  # ...and no further; a running one to its planned end
        y + 2: set(),  # the actual end wins over the plan
        y + 3: {"Starts later"},
        y + 10: set(),
    }
    client = login(world.admin)
    for year, titles in expected.items():
        html = client.get(f"/districts/district-a?year={year}").get_data(as_text=True)
        assert set(pilot_titles(html)) == titles, year
    assert 'aria-describedby="year-hint"' in html and "i dag for en pågående pilot" in html


def test_the_public_register_offers_only_public_statuses(portfolio, client, login):
    html = client.get("/districts/district-a").get_data(as_text=True)
    assert list(table(html, "pipeline-table"))[1:-1] == PUBLIC
    chart = html.split('id="pipeline-chart"')[1].split("</svg>")[0]
    assert re.findall(r'class="chart-label">(.*?)</text>', chart) == PUBLIC
    assert status_options(html) == ["Alle", *PUBLIC]
    header = table(client.get("/districts/").get_data(as_text=True), "overview-table")["Distrikt"]
    assert [h for h in header if h in ALL] == PUBLIC
    client = login(portfolio["world"].staff_b)
    html = client.get("/districts/district-a").get_data(as_text=True)
    assert list(table(html, "pipeline-table"))[1:-1] == ALL and status_options(html) == ["Alle", *ALL]
    header = table(client.get("/districts/").get_data(as_text=True), "overview-table")["Distrikt"]
    assert [h for h in header if h in ALL] == ALL
