"""Reading the public register: which pilots are public, one page, one pilot, and the whole
register in batches (flat memory for the CSV, JSON, sitemap at any size)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker.db import db
from tracker.districts.models import District
from tracker.files.models import Attachment
from tracker.paging import paginate
from tracker.pilots.models import Pilot, PilotPartner
from tracker.pilots.permissions import visible_filter
from tracker.register.models import NetworkPilot, NetworkSource

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


def batches(where: list) -> Iterator[tuple[list[Pilot], dict]]:
    """The public pilots matching ``where`` in id order, ``BATCH`` at a time with their public
    attachments: keyset paging, so memory stays flat however large the register is."""
    last = 0
    while True:
        rows = db.session.scalars(sa.select(Pilot).where(*where, Pilot.id > last).order_by(Pilot.id)
                                  .limit(BATCH).options(*_loaded())).unique().all()
        if not rows:
            return
        yield rows, public_attachments(p.id for p in rows)
        last = rows[-1].id  # the session holds loaded rows weakly: a written batch is let go


def recent(where: list, limit: int) -> list[Pilot]:
    """The most recently changed public pilots (feeds)."""
    return list(db.session.scalars(sa.select(Pilot).where(*where).order_by(Pilot.updated_at.desc(),
                                                                           Pilot.id.desc())
                                   .limit(limit).options(*_loaded())).unique())


def district_by_slug(slug: str) -> District | None:
    return db.session.scalar(sa.select(District).where(District.slug == slug))


def districts() -> list[District]:
    stmt = sa.select(District).where(District.retired.is_(False)).order_by(District.name)
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
