"""The public register: its list and pages, open data (CSV, JSON, DCAT-AP-NO), feeds, sitemap and
robots.txt, and the network of cities (following another installation's district and pulling its
public pilots, served by a second app instance in this process)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from tests import factories
from tests.browser.conftest import LiveServer
from tests.conftest import login_as, make_app
from tracker.db import db
from tracker.districts.exports import csv_text
from tracker.files import operations as file_operations
from tracker.pilots.models import Outcome, Pilot, StatusEvent
from tracker.pilots.workflow import Status
from tracker.register import network, public, queries
from tracker.register.models import NetworkPilot, NetworkSource

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def register(world):
    """A public running pilot with a theme, a partner and a public report; an evaluated one; a draft."""
    a = world.district_a
    running = factories.make_pilot(world.staff_a, a, Status.RUNNING, is_public=True,
                                   title="Varmepumper i Hovinbyen", need="Behov for mindre strøm.")
    running.themes.append(factories.make_theme(name_nb="Energi", name_en="Energy"))
    factories.link_partner(running, factories.make_partner("Sensorbyen AS"), "lead")
    factories.attach(running, world.staff_a, "Sluttrapport", public=True)
    evaluated = factories.make_pilot(world.staff_a, a, Status.EVALUATED, is_public=True,
                                     title="Smarte søppelkasser")
    evaluated.outcome = Outcome(verdict="scale_up", summary="Virket.", lessons="Start i det små.",
                                next_steps="Hele byen.")
    other = factories.make_pilot(world.staff_b, world.district_b, Status.APPROVED, is_public=True,
                                 title="Digital byggesak")
    draft = factories.make_pilot(world.staff_a, a, Status.DRAFT, is_public=True, title="Utkast")
    db.session.commit()
    return {"running": running, "evaluated": evaluated, "other": other, "draft": draft}


def test_the_list_filters_by_district_slug_or_id_status_and_theme(client, register, world):
    listing = client.get("/register/").text
    assert all(register[k].title in listing for k in ("running", "evaluated", "other"))
    assert "Utkast" not in listing
    by_slug = client.get(f"/register/?district={world.district_b.slug}").text
    assert "Digital byggesak" in by_slug and "Varmepumper" not in by_slug
    running = client.get(f"/register/?district={world.district_a.id}&status=running").text
    assert "Varmepumper" in running and "Smarte" not in running
    theme = register["running"].themes[0]
    assert "Smarte" not in client.get(f"/register/?theme={theme.id}").text
    bad = client.get("/register/?status=draft&year=99999")  # not offered: a field error, never a 500
    assert bad.status_code == 200 and 'id="error-summary"' in bad.text


def test_the_pilot_page_has_its_public_fields_canonical_url_description_and_open_graph(app, client, register):
    pilot = register["running"]
    page = client.get(f"/register/{pilot.id}").text
    rec = next(r for r in client.get("/register/pilots.json").json["pilots"] if r["id"] == pilot.id)
    with app.test_request_context():  # Norwegian, as the page
        labels = {f.name: str(f.label) for f in public.CONTENT}
    assert f"<h1>{pilot.title}</h1>" in page and "status-tag--running" in page
    for name, text in labels.items():  # the registry's public fields, each shown where it has a value
        assert name in ("title", "status") or text in page or rec[name] in (None, "", []), name
    assert f'<link rel="canonical" href="http://localhost/register/{pilot.id}">' in page
    assert '<meta name="description" content="Behov for mindre strøm.">' in page
    assert 'property="og:title" content="Varmepumper i Hovinbyen"' in page
    assert "Sensorbyen AS" in page and "Sluttrapport" in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', page)  # status history as dates
    assert 'id="outcome-title"' not in page  # not evaluated yet


def test_the_outcome_is_public_once_evaluated(client, register):
    page = client.get(f"/register/{register['evaluated'].id}").text
    assert 'id="outcome-title"' in page and "Start i det små." in page and "Hele byen." in page


def test_funding_is_public_only_where_the_district_publishes_it(client, register, world):
    pilot = register["running"]
    factories.add_funding(pilot, 2026, 750_000, source="Innovasjon Norge")
    db.session.commit()
    assert "Innovasjon Norge" not in client.get(f"/register/{pilot.id}").text
    world.district_a.publishes_funding = True
    db.session.commit()
    assert "Innovasjon Norge" in client.get(f"/register/{pilot.id}").text
    rows = client.get("/register/pilots.json").json["pilots"]
    assert next(r for r in rows if r["id"] == pilot.id)["funding"][0]["amount_nok"] == 750_000


def test_csv_and_json_hold_the_same_documented_columns_with_stable_ids(client, register):
    text = client.get("/register/pilots.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == public.HEADER
    ids = sorted(int(r[0]) for r in rows[1:])
    assert ids == sorted(register[k].id for k in ("running", "evaluated", "other"))
    document = client.get("/register/pilots.json")
    assert document.mimetype == "application/json"
    pilots = document.json["pilots"]
    assert [p["id"] for p in pilots] == ids  # id order: stable
    assert all(tuple(p) == public.HEADER for p in pilots)
    docs = client.get("/register/data").text
    assert all(f"<code>{name}</code>" in docs for name in public.HEADER)


def test_csv_cells_never_start_a_formula(client, world):
    factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                         title="=HYPERLINK(1)")
    db.session.commit()
    text = client.get("/register/pilots.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_csv_rows_are_the_public_records_with_lists_joined_in_order(app, client, register, world):
    """The CSV is read as one row per pilot (lists joined in SQL): each row is still the pilot's
    public record as CSV cells, lists in their order, a separator inside a name kept as it is."""
    pilot = register["running"]
    pilot.themes.append(factories.make_theme(name_nb="Avfall; gjenbruk", name_en="Waste"))
    factories.link_partner(pilot, factories.make_partner("Vann; Avløp AS"), "implementer")
    factories.link_partner(pilot, factories.make_partner("Bydel;=1+1 AS"), "funder")
    factories.add_funding(pilot, 2026, 750_000)
    factories.add_funding(register["other"], 2026, 100_000)
    file_operations.add_link(pilot, world.staff_a, "report", "Nettside", "https://example.no/a;b", "", "",
                             True)
    for status, day in ((Status.PAUSED, 3), (Status.SUBMITTED, 1), (Status.APPROVED, 2)):  # not in date order
        pilot.events.append(StatusEvent(to_status=status, at=datetime(2026, 1, day, 23, 30, tzinfo=UTC)))
    world.district_a.publishes_funding = True
    register["other"].outcome = Outcome(verdict="stop", summary="Skjult.", lessons="Skjult.")
    db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get("/register/pilots.csv").get_data(as_text=True))))[1:]
    with app.test_request_context():
        for row in rows:
            one = queries.one(int(row[0]))
            expected = public.csv_row(public.record(one, queries.public_attachments([one.id])))
            assert row == ["" if v is None else str(csv_text(v)) for v in expected], one.title
    running = next(dict(zip(public.HEADER, r, strict=True)) for r in rows if int(r[0]) == pilot.id)
    assert running["themes"] == "Avfall; gjenbruk; Energi"
    assert running["partners"] == "Sensorbyen AS lead; Vann; Avløp AS implementer; Bydel;'=1+1 AS funder"
    assert running["status_history"].startswith("approved 2026-01-02; paused 2026-01-03; running ")
    assert running["funding"] == "750000" and running["attachments"].endswith("/versions/1; https://example.no/a;b")


def test_the_catalogue_is_dcat_with_nlod_unless_configured(client, register, app, monkeypatch):
    doc = client.get("/register/catalog.jsonld")
    assert doc.mimetype == "application/ld+json"
    catalog = json.loads(doc.data)
    dataset = catalog["dcat:dataset"][0]
    assert catalog["@type"] == "dcat:Catalog" and dataset["@type"] == "dcat:Dataset"
    assert dataset["dct:license"]["@id"] == "https://data.norge.no/nlod/no/2.0"
    urls = {d["dcat:downloadURL"]["@id"] for d in dataset["dcat:distribution"]}
    assert {"http://localhost/register/pilots.csv", "http://localhost/register/pilots.json"} <= urls
    monkeypatch.setitem(app.config, "OPEN_DATA_LICENCE", "http://creativecommons.org/licenses/by/4.0/")
    assert json.loads(client.get("/register/catalog.jsonld").data)["dct:license"]["@id"].endswith("by/4.0/")


def test_feeds_per_city_and_district_list_public_pilots(client, register, world):
    city = ElementTree.fromstring(client.get("/register/feed.atom").data)  # noqa: S314 (our own output)
    titles = {e.findtext(f"{ATOM}title") for e in city.iter(f"{ATOM}entry")}
    assert titles == {"Varmepumper i Hovinbyen", "Smarte søppelkasser", "Digital byggesak"}
    feed = client.get(f"/register/districts/{world.district_b.slug}/feed.atom").data
    district = ElementTree.fromstring(feed)  # noqa: S314
    assert [e.findtext(f"{ATOM}id") for e in district.iter(f"{ATOM}entry")] == [
        f"http://localhost/register/{register['other'].id}"]
    assert client.get("/register/districts/nowhere/feed.atom").status_code == 404


def test_sitemap_and_robots(client, register):
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"http://localhost/register/{register['running'].id}</loc>" in sitemap
    assert f"/register/{register['draft'].id}<" not in sitemap
    robots = client.get("/robots.txt").text
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /admin/" in robots


def test_district_pages_link_into_the_register(client, register, world):
    page = client.get(f"/districts/{world.district_a.slug}").text
    assert f'href="/register/?district={world.district_a.id}"' in page
    assert f'href="/register/districts/{world.district_a.slug}/feed.atom"' in page


# --- the network ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("https://testarena.example.se/districts/kista",
     "https://testarena.example.se/register/pilots.json?district=kista"),
    ("https://example.fi/oulu/districts/hub/", "https://example.fi/oulu/register/pilots.json?district=hub"),
    ("javascript:alert(1)//districts/x", None), ("file:///etc/districts/x", None),
    ("https://user:pw@example.se/districts/x", None), ("https://example.se/pilots/1", None),
    ("https://example.se/districts/x?evil=1", None), ("https://[::1/districts/x", None),
    ("https://exa mple.se/districts/x\x00", None)])
def test_a_district_is_followed_by_the_address_of_its_page(url, expected):
    assert network.feed_url(url) == expected


FEED = "https://a.example/register/pilots.json?district=x"


def _pilot(**values):
    return {"id": 1, "url": "https://a.example/register/1", "title": "Sykkel", "status": "running",
            "district_name": "Kista", "themes": [{"name_nb": "Mobilitet"}], "partners": [{"name": "KTH"}],
            "planned_start": "2026-01-01", "updated_at": "2026-05-01T10:00:00+00:00"} | values


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"pilots": {}}', b"\xff\xfe", b"[" * 100_000])
def test_an_answer_that_is_no_register_is_refused_whole(body):
    with pytest.raises(network.PullError):
        network.validate(body, FEED)


@pytest.mark.parametrize("bad", [
    {"id": "1"}, {"id": True}, {"id": -4}, {"status": "draft"}, {"status": "rejected"}, {"title": ""},
    {"title": ["x"]}, {"url": "javascript:alert(1)"}, {"url": "https://elsewhere.example/register/1"},
    {"planned_start": "yesterday"}, {"updated_at": 5}, {"need": {"a": 1}}])
def test_hostile_pilots_are_skipped_and_the_rest_kept(bad):
    body = json.dumps({"pilots": [_pilot(**bad), _pilot(id=2, url="https://a.example/register/2")]}).encode()
    pilots, skipped = network.validate(body, FEED)
    assert [p["remote_id"] for p in pilots] == [2] and skipped == 1


def test_long_texts_are_cut_and_unknown_values_dropped():
    body = json.dumps({"pilots": [_pilot(title="x" * 10_000, arena_kind="<b>", verdict="maybe")]}).encode()
    (pilot,), _skipped = network.validate(body, FEED)
    assert len(pilot["title"]) == 200 and pilot["arena_kind"] == "" and pilot["verdict"] == ""
    assert pilot["themes"] == "Mobilitet" and pilot["partners"] == "KTH"


@pytest.fixture
def other_city(tmp_path):
    """Another installation (its own app and database) served over HTTP in this process."""
    other = make_app(f"sqlite:///{tmp_path}/other.sqlite")
    with other.app_context():
        db.create_all()
        world = factories.World.build()
        factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                             title="Elektriske ferjer", contact_email="hemmelig@example.se")
        factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT, is_public=True,
                             title="Hemmelig utkast")
        db.session.commit()
        db.session.remove()
    with LiveServer(other) as server:
        yield server
    with other.app_context():
        db.engine.dispose()


def test_network_pull_copies_another_citys_public_pilots_read_only(app, client, world, other_city, register):
    admin = app.test_client()
    login_as(admin, world.admin)
    page_url = f"{other_city.url}/districts/district-a"
    response = admin.post("/register/network/sources", data={"url": page_url, "name": "Stockholm – Kista"})
    assert response.status_code == 302
    own = db.session.scalar(sa.select(sa.func.count()).select_from(Pilot))
    result = app.test_cli_runner().invoke(args=["network", "pull"])
    assert result.exit_code == 0, result.output
    copies = db.session.scalars(sa.select(NetworkPilot)).all()
    assert [c.title for c in copies] == ["Elektriske ferjer"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pilot)) == own
    assert copies[0].url.startswith(other_city.url + "/register/")
    listing = client.get("/register/network/").text
    assert "Elektriske ferjer" in listing and "Stockholm – Kista" in listing
    assert "Hemmelig" not in listing and "hemmelig@" not in listing
    # Never mixed with our own pilots: not in our register, its files or our pilot list.
    for url in ("/register/", "/register/pilots.json", "/pilots/"):
        assert "Elektriske ferjer" not in client.get(url).get_data(as_text=True)
    # A source that stops answering keeps its last copies and says why.
    source = db.session.scalars(sa.select(NetworkSource)).one()
    source.url = f"{other_city.url}/districts/nowhere-at-all"
    db.session.commit()
    failed = app.test_cli_runner().invoke(args=["network", "pull"])
    assert failed.exit_code == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NetworkPilot)) == 1
    assert db.session.scalars(sa.select(NetworkSource.error)).one() == "HTTP 404"


def test_follow_form_refuses_what_is_no_district_page_and_duplicates(app, world):
    admin = app.test_client()
    login_as(admin, world.admin)
    bad = admin.post("/register/network/sources", data={"url": "javascript:alert(1)", "name": "X"})
    assert bad.status_code == 400 and 'href="#url"' in bad.text
    data = {"url": "https://a.example/districts/kista", "name": "Kista"}
    assert admin.post("/register/network/sources", data=data).status_code == 302
    assert admin.post("/register/network/sources", data=data).status_code == 400
    source = db.session.scalars(sa.select(NetworkSource)).one()
    assert admin.post(f"/register/network/sources/{source.id}/unfollow").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NetworkSource)) == 0


def _more_pilots(world, n: int) -> None:
    theme = factories.make_theme()
    for i in range(n):
        pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True)
        pilot.themes.append(theme)
        factories.link_partner(pilot, factories.make_partner(f"Partner {i} AS"))
    db.session.commit()


def test_pages_and_files_run_the_same_number_of_statements_whatever_the_size(client, register, world):
    """A page of the list and a pilot's page: flat; the files: one set of queries per batch."""
    from tests.sql import statements

    urls = ("/register/", f"/register/{register['running'].id}", "/register/pilots.csv",
            "/register/pilots.json", "/register/feed.atom", "/sitemap.xml")
    small = {url: statements(client, url) for url in urls}
    _more_pilots(world, 60)
    assert {url: statements(client, url) for url in urls} == small


def test_following_and_unfollowing_are_in_the_audit_trail(app, world):
    admin = app.test_client()
    login_as(admin, world.admin)
    data = {"url": "https://a.example/districts/kista", "name": "Kista"}
    assert admin.post("/register/network/sources", data=data).status_code == 302
    trail = admin.get("/admin/audit").text
    assert "Kista" in trail and "https://a.example/districts/kista" in trail
