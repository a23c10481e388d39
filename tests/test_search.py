"""Full-text search (tracker/search): relevance in Norwegian and English, visibility, and an index
that follows every operation (and every rollback). Runs on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.admin import operations as admin_operations
from tracker.db import db
from tracker.partners import operations as partner_operations
from tracker.pilots import operations
from tracker.pilots.models import Outcome, OutcomeKPI
from tracker.pilots.operations import Content
from tracker.pilots.workflow import Status
from tracker.search import queries
from tracker.search.index import reindex
from tracker.search.models import SearchDocument
from tracker.search.text import snippet

CORPUS = [  # key, title, need, lessons (None: no outcome), partners (name, org number)
    ("skole", "Trygg skolevei med sensorer", "Skolene i bydelen mangler data om trafikken rundt skolene.",
     "Sensorene måtte kalibreres på nytt etter vinteren.", [("Statens vegvesen", "971032081")]),
    ("parkering", "Smart parkering for varebiler", "Parkeringsplassen ved torget er full hele dagen.",
     None, [("Parkeringsselskapet Sentrum AS", None)]),
    ("drift", "Chatbot for næringsetaten", "Innbyggere venter lenge på svar om skjenkebevilling.",
     "Tidlig involvering av driftsorganisasjonen var avgjørende.", []),
    ("tromso", "Gatebelysning etter modell fra Tromsø", "Induktiv sløyfe i krysset styrer lysene.",
     None, []),
    ("heating", "District heating from waste water", "Buildings waste heat that could warm the neighbours.",
     "The lessons learned: measuring heat losses needs more sensors.", []),
    ("sykkel", "Varelevering med el-sykkel", "Lastebiler blokkerer gatene i sentrum.",
     "Syklistene trengte egne lasteplasser.", [("Bring Sykkelbud AS", "974760673")]),
]

RELEVANCE = [  # query, expected pilot in the top 3
    ("skole", "skole"), ("skolene", "skole"), ("sensor", "skole"), ("sensorene", "skole"),
    ("parkering", "parkering"), ("parkeringsplassen", "parkering"), ("vegvesen", "skole"),
    ("Statens vegvesen", "skole"), ("driftsorganisasjon", "drift"), ("driftsorganisasjonen", "drift"),
    ("sløyfe", "tromso"), ("sloyfe", "tromso"), ("tromso", "tromso"), ("Tromsø", "tromso"),
    ("heat", "heating"), ("heating", "heating"), ("lesson", "heating"), ("measure", "heating"),
    ("974760673", "sykkel"), ("974 760 673", "sykkel"), ("Bring Sykkelbud", "sykkel"),
    ("sykkelbud", "sykkel"), ("lasteplass", "sykkel"), ("kalibreres vinteren", "skole"),
    ("skjenkebevilling", "drift"), ("bevilling", "drift"),
]


@pytest.fixture
def corpus(world):
    pilots = {}
    for key, title, need, lessons, partners in CORPUS:
        status = Status.EVALUATED if lessons else Status.RUNNING
        pilot = factories.make_pilot(world.staff_a, world.district_a, status,
                                     title=title, need=need, is_public=True)
        for name, orgnr in partners:
            factories.link_partner(pilot, factories.make_partner(name, org_number=orgnr))
        if lessons:
            pilot.outcome = Outcome(verdict="scale_up", lessons=lessons,
                                    kpis=[OutcomeKPI(name="Tidsbruk per sak", baseline=45, target=35,
                                                     actual=31)])
        pilots[key] = pilot
    db.session.flush()
    reindex()
    db.session.commit()
    return pilots


def top(user, query, n=3, **chosen):
    results = queries.search(user, query, chosen, 1)
    return [pilot.id for pilot, *_ in results.pilots.items[:n]]


@pytest.mark.parametrize("query,expected", RELEVANCE)
def test_relevance_expected_pilot_in_the_top_three(corpus, world, query, expected):
    assert corpus[expected].id in top(world.admin, query)


def test_exact_diacritics_rank_above_a_search_typed_without_them(corpus, world):
    other = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title="Sloyfe-prosjektet",
                                 is_public=True)
    reindex()
    assert top(world.admin, "sløyfe", 1) == [corpus["tromso"].id]
    assert top(world.admin, "sloyfe", 1) == [other.id]


def test_partners_found_by_name_and_org_number_for_signed_in_users_only(corpus, world):
    names = lambda user, q: [p.name for p, *_ in queries.search(user, q, {}, 1).partners]  # noqa: E731
    assert names(world.staff_b, "vegvesen") == ["Statens vegvesen"]
    assert names(world.staff_b, "974 760 673") == ["Bring Sykkelbud AS"]
    assert names(None, "vegvesen") == []


def test_partners_counted_and_listed_best_first_then_by_name_apart_from_the_pilots(world):
    """Pilots and partners come out of one pass of the index: each list holds only its own."""
    for name in ("Kompost Gamma AS", "Kompost Alfa AS", "Kompost Beta AS"):
        factories.make_partner(name)
    factories.make_partner("Ruter AS", description="Kjører kompost til anlegget hver uke.")
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title="Kompost i bydelen",
                                 is_public=True)
    reindex()
    db.session.commit()
    results = queries.search(world.staff_b, "kompost", {}, 1, partner_limit=2)
    assert results.partner_total == 4
    assert [p.name for p, *_ in results.partners] == ["Kompost Alfa AS", "Kompost Beta AS"]
    assert [hit.id for hit, *_ in results.pilots.items] == [pilot.id]
    assert results.pilots.total == 1 and sum(n for _value, n in results.facets["status"]) == 1
    everyone = queries.search(world.staff_b, "kompost", {}, 1, partner_limit=10).partners
    assert [p.name for p, *_ in everyone][-1] == "Ruter AS"  # a name match beats the description

def test_visibility_drafts_and_non_public_pilots_never_shown_nor_counted(world):
    hidden = factories.make_pilot(world.staff_a, world.district_a, Status.DRAFT,
                                  title="Hemmelig kompostering")
    internal = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING,
                                    title="Intern kompostering", is_public=False)
    public = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING,
                                  title="Åpen kompostering", is_public=True)
    reindex()
    db.session.commit()
    for user, seen in [(None, {public}), (world.staff_b, {public, internal}),
                       (world.coordinator_b, {public, internal}),
                       (world.staff_a, {public, internal, hidden}),
                       (world.admin, {public, internal, hidden})]:
        results = queries.search(user, "kompostering", {}, 1)
        assert {p.id for p, *_ in results.pilots.items} == {p.id for p in seen}
        assert results.pilots.total == len(seen)
        assert sum(n for _, n in results.facets["status"]) == len(seen)
        assert sum(n for _, n in results.facets["district"]) == len(seen)


def test_status_comments_are_searched_for_signed_in_users_only(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.SUBMITTED, is_public=True)
    operations.transition(pilot, "approve", world.coordinator_a,
                          comment="Budsjettet er avklart med bydelsdirektøren")
    db.session.commit()
    assert top(world.staff_b, "bydelsdirektøren") == [pilot.id]
    assert top(None, "bydelsdirektøren") == []


def test_facets_narrow_and_count(corpus, world):
    other = factories.make_pilot(world.staff_b, world.district_b, Status.RUNNING, title="Sensorer i parken",
                                 is_public=True)
    reindex()
    results = queries.search(world.admin, "sensor", {}, 1)
    assert dict(results.facets["district"]) == {world.district_a.id: 2, world.district_b.id: 1}
    narrowed = queries.search(world.admin, "sensor", {"district": world.district_b.id}, 1)
    assert [p.id for p, *_ in narrowed.pilots.items] == [other.id]
    assert dict(narrowed.facets["district"]) == {world.district_a.id: 2, world.district_b.id: 1}
    assert dict(narrowed.facets["verdict"]) == {}


def test_hostile_queries_never_break_the_match_syntax(corpus, world):
    for query in ['"', "AND OR NOT", "skole*", "NEAR(a b)", "a:b", "{title}: x", "'; drop table", "%_",
                  "ø" * 500,
                  "\u200b", "))(("]:
        queries.search(world.admin, query, {}, 1)


# --- the index never drifts -----------------------------------------------------------------


def documents():
    return {(d.kind, d.ref_id): d.title + "\n" + d.body + "\n" + d.internal
            for d in db.session.scalars(sa.select(SearchDocument))}


def assert_fresh():
    """The stored documents equal a rebuild from scratch."""
    db.session.commit()
    before = documents()
    reindex()
    db.session.flush()
    assert documents() == before
    db.session.rollback()


def content(world, theme, title="Kompostering i bakgården", **values):
    return Content({"title": title, "district_id": world.district_a.id, "arena_kind": "physical",
                    "need": "Matavfall hoper seg opp.", "description": "Kompost.", "goals": "Mindre avfall.",
                    "planned_start": date(2026, 1, 1), "planned_end": date(2026, 12, 31),
                    "agency": "Bymiljøetaten",
                    "contact_name": "Kari", "contact_email": "kari@example.org", **values}, [theme], [], [])


def test_every_operation_keeps_the_index_fresh(world):
    theme = admin_operations.create_theme(world.admin, slug="sirk", name_nb="Sirkulærøkonomi",
                                          name_en="Circular economy")
    partner = partner_operations.create_partner(world.admin, {"name": "Ruter AS", "kind": "company"})
    db.session.commit()
    pilot = operations.create_pilot(world.staff_a, content(world, theme))
    assert_fresh()
    assert top(world.staff_a, "matavfall") == [pilot.id]
    operations.update_pilot(pilot, world.staff_a, Content(
        {"title": "Kompostering", "need": "Hageavfall fra parkene.", "is_public": True}, [theme],
        [(partner, "lead")], []),
        pilot.version)
    assert_fresh()
    assert top(world.staff_a, "hageavfall") == [pilot.id] and top(world.staff_a, "matavfall") == []
    assert top(world.staff_a, "ruter") == [pilot.id]
    operations.transition(pilot, "submit", world.staff_a, expected_version=pilot.version)
    operations.transition(pilot, "approve", world.coordinator_a, expected_version=pilot.version)
    operations.transition(pilot, "start", world.staff_a, expected_version=pilot.version)
    assert_fresh()
    assert pilot.id in top(world.staff_b, "pågår") and pilot.id in top(world.staff_b, "running")
    operations.record_outcome(pilot, world.staff_a, {"verdict": "stop", "lessons": "Rottene kom tilbake.",
                                                     "summary": "", "next_steps": ""}, [], pilot.version)
    assert_fresh()
    assert top(world.staff_b, "rotter") == [pilot.id]
    partner_operations.update_partner(world.admin, partner, {"name": "Ruter Kollektivtrafikk AS"},
                                      partner.version)
    assert_fresh()
    assert top(world.staff_b, "kollektivtrafikk") == [pilot.id]
    survivor = partner_operations.create_partner(world.admin, {"name": "Sporveien AS", "kind": "company"})
    db.session.commit()
    partner_operations.merge_partners(world.admin, partner, survivor)
    assert_fresh()
    assert top(world.staff_b, "sporveien") == [pilot.id] and top(world.staff_b, "kollektivtrafikk") == []
    admin_operations.update_district(world.district_a, world.admin, name="Groruddalen testarena",
                                     coordinators=list(world.district_a.coordinators))
    assert_fresh()
    assert top(world.staff_b, "groruddalen") == [pilot.id]
    admin_operations.update_theme(theme, world.admin, name_nb="Gjenbruk", name_en="Reuse")
    assert_fresh()
    assert top(world.staff_b, "gjenbruk") == [pilot.id]
    admin_operations.set_retired(theme, "theme", world.admin, True)
    assert_fresh()


def test_a_rollback_leaves_the_index_unchanged(world):
    theme = factories.make_theme()
    pilot = operations.create_pilot(world.staff_a, content(world, theme))
    db.session.commit()
    before = documents()
    changed = content(world, theme, title="Noe helt annet")
    operations.update_pilot(pilot, world.staff_a, changed, pilot.version)
    assert top(world.staff_a, "annet") == [pilot.id]  # seen inside the transaction
    db.session.rollback()
    assert documents() == before
    assert top(world.staff_a, "annet") == []


def test_reindex_command_rebuilds_with_a_progress_bar(world, runner):
    factories.make_pilot(world.staff_a, world.district_a, title="Bysykkel om vinteren")
    db.session.commit()
    assert documents() == {}
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    assert top(world.admin, "bysykkel")


def test_the_pilot_list_filter_q_uses_the_full_text_search(corpus, client):
    html = client.get("/pilots/?q=driftsorganisasjonen").text
    assert "Chatbot for næringsetaten" in html and "Smart parkering" not in html
    assert "Trygg skolevei" in client.get("/pilots/?q=vegvesen").text


def test_search_page_highlights_escaped_snippets(world, client, login):
    factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                         title="<script>alert(1)</script> Bysykkel", need="Bysykkel <b>om</b> vinteren")
    reindex()
    html = client.get("/search/?q=bysykkel").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<mark>Bysykkel</mark> &lt;b&gt;om&lt;/b&gt;" in html
    for url in ("/search/?q=bysykkel&district=x&year=abcd&status=nope&page=-1", "/search/?q=",
                "/search/", "/search/?q=" + "å" * 5000):
        assert client.get(url).status_code == 200


def test_the_search_s_planner_settings_last_only_for_its_own_statements(corpus, world):
    """PostgreSQL: the search reads the full-text indexes with a plan for each query's own words
    (no sequential scan, no generic plan); the transaction's next statements plan as before."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's planner settings are not changed")
    settings = sa.text("SELECT current_setting('enable_seqscan'), current_setting('plan_cache_mode')")
    before = db.session.execute(settings).one()
    for _ in range(12):  # past psycopg's prepared statements and PostgreSQL's switch to a generic plan
        assert corpus["skole"].id in top(world.admin, "skolene")
        assert queries.similar_pilots(world.admin, "Sensorer ved skolene")
    assert db.session.execute(settings).one() == before


def test_a_word_under_three_letters_is_found_whole_not_as_the_start_of_longer_words(world):
    """"e" finds the word "E", not every word beginning with e (which the engines read in full)."""
    energy = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                                  title="Energi i skolen", need="Elever måler effekt.")
    vitamin = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True,
                                   title="Vitamin E i skolematen", need="Mer frukt.")
    reindex()
    db.session.commit()
    assert top(world.admin, "e", 10) == [vitamin.id]
    assert set(top(world.admin, "skolen i", 10)) == {energy.id, vitamin.id}
    assert str(snippet("Energi og vitamin E", ["e"])) == "Energi og vitamin <mark>E</mark>"
