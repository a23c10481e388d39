"""The one search: ``/search/?q=…`` with facets in the URL, pilots ranked and paged, partners."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from tracker.db import db
from tracker.districts.models import District
from tracker.guards import parse_id
from tracker.i18n import current_language
from tracker.labels import label
from tracker.paging import page_number
from tracker.pilots.models import ArenaKind, Theme, Verdict
from tracker.pilots.workflow import Status
from tracker.search import queries
from tracker.search.text import snippet

bp = Blueprint("search", __name__, url_prefix="/search")
MAX_QUERY = 200
ENUMS = {"status": Status, "arena": ArenaKind, "verdict": Verdict}


def chosen_facets(args) -> dict:
    """The facet values in the URL that are valid (anything else is ignored, never a 500)."""
    chosen = {}
    for name in ("district", "theme"):
        if (ident := parse_id(args.get(name, ""))) is not None:
            chosen[name] = ident
    for name, enum in ENUMS.items():
        if args.get(name) in {str(v) for v in enum}:
            chosen[name] = args[name]
    year = args.get("year", "")
    if year.isascii() and year.isdigit() and len(year) == 4:
        chosen["year"] = int(year)
    return chosen


def _facet_labels(results) -> dict:
    """Each facet value's label; districts and themes looked up once for the values shown."""
    ids = {n: [v for v, _ in results.facets.get(n, [])] for n in ("district", "theme")}
    districts = {d.id: d.name
                 for d in db.session.scalars(sa.select(District).where(District.id.in_(ids["district"])))}
    themes = {t.id: t.name(current_language())
              for t in db.session.scalars(sa.select(Theme).where(Theme.id.in_(ids["theme"])))}
    return {"district": districts.get, "theme": themes.get, "year": str,
            "status": lambda v: label("status", v), "arena": lambda v: label("arena_kind", v),
            "verdict": lambda v: label("verdict", v)}


@bp.app_template_global("similar_pilots")
def similar_pilots(title: str, need: str, theme_ids=(), exclude: int | None = None) -> list:
    """Up to five pilots the current user may open that resemble a proposal (its title, need and
    themes): what the proposal form and the reviewer's screen show."""
    ids = [i for i in (parse_id(str(t)) for t in (theme_ids or ())[:50]) if i is not None]
    themes = db.session.scalars(sa.select(Theme).where(Theme.id.in_(ids))).all() if ids else []
    text = " ".join([title or "", need or "", *(f"{t.name_nb} {t.name_en}" for t in themes)])
    return queries.similar_pilots(current_user, text[:2000], exclude=exclude)


@bp.get("/similar")
def similar():
    """The similar-pilots list alone (HTML), for the proposal form's script as the user types."""
    args = request.args
    pilots = similar_pilots(args.get("title", "")[:200], args.get("need", "")[:2000], args.getlist("themes"),
                            parse_id(args.get("exclude", "")))
    return render_template("search/_similar_list.html", similar=pilots)


@bp.get("/")
def index():
    query = request.args.get("q", "")[:MAX_QUERY].strip()
    chosen = chosen_facets(request.args)
    results = queries.search(current_user, query, chosen, page_number(request.args))

    def link(**changes) -> str:
        """This search with some facets changed (None: removed); back to the first page."""
        args = {"q": query, **chosen, **changes}
        return url_for("search.index", **{k: v for k, v in args.items() if v not in (None, "")})

    def page_url(n: int) -> str:
        return url_for("search.index", q=query, page=n, **chosen)

    def excerpt(body: str, internal: str = "") -> object:
        text = body + ("\n" + internal if internal and current_user.is_authenticated else "")
        return snippet(text, results.terms)

    return render_template("search/index.html", query=query, chosen=chosen, results=results, link=link,
                           page_url=page_url, excerpt=excerpt, facet_labels=_facet_labels(results),
                           facet_names=queries.FACETS)
