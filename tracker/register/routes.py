"""The public register: its pages, open data (CSV, JSON, DCAT-AP-NO), feeds, sitemap and robots.txt,
and the network of cities (other cities' pilots; following a district, for administrators).

Everything here shows what an anonymous visitor may see, whoever asks (``queries.public``), in
the one public representation (``public.record``). Read-only, except following and unfollowing
other installations' districts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from tracker.db import db
from tracker.guards import parse_id
from tracker.i18n import current_language
from tracker.links import absolute_url
from tracker.paging import page_number
from tracker.pilots.filters import FilterForm
from tracker.pilots.queries import all_themes
from tracker.pilots.workflow import PUBLIC_STATUSES
from tracker.register import catalog, feeds, operations, permissions, public, queries
from tracker.register.forms import FollowForm
from tracker.register.models import NetworkSource

bp = Blueprint("register", __name__, url_prefix="/register")
STATUSES = [str(s) for s in PUBLIC_STATUSES]


@bp.context_processor
def _helpers():
    return {"absolute_url": absolute_url}


def _filter_form() -> FilterForm:
    """The one pilot filter over the public statuses; ``district`` may also be a district's slug
    (the network follows a district by its address)."""
    args = MultiDict(request.args)
    slug = args.get("district", "")
    if slug and parse_id(slug) is None and (district := queries.district_by_slug(slug[:60])) is not None:
        args["district"] = str(district.id)
    return FilterForm(args, themes=all_themes(), districts=queries.districts(retired=True),
                      locale=current_language(), statuses=STATUSES)


def _where(form: FilterForm) -> list:
    """The open data's filter; a district that does not exist is a 404 (never the whole register:
    another installation asks for one district's pilots)."""
    if request.args.get("district") and form.filter().district is None:
        abort(404)
    return form.filter().conditions(queries.public())


@bp.route("/")
def index():
    form = _filter_form()
    pilot_filter = form.filter()
    page = queries.page(pilot_filter.conditions(queries.public()), pilot_filter.order,
                        page_number(request.args), current_app.config["PAGE_SIZE"])
    if page.requested > page.page:
        return redirect(url_for("register.index", **pilot_filter.as_args(), page=page.page))
    return render_template("register/index.html", form=form, page=page, filtered=bool(pilot_filter),
                           page_url=lambda n: url_for("register.index", **pilot_filter.as_args(), page=n),
                           data_args=pilot_filter.as_args())


@bp.route("/<int:pilot_id>")
def show(pilot_id: int):
    pilot = queries.one(pilot_id) or abort(404)
    attachments = queries.public_attachments([pilot.id])
    rec = public.record(pilot, attachments)
    history = [(step["status"], date.fromisoformat(step["date"])) for step in rec["status_history"]]
    return render_template("register/show.html", pilot=pilot, rec=rec, history=history,
                           content=public.CONTENT, outcome=public.OUTCOME, funding=public.FUNDING,
                           dates=public.DATES, evaluated=public.evaluated(pilot))


@bp.route("/data")
def data():
    """What the open data holds: the files, their columns, licence and feeds."""
    return render_template("register/data.html", columns=public.COLUMNS, licence=catalog.licence(),
                           districts=queries.districts())


def _streamed(produce) -> Iterator[str]:
    """``produce()`` run while the response is sent, in this request's context: the rows are read
    from the database batch by batch as they go out."""
    return stream_with_context(produce())


def _download(produce, mimetype: str, name: str) -> Response:
    response = Response(_streamed(produce), mimetype=mimetype)
    response.headers["Content-Disposition"] = f"inline; filename={name}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@bp.route("/pilots.csv")
def pilots_csv():
    """The whole public register (or the filtered part) as CSV, streamed batch by batch."""
    where = _where(_filter_form())

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(public.HEADER)
        for batch, attachments in queries.csv_batches(where):
            writer.writerows(public.csv_rows(batch, attachments))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return _download(rows, "text/csv", "pilots.csv")


@bp.route("/pilots.json")
def pilots_json():
    """The whole public register (or the filtered part) as JSON, streamed batch by batch."""
    where = _where(_filter_form())

    def chunks():
        head = {"register": absolute_url("register.index"), "licence": catalog.licence()["url"],
                "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "documentation": absolute_url("register.data")}
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "pilots": ['
        first = True
        for batch, attachments in queries.batches(where):
            parts = [json.dumps(public.record(p, attachments), ensure_ascii=False) for p in batch]
            yield ("\n" if first else ",\n") + ",\n".join(parts)
            first = False
        yield "]}\n"

    return _download(chunks, "application/json", "pilots.json")


@bp.route("/catalog.jsonld")
def catalog_jsonld():
    return Response(json.dumps(catalog.dcat(queries.districts()), ensure_ascii=False, indent=1),
                    mimetype="application/ld+json", headers={"Access-Control-Allow-Origin": "*"})


@bp.route("/feed.atom")
def feed():
    return Response(feeds.atom(None), mimetype="application/atom+xml")


@bp.route("/districts/<slug>/feed.atom")
def district_feed(slug: str):
    district = queries.district_by_slug(slug) or abort(404)
    return Response(feeds.atom(district), mimetype="application/atom+xml")


def sitemap():
    """Every public page: the register, the districts, each public pilot."""
    def urls():
        yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
        for endpoint in ("register.index", "register.data", "districts.index"):
            yield f"<url><loc>{absolute_url(endpoint)}</loc></url>\n"
        for district in queries.districts():
            yield f"<url><loc>{absolute_url('districts.show', slug=district.slug)}</loc></url>\n"
        for pilot_id, updated in queries.sitemap_pilots():
            yield (f"<url><loc>{absolute_url('register.show', pilot_id=pilot_id)}</loc>"
                   f"<lastmod>{updated.date().isoformat()}</lastmod></url>\n")
        yield "</urlset>\n"

    return Response(_streamed(urls), mimetype="application/xml")


def robots():
    """Crawlers: the public pages; not the signed-in parts."""
    lines = ["User-agent: *", "Allow: /register/", "Allow: /districts/",
             *(f"Disallow: {path}" for path in ("/login", "/account", "/admin/", "/partners/", "/files/",
                                                "/pilots/new")),
             f"Sitemap: {absolute_url('register.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


# Site-wide files live at the root, but belong to the register (endpoints register.sitemap/robots).
bp.record_once(lambda state: (state.app.add_url_rule("/sitemap.xml", "register.sitemap", sitemap),
                              state.app.add_url_rule("/robots.txt", "register.robots", robots)))


# --- the network of cities -------------------------------------------------------------------

@bp.route("/network/")
def network():
    """Other cities' pilots: read-only copies of the districts this installation follows."""
    page = queries.network_page(page_number(request.args), current_app.config["PAGE_SIZE"])
    return render_template("register/network.html", page=page, sources=queries.network_sources())


@bp.route("/network/sources", methods=["GET", "POST"])
@login_required
def sources():
    """Administrators follow a district of another installation by the address of its page."""
    if not permissions.can_follow(current_user):
        abort(403)
    form = FollowForm()
    if form.validate_on_submit():
        source = operations.follow(current_user, form.url.data, form.name.data)
        if source is None:
            form.url.errors.append(_("This district is followed already."))
        else:
            db.session.commit()
            flash(_("Following %(name)s. Run “flask network pull” to fetch its pilots.", name=source.name),
                  "success")
            return redirect(url_for("register.sources"))
    return render_template("register/sources.html", form=form, sources=queries.network_sources()), \
        400 if form.errors else 200


@bp.route("/network/sources/<int:source_id>/unfollow", methods=["POST"])
@login_required
def unfollow(source_id: int):
    if not permissions.can_follow(current_user):
        abort(403)
    source = db.session.get(NetworkSource, source_id) or abort(404)
    operations.unfollow(current_user, source)
    db.session.commit()
    flash(_("No longer following %(name)s; its pilots are removed.", name=source.name), "success")
    return redirect(url_for("register.sources"))
