"""Read-side queries for pilot pages, the list and My work: eager-loaded, a bounded number per page."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker import locking
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.districts import summaries
from tracker.districts.models import District
from tracker.paging import Page, paginate
from tracker.pilots import permissions
from tracker.pilots.filters import PilotFilter
from tracker.pilots.models import (
    FundingLine,
    Outcome,
    Pilot,
    PilotPartner,
    ProgressReport,
    StatusEvent,
    Theme,
    pilot_themes,
)
from tracker.pilots.workflow import Action, Status


def load_pilot(pilot_id: int, full: bool = False) -> Pilot | None:
    """One pilot with what its forms and actions read (``full``: funding, outcome, KPIs, progress,
    status events and partner links too). The pilot page reads its lists as rows: ``page.py``."""
    options = [joinedload(Pilot.district), joinedload(Pilot.owner), selectinload(Pilot.themes)]
    if full:
        # The outcome (one or none) joins the pilot's row. Themes do not: SQLite materialises the
        # nested join of pilot_themes and themes, scanning every theme link (32 ms at 20,000 pilots).
        options += [
            joinedload(Pilot.outcome).options(selectinload(Outcome.kpis), joinedload(Outcome.recorded_by)),
            selectinload(Pilot.funding).joinedload(FundingLine.partner),
            selectinload(Pilot.kpi_plan),
            selectinload(Pilot.progress_reports).options(joinedload(ProgressReport.author),
                                                         selectinload(ProgressReport.values)),
        ]
        options += [selectinload(Pilot.partner_links).joinedload(PilotPartner.partner),
                    selectinload(Pilot.events).joinedload(StatusEvent.actor)]
    return db.session.scalars(sa.select(Pilot).where(Pilot.id == pilot_id).options(*options)).first()


def last_change(pilot_id: int) -> AuditEntry | None:
    """The most recent audit entry of a pilot (who changed it last, and when)."""
    return locking.last_change("pilot", pilot_id)


# The pilot list's statements: plain rows of the shown columns, not whole pilots (loading 50 ORM
# pilots with their districts and themes cost more than the queries), the fixed ones built once
# (building and keying a statement costs SQLAlchemy more than SQLite running it).
LIST_COLUMNS = (Pilot.id, Pilot.title, Pilot.district_id, Pilot.status, Pilot.arena_kind)
_district, _theme = District.__table__.c, Theme.__table__.c
_DISTRICTS = sa.select(_district.id, _district.name).order_by(_district.name)
_THEMES = sa.select(_theme.id, _theme.name_nb, _theme.name_en).order_by(_theme.name_nb)
_THEMES_OF = sa.select(pilot_themes.c.pilot_id, pilot_themes.c.theme_id).where(
    pilot_themes.c.pilot_id.in_(sa.bindparam("ids", expanding=True)))


def list_choices(locale: str) -> tuple[list[sa.Row], list[tuple[int, str]]]:
    """The list filter's districts (``(id, name)`` rows, by name) and themes (``(id, name in
    locale)``, in ``Pilot.themes``' order: by Norwegian name, as ``all_themes``)."""
    conn = db.session.connection()
    english = str(locale).startswith("en")
    themes = [(ident, name_en if english else name_nb) for ident, name_nb, name_en in conn.execute(_THEMES)]
    return conn.execute(_DISTRICTS).all(), themes


def theme_names(pilot_ids: list[int], themes: list[tuple[int, str]]) -> dict[int, str]:
    """``{pilot id: "theme, theme"}`` named and ordered as ``themes`` (``list_choices``): one query of
    the links alone, none without pilots."""
    if not pilot_ids:
        return {}
    order = {ident: (n, name) for n, (ident, name) in enumerate(themes)}
    found = defaultdict(list)
    for pilot_id, theme_id in db.session.connection().execute(_THEMES_OF, {"ids": pilot_ids}):
        if theme_id in order:  # else a theme added between the two queries: shown on the next visit
            found[pilot_id].append(order[theme_id])
    return {pilot_id: ", ".join(name for _n, name in sorted(of)) for pilot_id, of in found.items()}


def pilot_page(user, pilot_filter: PilotFilter, page: int) -> Page:
    """One page of the pilots ``user`` may see, in ``pilot_filter.sort`` order: tuples of
    ``LIST_COLUMNS``."""
    visible = permissions.visible_filter(user)
    signed_in = getattr(user, "is_authenticated", False) and user.is_active
    return paginate(sa.select(*LIST_COLUMNS).where(*pilot_filter.conditions(visible))
                    .order_by(*pilot_filter.order), page, rows=True,
                    total=None if pilot_filter or not signed_in else summaries.total(user, visible))


def all_themes() -> list[Theme]:
    return db.session.scalars(sa.select(Theme).order_by(Theme.name_nb)).all()


def my_pilots(user) -> list[Pilot]:
    """Pilots ``user`` owns, most recently changed first."""
    return db.session.scalars(
        sa.select(Pilot).where(Pilot.owner_id == user.id).options(joinedload(Pilot.district))
        .order_by(Pilot.updated_at.desc(), Pilot.id.desc())
    ).all()


def sent_back(pilots: list[Pilot]) -> dict[int, StatusEvent]:
    """For drafts the coordinator returned and proposals they rejected: that event (with its
    comment and actor), so the owner sees why without opening the pilot. One query."""
    ids = [p.id for p in pilots if p.status in (Status.DRAFT, Status.REJECTED)]
    if not ids:
        return {}
    latest = (sa.select(sa.func.max(StatusEvent.id)).where(StatusEvent.pilot_id.in_(ids))
              .group_by(StatusEvent.pilot_id).scalar_subquery())
    events = db.session.scalars(
        sa.select(StatusEvent)
        .where(StatusEvent.id.in_(latest), StatusEvent.action.in_((Action.RETURN, Action.REJECT)))
        .options(joinedload(StatusEvent.actor))
    ).all()
    return {e.pilot_id: e for e in events}


def review_queue(user) -> list[Pilot]:
    """Submitted proposals of the districts ``user`` coordinates (all for admin), oldest first;
    never their own (nobody reviews their own proposal)."""
    if not (user.is_admin or user.district_ids):
        return []
    stmt = (sa.select(Pilot).where(Pilot.status == Status.SUBMITTED, Pilot.owner_id != user.id)
            .options(joinedload(Pilot.district), joinedload(Pilot.owner))
            .order_by(Pilot.status_changed_at.asc(), Pilot.id.asc()))
    if not user.is_admin:
        stmt = stmt.where(Pilot.district_id.in_(user.district_ids))
    return db.session.scalars(stmt).all()


def latest_progress(pilot_ids) -> dict[int, tuple[str, object]]:
    """``{pilot id: (state, report date)}`` of the newest progress report of each of ``pilot_ids``
    (a list or a SELECT of ids) that has one: one query, through the reports' covering index."""
    if isinstance(pilot_ids, list | tuple):  # a page's ids: the statement is built once per process
        rows = db.session.execute(_newest_reports_of_listed(), {"pilot_ids": list(pilot_ids)})
    else:
        rows = db.session.execute(_newest_reports(pilot_ids))
    return {pilot_id: (state, day) for pilot_id, state, day in rows}


def _newest_reports(pilot_ids):
    newest = sa.func.row_number().over(partition_by=ProgressReport.pilot_id,
                                       order_by=(ProgressReport.report_date.desc(), ProgressReport.id.desc()))
    ranked = (sa.select(ProgressReport.pilot_id, ProgressReport.state, ProgressReport.report_date,
                        newest.label("n"))
              .where(ProgressReport.pilot_id.in_(pilot_ids)).subquery())
    return sa.select(ranked.c.pilot_id, ranked.c.state, ranked.c.report_date).where(ranked.c.n == 1)


@cache
def _newest_reports_of_listed():
    return _newest_reports(sa.bindparam("pilot_ids", expanding=True))
