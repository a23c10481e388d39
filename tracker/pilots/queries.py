"""Read-side queries for pilot pages, the list and My work: eager-loaded, a bounded number per page."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from tracker import locking
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.guards import parse_id
from tracker.pilots import permissions
from tracker.pilots.models import FundingLine, Outcome, Pilot, PilotPartner, StatusEvent, Theme, pilot_themes
from tracker.pilots.workflow import Action, Status


def load_pilot(pilot_id: int, full: bool = False) -> Pilot | None:
    """One pilot with what its pages show (``full``: events, funding, partners, outcome too)."""
    options = [joinedload(Pilot.district), joinedload(Pilot.owner), selectinload(Pilot.themes)]
    if full:
        options += [
            selectinload(Pilot.funding).joinedload(FundingLine.partner),
            selectinload(Pilot.partner_links).joinedload(PilotPartner.partner),
            selectinload(Pilot.events).joinedload(StatusEvent.actor),
            selectinload(Pilot.outcome).options(selectinload(Outcome.kpis), joinedload(Outcome.recorded_by)),
        ]
    return db.session.scalars(sa.select(Pilot).where(Pilot.id == pilot_id).options(*options)).first()


def audit_trail(pilot_id: int) -> list[AuditEntry]:
    """Every audit entry of a pilot, newest first."""
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.entity == "pilot", AuditEntry.entity_id == pilot_id)
        .options(joinedload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()


def last_change(pilot_id: int) -> AuditEntry | None:
    """The most recent audit entry of a pilot (who changed it last, and when)."""
    return locking.last_change("pilot", pilot_id)


# The pilot list's orders (the first is the default); ids break ties so pages never overlap.
SORTS = {
    "updated": (Pilot.updated_at.desc(), Pilot.id.desc()),
    "title": (Pilot.title.asc(), Pilot.id.asc()),
    "start": (Pilot.planned_start.is_(None), Pilot.planned_start.asc(), Pilot.id.asc()),
}


@dataclass
class Filters:
    """The pilot list's GET filters and order; unknown or malformed values are ignored."""

    district: int | None = None
    status: str | None = None
    theme: int | None = None
    kind: str | None = None
    q: str = ""
    sort: str = "updated"

    @classmethod
    def from_args(cls, args) -> Filters:
        status = args.get("status") if args.get("status") in set(Status) else None
        kind = args.get("kind") if args.get("kind") in {"physical", "digital", "organisational"} else None
        sort = args.get("sort") if args.get("sort") in SORTS else "updated"
        q = args.get("q", "").strip()[:200]
        return cls(parse_id(args.get("district")), status, parse_id(args.get("theme")), kind, q, sort)

    def as_args(self) -> dict:
        """The active filters and a chosen order as query arguments (for page links)."""
        return {k: v for k, v in vars(self).items() if v not in (None, "") and (k, v) != ("sort", "updated")}

    def apply(self, stmt):
        if self.district:
            stmt = stmt.where(Pilot.district_id == self.district)
        if self.status:
            stmt = stmt.where(Pilot.status == self.status)
        if self.kind:
            stmt = stmt.where(Pilot.arena_kind == self.kind)
        if self.theme:
            stmt = stmt.where(Pilot.id.in_(sa.select(pilot_themes.c.pilot_id)
                                           .where(pilot_themes.c.theme_id == self.theme)))
        if self.q:
            escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Pilot.title.ilike(f"%{escaped}%", escape="\\"))
        return stmt


def pilot_page(user, filters: Filters, page: int, per_page: int):
    """One page of the pilots ``user`` may see, in ``filters.sort`` order (a Flask-SQLAlchemy pagination)."""
    stmt = filters.apply(sa.select(Pilot).where(permissions.visible_filter(user)))
    stmt = stmt.options(joinedload(Pilot.district), selectinload(Pilot.themes))
    stmt = stmt.order_by(*SORTS[filters.sort])
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, max_per_page=per_page)


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
