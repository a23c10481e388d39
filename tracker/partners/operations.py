"""The only code that changes partners: create, edit, merge, delete.

Each operation re-checks its rule, writes the audit trail, flushes and never commits (the route
commits once).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tracker import audit
from tracker.db import db, utcnow
from tracker.locking import guarded_update
from tracker.partners.models import Partner
from tracker.partners.names import name_key
from tracker.pilots.models import FundingLine, PilotPartner

ENTITY = "partner"
FIELDS = ("name", "kind", "org_number", "website", "contact_name", "contact_email", "description")
# Fields of the merged partner that fill empty ones of the partner kept.
FILLABLE = ("org_number", "website", "contact_name", "contact_email", "description")


class PartnerInUse(Exception):
    """The partner is still linked to pilots or funding lines."""

    def __init__(self, links: int, funding_lines: int):
        super().__init__(f"{links} pilot links, {funding_lines} funding lines")
        self.links = links
        self.funding_lines = funding_lines


def _snapshot(partner: Partner) -> dict[str, tuple[Any, Any]]:
    """``{field: (value, None)}`` for every filled field: what a removal takes away."""
    return {f: (getattr(partner, f), None) for f in FIELDS if getattr(partner, f)}


def create_partner(actor, values: dict[str, Any]) -> Partner:
    partner = Partner(**values, name_key=name_key(values["name"]))
    db.session.add(partner)
    db.session.flush()
    audit.record(actor, ENTITY, partner.id, "create",
                 {f: (None, v) for f, v in values.items() if v not in (None, "")})
    return partner


def update_partner(actor, partner: Partner, values: dict[str, Any], version: int) -> dict[str, tuple]:
    """Apply ``values`` if the partner is still at ``version``; raise ``locking.Conflict`` if not.

    The version is compared in the UPDATE itself, so two concurrent edits cannot both win.
    Returns ``{field: (old, new)}`` (empty when nothing changed).
    """
    changes = {f: (getattr(partner, f), v) for f, v in values.items() if getattr(partner, f) != v}
    if not changes:
        return {}
    guarded_update(partner, version, **{f: new for f, (_, new) in changes.items()},
                   name_key=name_key(values["name"]), updated_at=utcnow())
    audit.record(actor, ENTITY, partner.id, "update", changes)
    db.session.flush()
    return changes


def usage(partner: Partner) -> tuple[int, int]:
    """How many pilot links and funding lines point at ``partner``."""
    links = db.session.scalar(sa.select(sa.func.count()).where(PilotPartner.partner_id == partner.id))
    lines = db.session.scalar(sa.select(sa.func.count()).where(FundingLine.partner_id == partner.id))
    return links or 0, lines or 0


def delete_partner(actor, partner: Partner) -> None:
    """Delete an unused partner; refuse with :class:`PartnerInUse` while anything points at it."""
    links, lines = usage(partner)
    if links or lines:
        raise PartnerInUse(links, lines)
    audit.record(actor, ENTITY, partner.id, "delete", _snapshot(partner))
    db.session.delete(partner)
    db.session.flush()


def merge_partners(actor, loser: Partner, survivor: Partner) -> dict[str, int]:
    """Fold ``loser`` into ``survivor`` and delete it, in the caller's transaction.

    Every pilot link moves to the survivor unless the survivor already has the same
    (pilot, role): then the loser's link is dropped (so a shared lead stays the survivor's).
    Funding lines follow; empty contact fields of the survivor are filled from the loser.
    """
    if loser.id == survivor.id:
        raise ValueError("a partner cannot be merged into itself")
    links = db.session.scalars(
        sa.select(PilotPartner).where(PilotPartner.partner_id.in_([loser.id, survivor.id]))
        .order_by(PilotPartner.id)
    ).all()
    held = {(link.pilot_id, link.role) for link in links if link.partner_id == survivor.id}
    moved = dropped = 0
    for link in links:
        if link.partner_id != loser.id:
            continue
        if (link.pilot_id, link.role) in held:
            db.session.delete(link)
            dropped += 1
        else:
            link.partner = survivor
            held.add((link.pilot_id, link.role))
            moved += 1
    lines = db.session.scalars(sa.select(FundingLine).where(FundingLine.partner_id == loser.id)).all()
    for line in lines:
        line.partner = survivor
        line.source = survivor.name
    filled = {f: (getattr(survivor, f), getattr(loser, f))
              for f in FILLABLE if not getattr(survivor, f) and getattr(loser, f)}
    db.session.flush()

    loser_label = f"{loser.name} (#{loser.id})"
    audit.record(actor, ENTITY, loser.id, "merged_into",
                 {"merged_into": (None, survivor.id), **_snapshot(loser)})
    db.session.delete(loser)
    db.session.flush()  # frees the loser's organisation number before the survivor takes it

    for field, (_, new) in filled.items():
        setattr(survivor, field, new)
    survivor.version += 1
    survivor.updated_at = utcnow()
    summary = {"links_moved": moved, "links_dropped": dropped, "funding_lines_moved": len(lines)}
    audit.record(actor, ENTITY, survivor.id, "merge",
                 {"merged_from": (None, loser_label),
                  **{k: (None, v) for k, v in summary.items()}, **filled})
    db.session.flush()
    return summary
