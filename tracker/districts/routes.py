"""District pages: the city overview, one district's portfolio, and their CSV/XLSX exports.

Readable by anonymous visitors (then only the public register counts, and no funding figures: like
the pilot page, funding is internal); every figure and list is restricted by
``visible_filter(current_user)``. Read-only: no form here changes state.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker.db import utcnow
from tracker.districts import (
    attention,
    cache,
    charts,
    exports,
    glance,
    overview_html,
    prepared,
    queries,
    shown,
    workbook,
)
from tracker.formatting import fmt_nok
from tracker.labels import label
from tracker.paging import page_number
from tracker.pilots import queries as pilot_queries
from tracker.pilots.filters import FilterForm, PilotFilter
from tracker.pilots.models import Pilot, Verdict
from tracker.pilots.permissions import visible_filter
from tracker.pilots.workflow import PUBLIC_STATUSES, Status

bp = Blueprint("districts", __name__, url_prefix="/districts")

VERDICTS = [str(v) for v in Verdict]
OVERVIEW_FILTERS = ("q", "theme", "arena", "year")
FORMATS = "any(csv, xlsx)"
TOP_PARTNERS = 10
SUGGESTIONS = 20


def _locale() -> str:
    return str(get_locale() or "nb")


def _signed_in() -> bool:
    """Signed-in viewers also see the internal figures: funding and needs attention."""
    return bool(current_user.is_authenticated)


def _statuses() -> list[str]:
    """The statuses the viewer's pilots can have, in workflow order: the public register never
    holds a draft, a proposal, a rejected or a withdrawn pilot, so it offers no such counts."""
    return [str(s) for s in Status if _signed_in() or s in PUBLIC_STATUSES]


def _district(slug: str) -> sa.Row:
    return queries.district(slug) or abort(404)


def _export_links(endpoint: str, pilot_filter: PilotFilter, **view_args) -> dict[str, str]:
    """Download links that carry the current filters (not the page number)."""
    args = pilot_filter.as_args()
    return {
        "csv": url_for(endpoint, fmt="csv", **view_args, **args),
        "csv_semicolon": url_for(endpoint, fmt="csv", sep="semicolon", **view_args, **args),
        "xlsx": url_for(endpoint, fmt="xlsx", **view_args, **args),
    }


def _district_filters():
    """The filter form and its valid values (the district is fixed by the URL)."""
    form = FilterForm(request.args, themes=queries.themes(), locale=_locale(), statuses=_statuses())
    return form, form.filter().without("district")


def _overview_filters():
    form = FilterForm(request.args, themes=queries.themes(), locale=_locale())
    return form, form.filter().only(*OVERVIEW_FILTERS)


@bp.route("/")
def index():
    return render_template("districts/index.html", body=cache.cached_section("index", _index_body))


def _overview():
    """The overview's filter form, the filter, its figures, and its rows and total row for the viewer."""
    form, pilot_filter = _overview_filters()
    where = pilot_filter.conditions(visible_filter(current_user))
    counts = attention.counts(sa.and_(*where)) if _signed_in() else {}
    viewer = current_user._get_current_object()  # asked often below: not through the proxy
    figures = queries.overview_figures(viewer, where, bool(pilot_filter), with_funding=_signed_in())
    rows, total = queries.overview(figures, counts, _statuses())
    return form, pilot_filter, figures, rows, total


def _index_body() -> str:
    form, pilot_filter, figures, rows, total = _overview()
    funding = figures.funding
    texts = shown.overview_texts(_statuses(), VERDICTS)
    markup = overview_html.build(rows, total, _statuses(), VERDICTS, funding, texts,
                                 shown.district_links(rows), internal=_signed_in())
    return render_template(
        "districts/_index_body.html", form=form, total=total, statuses=_statuses(), verdicts=VERDICTS,
        internal=_signed_in(), scope=glance.scope_text(current_user),
        active_filters=glance.active_filters(form, pilot_filter), markup=markup,
        exports=_export_links("districts.overview_export", pilot_filter), texts=texts,
        total_funding=fmt_nok(total.funding),
    )


@bp.route(f"/export.<{FORMATS}:fmt>")
def overview_export(fmt: str):
    form, pilot_filter, _figures, rows, total = _overview()
    header = exports.overview_header(_statuses(), VERDICTS, internal=_signed_in())
    data = exports.overview_rows(rows, total, _statuses(), VERDICTS, internal=_signed_in())
    basename = f"districts-{date.today().isoformat()}"
    if fmt == "csv":
        return exports.csv_download(header, data, basename, _separator())
    amounts = {len(header) - 2} if _signed_in() else set()
    money = [[workbook.Nok(v) if i in amounts else v for i, v in enumerate(row)] for row in data]
    overview = workbook.Sheet(_("Districts"), header, money)
    where = pilot_filter.conditions(visible_filter(current_user))
    return _workbook(_("City overview"), [overview], where, pilot_filter, form, basename)


def _progress(where: list) -> dict | None:
    """The latest progress report of each exported pilot, for signed-in users (internal)."""
    return pilot_queries.latest_progress(sa.select(Pilot.id).where(*where)) if _signed_in() else None


def _workbook(what: str, first: list, where: list, pilot_filter: PilotFilter, form, basename: str):
    """The analyst's XLSX of the pilots matching ``where``, after the ``first`` sheets."""
    pilots = queries.export_pilots(where, pilot_filter.order)
    sheets = [*first, *workbook.pilot_sheets(pilots, where, _locale(), internal=_signed_in(),
                                             progress=_progress(where))]
    viewer = (f"{current_user.name} ({label('role', current_user.role)})" if _signed_in()
              else _("Not signed in: the public register"))
    readme = workbook.readme_sheet(what, glance.scope_text(current_user),
                                   glance.active_filters(form, pilot_filter), viewer, sheets)
    return workbook.download([*sheets, readme], basename)


@bp.route("/<slug>")
def show(slug: str):
    # Keyed by slug: a cache hit needs no query for the district (an unknown slug raises 404
    # inside, so it is never cached).
    title, body = cache.cached_section(f"show:{slug}", lambda: _show_page(slug))
    return render_template("districts/show.html", title=title, body=body)


def _show_page(slug: str) -> tuple[str, str]:
    district = _district(slug)
    return district.name, _show_body(district)


def _show_body(district: sa.Row) -> str:
    visible = visible_filter(current_user)
    viewer = current_user._get_current_object()
    form, pilot_filter = _district_filters()
    where = prepared.Where(pilot_filter.conditions(visible, [district.id]))
    # Unfiltered (the pipeline: but for the status), the figures come from the kept summaries: at
    # city scale, counting a district's pilots each time costs more than the rest of the page.
    if not pilot_filter.without("status"):
        pipeline, verdicts = queries.district_figures(viewer, visible, district.id, _statuses())
    else:  # the same conditions as the list's unless a status is chosen (a Where keys them once)
        unchosen = (where if not pilot_filter.status
                    else prepared.Where(pilot_filter.without("status").conditions(visible, [district.id])))
        pipeline = queries.status_counts(unchosen, _statuses())
    if pilot_filter:
        verdicts = queries.verdict_counts(where)
    bars, bars_height = charts.bars(pipeline, {s: label("status", s) for s in pipeline})
    # ``pipeline`` counts every status the viewer's pilots can have, with the other filters.
    total = queries.per_status_total(pipeline, pipeline, pilot_filter.status)
    page = queries.pilot_page(where, pilot_filter, page_number(request.args), current_app.config["PAGE_SIZE"],
                              total)
    timeline = charts.timeline(queries.timeline(where), utcnow().date())
    timeline_bars, timeline_rows = shown.timeline_html(timeline.rows)
    running_total = queries.per_status_total(pipeline, queries.TIMELINE_STATUSES, pilot_filter.status)
    needs_attention = attention.items(visible, [district.id]) if _signed_in() else None
    # The latest progress of the listed pilots: internal, like needs attention (one query).
    ids = [row[0] for row in page.items]
    progress = pilot_queries.latest_progress(ids) if _signed_in() else None
    list_rows = shown.list_html(page.items, queries.theme_names(ids, _locale()), progress)
    kept = None if pilot_filter else queries.kept_partners(viewer, visible, district.id, TOP_PARTNERS)
    partners, kinds = kept or queries.partners(where, TOP_PARTNERS)
    funding = None
    if _signed_in():
        kept = None if pilot_filter else queries.kept_funding(viewer, district.id)
        funding = kept or queries.funding(where, pilot_filter)
    return render_template(
        "districts/_show_body.html", district=district, form=form, filtered=bool(pilot_filter), page=page,
        scope=glance.scope_text(current_user), active_filters=glance.active_filters(form, pilot_filter),
        pipeline=pipeline, bars=bars, bars_height=bars_height, chart_width=charts.CHART_WIDTH,
        list_rows=list_rows, timeline=timeline, timeline_bars=timeline_bars, timeline_rows=timeline_rows,
        timeline_total=running_total,
        verdicts=verdicts, lessons=queries.latest_lessons(where),
        partners=partners, kinds=kinds,
        funding=funding,
        funding_status=pilot_filter.status, needs_attention=needs_attention, progress=progress,
        locale=_locale(), pilot_url=shown.pilot_link(),
        partner_url=shown.id_link("partners.show", "partner_id"),
        exports=_export_links("districts.export", pilot_filter, slug=district.slug),
        page_url=lambda n: url_for("districts.show", slug=district.slug, **pilot_filter.as_args(), page=n,
                                   _anchor="results"),
    )


@bp.route(f"/<slug>/export.<{FORMATS}:fmt>")
def export(slug: str, fmt: str):
    district = _district(slug)
    form, pilot_filter = _district_filters()
    where = pilot_filter.conditions(visible_filter(current_user), [district.id])
    basename = f"{district.slug}-{date.today().isoformat()}"
    if fmt == "xlsx":
        what = _("Pilots in %(district)s", district=district.name)
        return _workbook(what, [], where, pilot_filter, form, basename)
    pilots = queries.export_pilots(where, pilot_filter.order)
    rows = exports.pilot_rows(pilots, _locale(), internal=_signed_in(), progress=_progress(where))
    return exports.csv_download(exports.pilot_header(internal=_signed_in()), rows, basename, _separator())


@bp.route("/<slug>/partners.json")
def partner_suggestions(slug: str):
    """Names of the district's partners (of pilots the viewer may see) containing ``?q=``: the
    suggestions the partner filter's script offers as you type (without a script, the box
    simply filters by the typed name)."""
    district = _district(slug)
    text = request.args.get("q", "").strip()[:200]
    where = [visible_filter(current_user), Pilot.district_id == district.id]
    return jsonify(queries.partner_names(where, text, SUGGESTIONS) if text else [])


def _separator() -> str:
    return ";" if request.args.get("sep") == "semicolon" else ","
