"""The lessons library: what the city learnt from every evaluated pilot, across districts.

Filters are the pilot filter's (``q`` searches the full text, see ``tracker/search``) plus the
verdict; the same list downloads as CSV or XLSX with the district exports' helpers.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField

from tracker.db import db
from tracker.districts import exports, workbook
from tracker.districts import queries as district_queries
from tracker.districts.models import District
from tracker.i18n import current_language
from tracker.labels import choices, label
from tracker.lessons import queries
from tracker.links import absolute_url
from tracker.paging import page_number
from tracker.pilots.filters import FilterForm, InChoices
from tracker.pilots.permissions import visible_filter
from tracker.search.text import query_terms, snippet

bp = Blueprint("lessons", __name__, url_prefix="/lessons")
FILTERS = ("q", "district", "theme", "arena", "partner", "partner_name", "year")


class LessonFilterForm(FilterForm):
    """The pilot filter plus the verdict."""

    verdict = SelectField(_l("Verdict"), validate_choice=False, validators=[InChoices()])

    def __init__(self, formdata, **kwargs):
        super().__init__(formdata, **kwargs)
        self.verdict.choices = [("", _l("All")), *choices("verdict")]


def _filters():
    form = LessonFilterForm(request.args, themes=district_queries.themes(), locale=current_language(),
                            districts=db.session.scalars(sa.select(District).order_by(District.name)).all())
    pilot_filter = form.filter().only(*FILTERS)
    verdict = form.verdict.data if form.verdict.data and not form.verdict.errors else None
    args = {**pilot_filter.as_args(), **({"verdict": verdict} if verdict else {})}
    args.pop("sort", None)
    return form, pilot_filter.conditions(visible_filter(current_user)), verdict, args


def _kpis(outcome) -> str:
    return "; ".join(f"{k.name}: {_number(k.baseline)} → {_number(k.target)} → {_number(k.actual)}"
                     f"{' ' + k.unit if k.unit else ''}" for k in outcome.kpis)


def _number(value) -> str:
    return "–" if value is None else f"{value:g}"


@bp.get("/")
def index():
    form, where, verdict, args = _filters()
    page = queries.lesson_page(where, verdict, page_number(request.args))
    terms = query_terms(form.q.data or "")
    return render_template(
        "lessons/index.html", form=form, page=page, kpis=_kpis, filtered=bool(args),
        excerpt=lambda text: snippet(text, terms, width=600) if terms else text,
        page_url=lambda n: url_for("lessons.index", **args, page=n),
        exports={"csv": url_for("lessons.export", fmt="csv", **args),
                 "csv_semicolon": url_for("lessons.export", fmt="csv", sep="semicolon", **args),
                 "xlsx": url_for("lessons.export", fmt="xlsx", **args)})


@bp.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str):
    _form, where, verdict, _args = _filters()
    locale = current_language()
    header = [_("ID"), _("Title"), _("District"), _("Themes"), _("Verdict"), _("Summary"),
              _("Lessons learned"), _("Next steps"), _("Key performance indicators"), _("Recorded"),
              _("Link")]
    rows = [[p.id, p.title, p.district.name, ", ".join(t.name(locale) for t in p.themes),
             label("verdict", p.outcome.verdict), p.outcome.summary, p.outcome.lessons, p.outcome.next_steps,
             _kpis(p.outcome), p.outcome.recorded_at,
             exports.Link(absolute_url("pilots.show", pilot_id=p.id))]
            for p in queries.all_lessons(where, verdict)]
    sep = ";" if request.args.get("sep") == "semicolon" else ","
    basename = f"lessons-{date.today().isoformat()}"
    if fmt == "xlsx":
        return workbook.download([workbook.Sheet(_("Lessons learned"), header, rows)], basename)
    return exports.csv_download(header, rows, basename, sep)
