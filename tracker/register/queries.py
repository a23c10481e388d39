"""Reading the public register: which pilots are public, one page, one pilot, and the whole
register in batches (flat memory for the CSV, JSON, sitemap at any size)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import joinedload, selectinload

from tracker.db import db
from tracker.districts.models import District
from tracker.files.models import Attachment
from tracker.paging import paginate
from tracker.partners.models import Partner
from tracker.pilots.models import FundingLine, Outcome, Pilot, PilotPartner, StatusEvent, Theme, pilot_themes
from tracker.pilots.permissions import visible_filter
from tracker.pilots.workflow import PUBLIC_STATUSES
from tracker.register.models import NetworkPilot, NetworkSource
from tracker.register.public import CONTENT, HEADER, LIST_SEPARATOR, OUTCOME

BATCH = 500


def public():
    """The register's rule as SQL: what an anonymous visitor may see (public, from approval on)."""
    return visible_filter(None)


def _loaded():
    """Everything :func:`tracker.register.public.record` reads, in a fixed number of queries."""
    return (joinedload(Pilot.district), selectinload(Pilot.themes),
            selectinload(Pilot.partner_links).joinedload(PilotPartner.partner),
            selectinload(Pilot.events), selectinload(Pilot.outcome), selectinload(Pilot.funding))


def page(where: list, order, number: int, per_page: int):
    stmt = (sa.select(Pilot).where(*where).order_by(*order)
            .options(joinedload(Pilot.district), selectinload(Pilot.themes)))
    return paginate(stmt, number, per_page)


def one(pilot_id: int) -> Pilot | None:
    return db.session.scalar(sa.select(Pilot).where(Pilot.id == pilot_id, public()).options(*_loaded()))


def public_attachments(pilot_ids) -> dict[int, list[Attachment]]:
    """Pilot id -> its public, not deleted attachments, oldest first (one query plus versions)."""
    rows = db.session.scalars(
        sa.select(Attachment).where(Attachment.pilot_id.in_(list(pilot_ids)), Attachment.is_public.is_(True),
                                    Attachment.deleted_at.is_(None))
        .order_by(Attachment.created_at, Attachment.id).options(selectinload(Attachment.versions)))
    found = defaultdict(list)
    for a in rows:
        found[a.pilot_id].append(a)
    return found


def _grouped(stmt) -> dict[int, list]:
    """Rows of ``stmt`` (its first column a pilot id) grouped by pilot, in the statement's order."""
    found = defaultdict(list)
    for row in db.session.execute(stmt):
        found[row[0]].append(row)
    return found


def _views(rows) -> list[SimpleNamespace]:
    """Plain read-only views of a batch of pilots (no ORM objects: the exports' cost is the rows),
    with the attributes ``public.record`` reads, from one query per related table."""
    ids = [r.id for r in rows]
    themes = _grouped(sa.select(pilot_themes.c.pilot_id, Theme.slug, Theme.name_nb, Theme.name_en)
                      .join(Theme, Theme.id == pilot_themes.c.theme_id)
                      .where(pilot_themes.c.pilot_id.in_(ids))
                      .order_by(pilot_themes.c.pilot_id, Theme.name_nb))
    partners = _grouped(sa.select(PilotPartner.pilot_id, PilotPartner.role, Partner.name, Partner.kind,
                                  Partner.country, Partner.org_number)
                        .join(Partner, Partner.id == PilotPartner.partner_id)
                        .where(PilotPartner.pilot_id.in_(ids))
                        .order_by(PilotPartner.pilot_id, PilotPartner.id))
    events = _grouped(sa.select(StatusEvent.pilot_id, StatusEvent.to_status, StatusEvent.at)
                      .where(StatusEvent.pilot_id.in_(ids),
                             StatusEvent.to_status.in_([str(s) for s in PUBLIC_STATUSES]))
                      .order_by(StatusEvent.pilot_id, StatusEvent.at, StatusEvent.id))
    outcomes = {r.pilot_id: r for r in db.session.execute(
        sa.select(Outcome.pilot_id, Outcome.verdict, Outcome.summary, Outcome.lessons, Outcome.next_steps)
        .where(Outcome.pilot_id.in_(ids)))}
    published = [r.id for r in rows if r.publishes_funding]
    funding = _grouped(sa.select(FundingLine.pilot_id, FundingLine.year, FundingLine.source,
                                 FundingLine.source_type, FundingLine.amount, FundingLine.kind,
                                 Partner.name.label("partner_name"))
                       .outerjoin(Partner, Partner.id == FundingLine.partner_id)
                       .where(FundingLine.pilot_id.in_(published))
                       .order_by(FundingLine.pilot_id, FundingLine.year, FundingLine.id)
                       ) if published else {}
    views, keys = [], rows[0]._fields
    for r in rows:
        values = dict(zip(keys, r, strict=True))
        district = SimpleNamespace(slug=values.pop("district_slug"), name=values.pop("district_name"),
                                   publishes_funding=values.pop("publishes_funding"))
        views.append(SimpleNamespace(
            **values, district=district,
            themes=themes[r.id],  # rows with ``slug``, ``name_nb`` and ``name_en``
            partner_links=[SimpleNamespace(role=p.role, partner=SimpleNamespace(
                name=p.name, kind=p.kind, country=p.country, org_number=p.org_number))
                for p in partners[r.id]],
            events=events[r.id],  # rows with ``to_status`` and ``at``
            outcome=outcomes.get(r.id),
            funding=[SimpleNamespace(year=f.year, source_label=f.partner_name or f.source,
                                     source_type=f.source_type, amount=f.amount, kind=f.kind)
                     for f in funding.get(r.id, ())]))
    return views


def batches(where: list) -> Iterator[tuple[list, dict]]:
    """The public pilots matching ``where`` in id order, ``BATCH`` at a time as read-only views
    (see :func:`_views`) with their public attachments: keyset paging, so memory stays flat however
    large the register is."""
    columns = [Pilot.id, Pilot.status, Pilot.updated_at,
               *(getattr(Pilot, f.attr) for f in CONTENT
                 if not f.relation and f.attr != "district_id"),
               District.slug.label("district_slug"), District.name.label("district_name"),
               District.publishes_funding]
    last = 0
    while True:
        rows = db.session.execute(sa.select(*columns).join(District, District.id == Pilot.district_id)
                                  .where(*where, Pilot.id > last).order_by(Pilot.id).limit(BATCH)).all()
        if not rows:
            return
        yield _views(rows), public_attachments(r.id for r in rows)
        last = rows[-1].id


def _joined(value, *order_by, where, select_from, sep: str = LIST_SEPARATOR):
    """The one place that joins rows into text in SQL: ``value`` of the rows of ``select_from``
    matching ``where`` (correlated to the pilot), in ``order_by`` order, separated by ``sep``
    (NULL when there is none). PostgreSQL orders inside ``string_agg``; SQLite before 3.44 has no
    ORDER BY in ``group_concat``, which then concatenates an ordered subquery in its order (an
    aggregate over a subquery with ORDER BY is never flattened; ``tests/test_register.py`` checks it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return (sa.select(sa.func.string_agg(value, aggregate_order_by(sa.literal(sep), *order_by)))
                .select_from(select_from).where(*where).scalar_subquery())
    ordered = (sa.select(value.label("value")).select_from(select_from).where(*where)
               .order_by(*order_by).correlate(Pilot).subquery())
    return sa.select(sa.func.group_concat(ordered.c.value, sep)).scalar_subquery()


def _day(moment):
    """A UTC moment's date as ISO text, in SQL (SQLite keeps moments as ISO text)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(moment, "YYYY-MM-DD")
    return sa.func.substr(moment, 1, 10)


def _csv_columns() -> list:
    """The CSV's columns as SQL, in ``public.HEADER`` order: lists joined as ``public`` joins them
    ("; " between items, a space between an item's parts), the outcome once evaluated, the funding
    total where published; ``url`` and ``attachments`` (NULL here) are filled in per batch."""
    evaluated = Pilot.status == "evaluated"
    sql = {
        "id": Pilot.id, "url": sa.null(), "attachments": sa.null(), "updated_at": Pilot.updated_at,
        "district": District.slug, "district_name": District.name,
        "themes": _joined(Theme.name_nb, Theme.name_nb, where=[pilot_themes.c.pilot_id == Pilot.id],
                          select_from=pilot_themes.join(Theme, Theme.id == pilot_themes.c.theme_id)),
        "partners": _joined(Partner.name + " " + PilotPartner.role, PilotPartner.id,
                            where=[PilotPartner.pilot_id == Pilot.id],
                            select_from=PilotPartner.__table__.join(Partner.__table__)),
        "status_history": _joined(StatusEvent.to_status + " " + _day(StatusEvent.at), StatusEvent.at,
                                  StatusEvent.id, select_from=StatusEvent.__table__,
                                  where=[StatusEvent.pilot_id == Pilot.id,
                                         StatusEvent.to_status.in_([str(s) for s in PUBLIC_STATUSES])]),
        "funding": sa.case((District.publishes_funding, sa.func.coalesce(
            sa.select(sa.func.sum(FundingLine.amount)).where(FundingLine.pilot_id == Pilot.id)
            .scalar_subquery(), 0))),
        **{f.name: sa.case((evaluated, getattr(Outcome, f.name))) for f in OUTCOME},
    }
    plain = {f.name: getattr(Pilot, f.attr) for f in CONTENT if not f.relation and f.name not in sql}
    return [(sql.get(name, plain.get(name))).label(name) for name in HEADER]


def csv_batches(where: list) -> Iterator[tuple[list, dict]]:
    """The public pilots matching ``where`` in id order, ``BATCH`` at a time, as rows of the CSV's
    columns (see :func:`_csv_columns`) with their public attachments: one statement per batch, the
    related tables read as one text per pilot, keyset paging (flat memory)."""
    stmt = (sa.select(*_csv_columns()).join(District, District.id == Pilot.district_id)
            .outerjoin(Outcome, Outcome.pilot_id == Pilot.id).where(*where).order_by(Pilot.id).limit(BATCH))
    last = 0
    while rows := db.session.execute(stmt.where(Pilot.id > last)).all():
        yield rows, public_attachments(r.id for r in rows)
        last = rows[-1].id


def recent(where: list, limit: int) -> list[Pilot]:
    """The most recently changed public pilots (feeds)."""
    return list(db.session.scalars(sa.select(Pilot).where(*where).order_by(Pilot.updated_at.desc(),
                                                                           Pilot.id.desc())
                                   .limit(limit).options(*_loaded())).unique())


def district_by_slug(slug: str) -> District | None:
    return db.session.scalar(sa.select(District).where(District.slug == slug))


def districts(retired: bool = False) -> list[District]:
    """The districts by name (``retired``: also those no longer offered for new pilots, whose
    pilots stay in the register)."""
    stmt = sa.select(District).order_by(District.name)
    if not retired:
        stmt = stmt.where(District.retired.is_(False))
    return list(db.session.scalars(stmt))


def sitemap_pilots() -> Iterator[tuple[int, object]]:
    """``(id, updated_at)`` of every public pilot, streamed from the database."""
    yield from db.session.execute(sa.select(Pilot.id, Pilot.updated_at).where(public()).order_by(Pilot.id)
                                  .execution_options(yield_per=1000))


def network_sources() -> list[NetworkSource]:
    return list(db.session.scalars(sa.select(NetworkSource).order_by(NetworkSource.name)))


def network_page(number: int, per_page: int):
    stmt = (sa.select(NetworkPilot).join(NetworkPilot.source)
            .order_by(NetworkSource.name, NetworkPilot.title, NetworkPilot.id)
            .options(joinedload(NetworkPilot.source)))
    return paginate(stmt, number, per_page)
