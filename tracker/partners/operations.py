"""The only code that changes partners: create, edit, merge, delete.

Each operation re-checks its rule, writes the audit trail, flushes and never commits (the route
commits once).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tracker.db import db, utcnow
from tracker.locking import guarded_update
from tracker.partners.audit_fields import PARTNER
from tracker.partners.models import Partner
from tracker.partners.names import name_key
from tracker.pilots import operations as pilot_operations
from tracker.pilots.models import FundingLine, Pilot, PilotPartner

FIELDS = ("name", "kind", "country", "org_number", "website", "contact_name", "contact_email", "description")
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
    PARTNER.record(actor, partner.id, "create", {f: (None, v) for f, v in values.items()})
    return partner


def update_partner(actor, partner: Partner, values: dict[str, Any], version: int) -> dict[str, tuple]:
    """Apply ``values`` if the partner is still at ``version``; raise ``locking.Conflict`` if not.

    The version is compared in the UPDATE itself, so two concurrent edits cannot both win.
    Returns ``{field: (old, new)}`` (empty when nothing changed).
    """
    changes = PARTNER.changed({f: (getattr(partner, f), v) for f, v in values.items()})
    if not changes:
        return {}
    guarded_update(partner, version, **{f: values[f] for f in changes},
                   name_key=name_key(values["name"]), updated_at=utcnow())
    PARTNER.record(actor, partner.id, "update", changes)
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
    PARTNER.record(actor, partner.id, "delete", _snapshot(partner))
    db.session.delete(partner)
    db.session.flush()


def merge_partners(actor, loser: Partner, survivor: Partner) -> dict[str, int]:
    """Fold ``loser`` into ``survivor`` and delete it, in the caller's transaction.

    Each pilot that names the loser changes through ``pilots.operations.replace_partner`` (its
    links and funding lines move to the survivor, its change log shows the merge, its version
    moves on). Empty contact fields of the survivor are filled from the loser.
    """
    if loser.id == survivor.id:
        raise ValueError("a partner cannot be merged into itself")
    named = sa.union(sa.select(PilotPartner.pilot_id).where(PilotPartner.partner_id == loser.id),
                     sa.select(FundingLine.pilot_id).where(FundingLine.partner_id == loser.id))
    pilots = db.session.scalars(sa.select(Pilot).where(Pilot.id.in_(named)).order_by(Pilot.id)).all()
    summary = dict.fromkeys(("links_moved", "links_dropped", "funding_lines_moved"), 0)
    for pilot in pilots:
        done = pilot_operations.replace_partner(pilot, loser, survivor, actor)
        for key in summary:
            summary[key] += getattr(done, key)
    filled = {f: (getattr(survivor, f), getattr(loser, f))
              for f in FILLABLE if not getattr(survivor, f) and getattr(loser, f)}
    if "org_number" in filled and survivor.country != loser.country:  # a number belongs to its country
        filled["country"] = (survivor.country, loser.country)
    db.session.flush()

    PARTNER.record(actor, loser.id, "merged_into", {"merged_into": (None, survivor), **_snapshot(loser)})
    merged_from = PARTNER.store("merged_from", loser)
    db.session.delete(loser)
    db.session.flush()  # frees the loser's organisation number before the survivor takes it

    for field, (_, new) in filled.items():
        setattr(survivor, field, new)
    survivor.version += 1
    survivor.updated_at = utcnow()
    PARTNER.record(actor, survivor.id, "merge",
                   {"merged_from": (None, merged_from), **{k: (None, n) for k, n in summary.items()},
                    **filled})
    db.session.flush()
    return summary
