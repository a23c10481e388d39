"""Read-only partner queries, each a fixed number of SQL statements whatever the data size."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from tracker.audit import AuditEntry
from tracker.db import db
from tracker.districts.models import District
from tracker.paging import Page, paginate
from tracker.partners import orgnr
from tracker.partners.models import Partner
from tracker.partners.names import is_close, name_key
from tracker.pilots.models import Pilot, PilotPartner
from tracker.pilots.permissions import visible_filter

SORTS = ("name", "pilots", "updated")
MAX_CANDIDATES = 10


def _like(text: str) -> str:
    """``%text%`` with LIKE wildcards in ``text`` taken literally (escape character ``\\``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching(text: str):
    """Partners whose name contains ``text`` (any case; æ/ø/å and company forms folded as in
    ``name_key``), or whose organisation number starts with it: one rule for every partner search."""
    matches = [Partner.name.ilike(_like(text), escape="\\")]
    if key := name_key(text):
        matches.append(Partner.name_key.like(_like(key), escape="\\"))
    if re.fullmatch("[0-9]+", digits := orgnr.normalise(text)):
        matches.append(Partner.org_number.like(digits + "%"))
    return sa.or_(*matches)


def directory(user, *, q: str = "", kind: str = "", district: District | None = None, sort: str = "name",
              page: int = 1, per_page: int = 50) -> Page:
    """One page of partners with the number of pilots ``user`` may see (in ``district`` if given).

    Two queries: the total and the page, pilot counts joined in from a grouped subquery.
    """
    counts = (
        sa.select(PilotPartner.partner_id, sa.func.count(sa.distinct(PilotPartner.pilot_id)).label("pilots"))
        .join(Pilot, Pilot.id == PilotPartner.pilot_id)
        .where(visible_filter(user))
    )
    if district is not None:
        counts = counts.where(Pilot.district_id == district.id)
    counts = counts.group_by(PilotPartner.partner_id).subquery()
    pilots = sa.func.coalesce(counts.c.pilots, 0)
    stmt = sa.select(Partner, pilots.label("pilots")).join(
        counts, counts.c.partner_id == Partner.id, isouter=district is None)
    if kind:
        stmt = stmt.where(Partner.kind == kind)
    if q:
        stmt = stmt.where(matching(q))

    order = {
        "pilots": (pilots.desc(), sa.func.lower(Partner.name), Partner.id),
        "updated": (Partner.updated_at.desc(), Partner.id.desc()),
    }.get(sort, (sa.func.lower(Partner.name), Partner.id))
    return paginate(stmt.order_by(*order), page, per_page, rows=True)


def by_org_number(number: str | None, exclude_id: int | None = None,
                  country: str = orgnr.DEFAULT) -> Partner | None:
    """The partner registered in ``country`` with organisation number ``number`` (any spacing)."""
    number = orgnr.normalise(number, country)
    if not number:
        return None
    stmt = sa.select(Partner).where(Partner.org_number == number, Partner.country == country)
    if exclude_id is not None:
        stmt = stmt.where(Partner.id != exclude_id)
    return db.session.scalar(stmt)


def similar(name: str, exclude_id: int | None = None) -> list[Partner]:
    """Partners whose name probably names the same organisation (two queries: keys, then rows)."""
    key = name_key(name)
    keys = db.session.execute(sa.select(Partner.id, Partner.name_key, Partner.name)).all()
    ids = [pid for pid, other, other_name in keys
           if pid != exclude_id and (is_close(key, other) or is_close(key, name_key(other_name)))]
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(Partner).where(Partner.id.in_(ids[:MAX_CANDIDATES])).order_by(sa.func.lower(Partner.name))
    ))


def pilot_links(user, partner: Partner) -> list[PilotPartner]:
    """The partner's links to pilots ``user`` may see, with pilot and district loaded."""
    return list(db.session.scalars(
        sa.select(PilotPartner).join(PilotPartner.pilot)
        .where(PilotPartner.partner_id == partner.id, visible_filter(user))
        .options(contains_eager(PilotPartner.pilot).joinedload(Pilot.district))
        .order_by(sa.func.lower(Pilot.title), Pilot.id, PilotPartner.role)
    ))


def history(partner_id: int, limit: int = 20) -> list[AuditEntry]:
    """The latest audit entries of a partner, newest first, with their actors."""
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity == "partner", AuditEntry.entity_id == partner_id)
        .options(joinedload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ))


def merge_choices(partner: Partner) -> list[tuple[int, str]]:
    """Every other partner, by name, as select options."""
    rows = db.session.execute(
        sa.select(Partner.id, Partner.name, Partner.org_number).where(Partner.id != partner.id)
        .order_by(sa.func.lower(Partner.name), Partner.id)
    ).all()
    return [(pid, f"{name} ({number})" if number else name) for pid, name, number in rows]


def districts() -> list[District]:
    return list(db.session.scalars(
        sa.select(District).where(District.retired.is_(False)).order_by(District.name)))
