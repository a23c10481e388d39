"""Partner directory, partner page, create and edit through the test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.test_query_counts import counted as statements
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.partners.models import Partner
from tracker.partners.names import name_key
from tracker.pilots.workflow import Status

NEW = {"name": "Sensorbyen AS", "kind": "startup", "org_number": "", "website": "", "contact_name": "",
       "contact_email": "", "description": ""}


def partner(name: str, **values) -> Partner:
    return factories.make_partner(name, name_key=name_key(name), **values)


def names_in(html: str) -> list[str]:
    """Partner names in the directory table, in order."""
    return re.findall(r'<th scope="row"><a href="/partners/\d+">([^<]+)</a>', html)


def partners() -> list[Partner]:
    return list(db.session.scalars(sa.select(Partner).order_by(Partner.id)))


# --- directory ---------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    p = partner("SINTEF")
    for url in ("/partners/", f"/partners/{p.id}", "/partners/new", f"/partners/{p.id}/edit",
                f"/partners/{p.id}/merge"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post(f"/partners/{p.id}/delete").status_code == 302
    assert db.session.get(Partner, p.id) is not None


def test_directory_searches_name_and_number_with_folded_letters(login, world):
    partner("Bymiljøetaten", kind="public_agency")
    partner("Sensorbyen Eksempel AS", kind="startup", org_number="974760673")
    partner("50% Rabatt_AS")
    client = login(world.staff_a)
    assert names_in(client.get("/partners/?q=bymiljoetaten").text) == ["Bymiljøetaten"]
    assert names_in(client.get("/partners/?q=BYMILJØ").text) == ["Bymiljøetaten"]
    assert names_in(client.get("/partners/?q=974 760").text) == ["Sensorbyen Eksempel AS"]
    assert names_in(client.get("/partners/?q=%25").text) == ["50% Rabatt_AS"]  # % is literal
    assert names_in(client.get("/partners/?q=_").text) == ["50% Rabatt_AS"]
    assert names_in(client.get("/partners/?kind=startup").text) == ["Sensorbyen Eksempel AS"]
    assert len(names_in(client.get("/partners/?kind=spaceship").text)) == 3  # unknown filter: ignored


def test_directory_filters_by_district_counts_visible_pilots_and_sorts(login, world):
    uio, sintef, lonely = partner("Universitetet i Oslo"), partner("SINTEF"), partner("Aker Eksempel")
    a1 = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
    a2 = factories.make_pilot(world.staff_a, world.district_a, Status.APPROVED)
    b1 = factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING)
    draft_b = factories.make_pilot(world.staff_b, world.district_b, Status.DRAFT)
    for pilot in (a1, a2, b1):
        factories.link_partner(pilot, uio)
    factories.link_partner(a1, uio, "evaluator")  # two roles in one pilot still count once
    factories.link_partner(b1, sintef)
    factories.link_partner(draft_b, sintef)  # staff A cannot see this draft
    client = login(world.staff_a)

    html = client.get("/partners/?sort=pilots").text
    assert names_in(html) == ["Universitetet i Oslo", "SINTEF", "Aker Eksempel"]
    counts = re.findall(r'<td class="num">(\d+)</td>', html)
    assert counts == ["3", "1", "0"]
    assert names_in(client.get("/partners/").text) == ["Aker Eksempel", "SINTEF", "Universitetet i Oslo"]
    uio.updated_at = datetime.now(UTC) + timedelta(minutes=1)  # the latest change
    assert names_in(client.get("/partners/?sort=updated").text) == [
        "Universitetet i Oslo", "Aker Eksempel", "SINTEF"]  # then newest created first

    html = client.get("/partners/?district=district-b").text
    assert names_in(html) == ["SINTEF", "Universitetet i Oslo"]
    assert re.findall(r'<td class="num">(\d+)</td>', html) == ["1", "1"]
    assert "Partners with pilots in District B" not in html  # Norwegian by default
    assert "Partnere med piloter i District B" in html
    # The owner of the draft sees it counted.
    login(world.staff_b)
    html = client.get("/partners/?district=district-b&sort=pilots").text
    assert names_in(html) == ["SINTEF", "Universitetet i Oslo"]
    assert re.findall(r'<td class="num">(\d+)</td>', html) == ["2", "1"]
    assert lonely.id


@pytest.mark.parametrize("app_config", [{"PAGE_SIZE": 5}])
def test_directory_paginates_with_a_bounded_number_of_queries(login, world):
    for n in range(12):
        partner(f"Partner {n:02d}")
    client = login(world.staff_a)

    with statements() as few:
        first = client.get("/partners/")
    for n in range(12, 60):
        partner(f"Partner {n:02d}")
    with statements() as many:
        client.get("/partners/")
    assert len(few) == len(many) <= 6

    assert names_in(first.text) == [f"Partner {n:02d}" for n in range(5)]
    assert "Side 1 av 3" in first.text
    last = client.get("/partners/?page=12")
    assert names_in(last.text) == [f"Partner {n:02d}" for n in range(55, 60)]
    for page in ("99999999999999999999999", "-3", "abc"):
        assert client.get(f"/partners/?page={page}").status_code == 200
    # Stray arguments named like url_for's own never reach it; the known ones are kept.
    html = client.get("/partners/?endpoint=x&_external=1&_anchor=y&fmt=1&q=Partner&sort=name").text
    assert 'href="/partners/?q=Partner&amp;page=2" rel="next"' in html


# --- create ------------------------------------------------------------------------------------

def test_staff_creates_a_partner_with_a_normalised_number_and_an_audit_entry(login, world):
    client = login(world.staff_a)
    assert client.get("/partners/new").status_code == 200
    response = client.post("/partners/new", data=NEW | {
        "name": "Grønn Logistikk AS", "kind": "company", "org_number": "974 760 673",
        "website": "www.gronn.example", "contact_email": "post@gronn.example"})
    [created] = partners()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{created.id}"
    assert (created.org_number, created.name_key, created.website) == (
        "974760673", "gronn logistikk", "https://www.gronn.example")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity == "partner"))
    assert (entry.action, entry.entity_id, entry.actor_id) == ("create", created.id, world.staff_a.id)
    assert entry.changes["org_number"] == [None, "974760673"]
    page = client.get(response.headers["Location"]).text
    assert "974 760 673" in page and "Grønn Logistikk AS" in page


@pytest.mark.parametrize("typed", ["974760673", "974 760 673", " 974.760.673 "])
def test_an_existing_org_number_is_refused_with_a_link_whatever_the_spacing(login, world, typed):
    existing = partner("Brønnøysundregistrene", kind="public_agency", org_number="974760673")
    client = login(world.coordinator_a)
    response = client.post("/partners/new", data=NEW | {"name": "Something else", "org_number": typed})
    assert response.status_code == 400
    assert "Brønnøysundregistrene er allerede registrert med dette organisasjonsnummeret." in response.text
    assert f'href="/partners/{existing.id}"' in response.text
    assert len(partners()) == 1


def test_a_lost_race_for_the_same_number_is_a_form_error_not_a_500(login, world, monkeypatch):
    from tracker.partners import queries

    existing = partner("Brønnøysundregistrene", org_number="974760673")
    real = queries.by_org_number
    calls = []

    def late_check(number, exclude_id=None, country="NO"):
        """The first look finds nothing, as if the other request had not committed yet."""
        calls.append(number)
        return None if len(calls) == 1 else real(number, exclude_id, country)

    monkeypatch.setattr(queries, "by_org_number", late_check)
    client = login(world.staff_a)
    response = client.post("/partners/new", data=NEW | {"name": "Another", "org_number": "974 760 673"})
    assert response.status_code == 400
    assert f'href="/partners/{existing.id}"' in response.text
    assert len(partners()) == 1


def test_an_invalid_number_or_a_javascript_website_changes_nothing(login, world):
    client = login(world.staff_a)
    response = client.post("/partners/new", data=NEW | {"org_number": "974 760 674",
                                                        "website": "javascript:alert(1)"})
    assert response.status_code == 400
    assert "974 760 674 er ikke et gyldig organisasjonsnummer" in response.text
    assert 'href="#website"' in response.text and 'href="#org_number"' in response.text
    assert 'value="Sensorbyen AS"' in response.text  # input kept
    assert partners() == []


def test_close_names_are_shown_before_saving_and_need_create_anyway(login, world):
    existing = partner("Sensorbyen Eksempel AS", kind="startup")
    client = login(world.staff_a)
    data = NEW | {"name": "sensorbyen eksempel"}
    response = client.post("/partners/new", data=data)
    assert response.status_code == 400
    assert "Lignende partnere er allerede registrert" in response.text
    assert f'<a href="/partners/{existing.id}">Sensorbyen Eksempel AS</a>' in response.text
    assert 'href="#create_anyway"' in response.text
    assert len(partners()) == 1

    response = client.post("/partners/new", data=data | {"create_anyway": "y"})
    assert response.status_code == 302
    assert len(partners()) == 2


def test_quick_add_returns_to_the_local_next_with_the_new_partner_id(login, world):
    client = login(world.staff_a)
    response = client.get("/partners/new?next=/pilots/new%3Fdraft%3D7%26step%3D2")
    assert 'action="/partners/new?next=/pilots/new?draft%3D7%26step%3D2"' in response.text
    assert 'href="/pilots/new?draft=7&amp;step=2">Avbryt</a>' in response.text
    response = client.post("/partners/new?next=/pilots/new%3Fdraft%3D7%26step%3D2", data=NEW)
    [created] = partners()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pilots/new?draft=7&step=2&partner_id={created.id}"


def test_quick_add_from_a_proposal_takes_the_role_chosen_on_the_partner_page_back(login, world):
    client = login(world.staff_a)
    assert 'id="pilot_role"' in client.get("/partners/new?next=/pilots/7/edit").text
    assert 'id="pilot_role"' not in client.get("/partners/new").text
    response = client.post("/partners/new?next=/pilots/7/edit", data=NEW | {"pilot_role": "funder"})
    [created] = partners()
    assert response.headers["Location"] == f"/pilots/7/edit?partner_id={created.id}&role=funder"
    refused = client.post("/partners/new?next=/pilots/7/edit",
                          data=NEW | {"name": "Other AS", "pilot_role": "boss"})
    assert refused.status_code == 400 and len(partners()) == 1


@pytest.mark.parametrize("target", ["https://evil.example/steal", "//evil.example", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_quick_add_refuses_an_external_next(login, world, target):
    client = login(world.staff_a)
    response = client.post("/partners/new", query_string={"next": target}, data=NEW)
    [created] = partners()
    assert response.headers["Location"] == f"/partners/{created.id}"


def test_quick_add_offers_an_existing_candidate_back_to_the_form(login, world):
    existing = partner("Sensorbyen AS")
    client = login(world.staff_a)
    response = client.post("/partners/new?next=/pilots/new", data=NEW)
    assert f'href="/pilots/new?partner_id={existing.id}"' in response.text


# --- partner page ------------------------------------------------------------------------------

def test_partner_page_lists_the_pilots_the_viewer_may_see_with_role_and_status(login, world):
    p = partner("SINTEF", kind="research_institute", website="https://www.sintef.no")
    running = factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING, title="Sensor pilot")
    draft = factories.make_pilot(world.staff_b, world.district_b, Status.DRAFT, title="Secret draft")
    factories.link_partner(running, p, "lead")
    factories.link_partner(draft, p, "evaluator")
    client = login(world.staff_a)
    html = client.get(f"/partners/{p.id}").text
    assert "Sensor pilot" in html and "Hovedansvarlig" in html and "Pågår" in html and "District B" in html
    assert "Secret draft" not in html
    assert 'href="https://www.sintef.no" rel="noopener noreferrer"' in html
    assert f"/partners/{p.id}/merge" not in html and "/delete" not in html  # not for staff
    assert "Secret draft" in login(world.staff_b).get(f"/partners/{p.id}").text
    html = login(world.admin).get(f"/partners/{p.id}").text
    assert f"/partners/{p.id}/merge" in html and f"/partners/{p.id}/delete" in html


def test_partner_page_needs_the_same_queries_for_one_pilot_or_many(login, world):
    p = partner("SINTEF")
    client = login(world.admin)
    factories.link_partner(factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING), p)
    db.session.commit()  # the page's own statements, not the commit of the data made here
    with statements() as one:
        assert client.get(f"/partners/{p.id}").status_code == 200
    for _ in range(8):
        factories.link_partner(factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING), p)
    db.session.commit()
    with statements() as many:
        assert client.get(f"/partners/{p.id}").status_code == 200
    assert len(one) == len(many) <= 6


def test_unknown_and_huge_ids_are_404(login, world):
    client = login(world.admin)
    for url in ("/partners/999", "/partners/99999999999999999999", "/partners/99999999999/edit",
                "/partners/99999999999/merge"):
        assert client.get(url).status_code == 404, url
    assert client.post("/partners/99999999999/delete").status_code == 404


# --- edit --------------------------------------------------------------------------------------

def edit_data(p: Partner, **values) -> dict:
    current = {"name": p.name, "kind": p.kind, "org_number": p.org_number or "", "version": p.version}
    return NEW | current | values


def test_any_signed_in_user_edits_and_the_change_is_audited(login, world):
    p = partner("Sintef", kind="research_institute")
    client = login(world.staff_b)
    assert 'name="version" type="hidden" value="1"' in client.get(f"/partners/{p.id}/edit").text
    response = client.post(f"/partners/{p.id}/edit",
                           data=edit_data(p, name="SINTEF AS", org_number="948007029"))
    assert response.status_code == 302
    db.session.refresh(p)
    assert (p.name, p.name_key, p.org_number, p.version) == ("SINTEF AS", "sintef", "948007029", 2)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.changes == {"name": ["Sintef", "SINTEF AS"], "org_number": [None, "948007029"]}
    assert entry.actor_id == world.staff_b.id
    assert "Endret: Navn, Organisasjonsnummer" in client.get(f"/partners/{p.id}").text


def test_a_stale_edit_is_refused_with_409_input_kept_and_the_other_change_shown(login, world):
    p = partner("SINTEF", kind="research_institute")
    stale = edit_data(p, description="My description")
    client = login(world.staff_a)
    response = client.post(f"/partners/{p.id}/edit", data=edit_data(p, website="https://sintef.no"))
    assert response.status_code == 302
    login(world.staff_b)
    response = client.post(f"/partners/{p.id}/edit", data=stale)
    assert response.status_code == 409
    assert "Noen andre endret denne partneren" in response.text
    assert "https://sintef.no" in response.text and "My description" in response.text
    assert "Staff A" in response.text
    assert 'name="version" type="hidden" value="2"' in response.text
    db.session.refresh(p)
    assert (p.website, p.description, p.version) == ("https://sintef.no", "", 2)
    # Saving again, knowingly, wins.
    assert client.post(f"/partners/{p.id}/edit", data=stale | {"version": "2"}).status_code == 302
    db.session.refresh(p)
    assert (p.description, p.version) == ("My description", 3)


@pytest.mark.parametrize("version", ["abc", "", "0", "99999999999999999999", None])
def test_a_tampered_or_missing_version_is_a_bad_request(login, world, version):
    p = partner("SINTEF")
    client = login(world.staff_a)
    data = {k: v for k, v in edit_data(p, name="X", version=version).items() if v is not None}
    response = client.post(f"/partners/{p.id}/edit", data=data)
    assert response.status_code == 400
    db.session.refresh(p)
    assert p.name == "SINTEF"


def test_edit_refuses_another_partners_number_but_keeps_its_own(login, world):
    other = partner("Oslo kommune", org_number="958935420")
    p = partner("UiO", org_number="971035854")
    client = login(world.staff_a)
    response = client.post(f"/partners/{p.id}/edit", data=edit_data(p, org_number="958 935 420"))
    assert response.status_code == 400 and f'href="/partners/{other.id}"' in response.text
    response = client.post(f"/partners/{p.id}/edit", data=edit_data(p, org_number="971 035 854"))
    assert response.status_code == 302
    assert "Ingenting ble endret" in client.get(response.headers["Location"]).text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_csrf_is_enforced_when_enabled(login, world):
    p = partner("SINTEF")
    client = login(world.admin)
    assert client.post("/partners/new", data=NEW).status_code == 400
    assert client.post(f"/partners/{p.id}/delete").status_code == 400
    assert len(partners()) == 1


def test_the_duplicate_rule_is_per_country_and_number(login, world):
    """The same eight digits can be a Danish CVR and a Finnish Y-tunnus of two organisations."""
    from stdnum.dk import cvr
    from stdnum.fi import ytunnus

    digits = next(f"{n:08d}" for n in range(10_000_000, 10_100_000)
                  if cvr.is_valid(f"{n:08d}") and ytunnus.is_valid(f"{n:08d}"))
    danish = partner("Dansk Mobilitet ApS", country="DK", org_number=digits)
    client = login(world.staff_a)
    finnish = {"name": "Suomen Liikenne Oy", "country": "FI", "org_number": f"{digits[:7]}-{digits[7]}"}
    assert client.post("/partners/new", data=NEW | finnish).status_code == 302
    again = client.post("/partners/new",
                        data=NEW | {"name": "Another ApS", "country": "DK", "org_number": digits})
    assert again.status_code == 400
    assert f'href="/partners/{danish.id}"' in again.text
    stored = db.session.scalars(sa.select(Partner.country).where(Partner.org_number == digits)).all()
    assert sorted(stored) == ["DK", "FI"]
