"""The pilot list reads its filter without building the form (``plain_filter``): the same answers as
``FilterForm.filter()`` for every argument, valid, malformed or hostile."""

from werkzeug.datastructures import MultiDict

from tests import factories
from tracker.db import db
from tracker.pilots.filters import FilterForm, plain_filter

SORTS = {"updated": "Last changed", "title": "Title", "start": "Planned start"}


def queries(world, theme, partner) -> list[dict | list]:
    district = str(world.district_a.id)
    return [
        {}, {"q": "skole"}, {"q": "  skole  "}, {"q": "   "}, {"q": ""}, {"q": "x" * 200}, {"q": "x" * 201},
        {"q": " " + "x" * 199},
        {"district": district}, {"district": f" {district}"}, {"district": f"0{district}"},
        {"district": "+1"}, {"district": "abc"}, {"district": "987654"}, {"district": "9" * 40},
        {"district": ""}, {"theme": str(theme.id)}, {"theme": "１"}, {"theme": str(theme.id + 1000)},
        {"status": "running"}, {"status": "draft"}, {"status": "Running"}, {"status": "flying"},
        {"arena": "digital"}, {"arena": "x"}, {"kind": "physical"}, {"kind": "physical", "arena": "digital"},
        {"kind": "physical", "arena": ""}, {"kind": "x"},
        {"year": "2025"}, {"year": " 2025 "}, {"year": "+2025"}, {"year": "2_025"}, {"year": "２０２５"},
        {"year": "1800"}, {"year": "99999"}, {"year": "x"}, {"year": ""}, {"year": "   "},
        {"partner": "Ruter"}, {"partner": f" {partner.id} "}, {"partner": str(partner.id)},
        {"partner": "987654"},         {"partner": "p" * 201}, {"partner": "  "},
        {"sort": "title"}, {"sort": "start"}, {"sort": "planned_end"}, {"sort": "x"}, {"sort": ""},
        [("status", "running"), ("status", "flying")], [("status", "flying"), ("status", "running")],
        {"q": "<b>", "district": district, "status": "completed", "theme": str(theme.id), "arena": "digital",
         "partner": "Ruter", "year": "2026", "sort": "title"},
    ]


def test_the_lists_plain_filter_reads_every_argument_as_the_form_does(app, world):
    theme = factories.make_theme()
    partner = factories.make_partner("Ruter AS")
    db.session.commit()
    districts = [world.district_a, world.district_b]
    for args in queries(world, theme, partner):
        args = MultiDict(args)
        with app.test_request_context("/pilots/"):
            form = FilterForm(args, themes=[theme], districts=districts, sorts=list(SORTS.items()))
            expected = form.filter()
            assert plain_filter(args, {d.id for d in districts}, {theme.id}, SORTS) == expected, args
