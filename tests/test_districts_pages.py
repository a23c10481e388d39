"""District page and city overview: counts, filters, sorting, pagination, visibility, bad input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests import factories as f
from tracker.db import db
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
    assert counts["Utkast"] == ["0"] and counts["Til vurdering"] == ["0"]
    assert counts["Pågår"] == ["1"] and counts["Evaluert"] == ["1"] and counts["Totalt"] == ["2"]
    assert pilot_titles(html) == ["Reuse concrete", "Øko-bussen"] or set(pilot_titles(html)) == {
        "Reuse concrete", "Øko-bussen"}
    assert "Secret lesson" not in html and "Drone post" not in html and "Public lesson" in html
    assert table(html, "funding-table")["Totalt"][-1] == "150\xa0000"  # not the non-public 7 000
    assert "Needs attention" not in html and "Trenger oppfølging" not in html
    # Partner pages need a sign-in: names only, no links that end at the login form.
    assert "Universitetet i Oslo" in html and 'href="/partners/' not in html


def test_owner_sees_their_own_draft(portfolio, login):
    html = login(portfolio["world"].staff_a).get("/districts/district-a").get_data(as_text=True)
    assert "Hidden draft" in pilot_titles(html)


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


def test_theme_and_partner_filters_use_ids(portfolio, login):
    client = login(portfolio["world"].admin)
    html = client.get(f"/districts/district-a?theme={portfolio['mobility'].id}").get_data(as_text=True)
    assert set(pilot_titles(html)) == {"Øko-bussen", "Bike lanes"}
    html = client.get(f"/districts/district-a?partner={portfolio['uni'].id}").get_data(as_text=True)
    assert set(pilot_titles(html)) == {"Øko-bussen", "Reuse concrete", "Drone post"}
    # The partner select offers the partners linked in this district.
    assert f'<option value="{portfolio["startup"].id}">Ærlig Sykkel AS</option>' in html


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
    assert 'href="/districts/district-a?status=running&amp;sort=title&amp;page=2"' in html
    html = client.get("/districts/district-a?sort=title&status=running&page=3").get_data(as_text=True)
    assert pilot_titles(html) == ["P06"]
    html = client.get("/districts/district-a?sort=title&page=99").get_data(as_text=True)
    assert pilot_titles(html) == ["P06"]  # past the end: the last page


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=flying", "status"), ("theme=abc", "theme"), ("theme=999999", "theme"),
     ("partner=-1", "partner"), ("year=abc", "year"), ("year=99999999999999999999", "year"),
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
    # Columns: 9 statuses, total, 4 verdicts, funding, needs attention.
    a, b, total = rows["District A"], rows["District B"], rows["Totalt"]
    assert a[:9] == ["1", "1", "0", "1", "1", "0", "2", "0", "0"] and a[9] == "6"
    assert a[10:14] == ["1", "0", "1", "0"] and a[14] == "157\xa0000"
    assert b[9] == "1" and total[9] == "7" and total[14] == "1\xa0156\xa0999"
    assert rows["Gamle Oslo Nedlagt"][9] == "0"
    assert "<caption>" in html and 'scope="col"' in html


def test_city_overview_for_anonymous_hides_attention_and_non_public(portfolio, client):
    html = client.get("/districts/").get_data(as_text=True)
    rows = table(html, "overview-table")
    assert rows["Totalt"][9] == "3"  # running, evaluated (A) and the one in B
    assert "Trenger oppfølging" not in html


def test_city_overview_filters(portfolio, login):
    html = login(portfolio["world"].admin).get("/districts/?arena=digital").get_data(as_text=True)
    assert table(html, "overview-table")["Totalt"][9] == "1"
    html = login(portfolio["world"].admin).get("/districts/?year=abc").get_data(as_text=True)
    assert '<a href="#year">' in html and table(html, "overview-table")["Totalt"][9] == "7"
