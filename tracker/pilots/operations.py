"""The only code that changes pilots: create, edit, status actions, outcomes.

Each operation re-checks its rules, writes the audit trail, flushes and never commits (the route
commits once). Edits and actions compare the version the user saw with the stored one in the
UPDATE itself (``tracker.locking.guarded_update``; ``Conflict`` when someone saved first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker import audit, logs
from tracker.db import db, utcnow
from tracker.locking import guarded_update
from tracker.pilots import permissions
from tracker.pilots.models import FundingLine, Outcome, OutcomeKPI, Pilot, PilotPartner, StatusEvent
from tracker.pilots.workflow import (
    TRANSITIONS,
    Action,
    Refusal,
    Status,
    TransitionError,
    check_transition,
    missing_for_submit,
)

# Scalar pilot columns a proposal form may set.
CONTENT_FIELDS = (
    "title", "district_id", "arena_kind", "need", "description", "goals", "location",
    "planned_start", "planned_end", "agency", "contact_name", "contact_email", "contact_phone",
    "is_public",
)


class Incomplete(Exception):
    """``submit`` on a proposal with required fields missing; ``missing`` names them."""

    def __init__(self, missing: list[str]):
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass
class Content:
    """What a proposal form produced: scalar values plus themes, partner rows, funding rows."""

    values: dict
    themes: list
    partners: list[tuple]  # (Partner, role)
    funding: list[dict]  # year, source_type, partner, source, amount, kind


def submission_values(pilot: Pilot) -> dict:
    """The pilot's proposal fields keyed by form field name (for ``missing_for_submit``)."""
    values = {name: getattr(pilot, name) for name in CONTENT_FIELDS}
    values["district"] = values.pop("district_id")
    values["themes"] = list(pilot.themes)
    return values


def _describe_partners(links) -> list[str]:
    return sorted(f"{partner.name} ({role})" for partner, role in links)


def _describe_funding(lines) -> list[str]:
    return [f"{x['year']} {x['source_type']} {x['partner'].name if x['partner'] else x['source']}"
            f" {x['amount']} {x['kind']}" for x in lines]


def _line_dict(line: FundingLine) -> dict:
    return {"year": line.year, "source_type": line.source_type, "partner": line.partner,
            "source": line.source, "amount": line.amount, "kind": line.kind}


def _set_relations(pilot: Pilot, content: Content) -> dict:
    """Replace themes, partner links and funding lines; return audit changes for those that differ."""
    changes = {}
    old_themes = sorted(t.slug for t in pilot.themes)
    new_themes = sorted(t.slug for t in content.themes)
    if old_themes != new_themes:
        pilot.themes = list(content.themes)
        changes["themes"] = (old_themes, new_themes)

    old_links = [(link.partner, link.role) for link in pilot.partner_links]
    wanted = {(p.id, role) for p, role in content.partners}
    if {(p.id, r) for p, r in old_links} != wanted:
        # Remove first and flush: the unique (pilot, partner, role) and one-lead indexes hold at every step.
        for link in list(pilot.partner_links):
            if (link.partner_id, link.role) not in wanted:
                pilot.partner_links.remove(link)
        db.session.flush()
        kept = {(link.partner_id, link.role) for link in pilot.partner_links}
        for partner, role in content.partners:
            if (partner.id, role) not in kept:
                pilot.partner_links.append(PilotPartner(partner=partner, role=role))
        changes["partners"] = (_describe_partners(old_links), _describe_partners(content.partners))

    old_funding = _describe_funding([_line_dict(line) for line in pilot.funding])
    new_funding = _describe_funding(content.funding)
    if old_funding != new_funding:
        pilot.funding = [FundingLine(**line) for line in content.funding]
        changes["funding"] = (old_funding, new_funding)
    return changes


def create_pilot(user, content: Content) -> Pilot:
    """A new draft owned by ``user``, with its creation event and audit entry."""
    pilot = Pilot(owner=user, status=Status.DRAFT, **content.values)
    db.session.add(pilot)
    relations = _set_relations(pilot, content)  # themes, partners and funding, as on an edit
    pilot.events.append(StatusEvent(to_status=Status.DRAFT, actor=user))
    db.session.flush()
    audit.record(user, "pilot", pilot.id, "create",
                 {**{k: (None, v) for k, v in content.values.items() if v not in (None, "", False)},
                  **relations})
    db.session.flush()
    return pilot


def update_pilot(pilot: Pilot, user, content: Content, expected_version: int | None) -> dict:
    """Save an edit made on ``expected_version``; raise ``Conflict`` if the pilot moved on."""
    if not permissions.can_edit(user, pilot):
        raise PermissionError("not allowed to edit this pilot")
    moved = content.values.get("district_id", pilot.district_id) != pilot.district_id
    if moved and not permissions.can_move(user, pilot):
        raise PermissionError("not allowed to move this pilot to another district")
    guarded_update(pilot, expected_version, updated_at=utcnow())
    changes = audit.apply_changes(pilot, content.values)
    changes.update(_set_relations(pilot, content))
    if changes:
        audit.record(user, "pilot", pilot.id, "update", changes)
    db.session.flush()
    return changes


def transition(pilot: Pilot, action: Action | str, user, comment: str = "",
               expected_version: int | None = None, on_date: date | None = None) -> StatusEvent:
    """Take a workflow action: check it, move the status, log a StatusEvent and an AuditEntry.

    ``on_date`` is the actual start (``start``) or end (``complete``); today by default.
    Raises ``TransitionError``, ``Incomplete`` or ``Conflict``; nothing is changed then.
    """
    action = Action(action)
    comment = (comment or "").strip()
    target = check_transition(pilot.status, action, permissions.actors(user, pilot), comment,
                              has_outcome=pilot.outcome is not None)
    if action == Action.SUBMIT:
        missing = missing_for_submit(submission_values(pilot))
        if missing:
            raise Incomplete(missing)
    now = utcnow()
    values = {"status": str(target), "status_changed_at": now, "updated_at": now}
    dated = TRANSITIONS[action].sets_date
    if dated:
        values[dated] = on_date or date.today()
        start = values.get("actual_start", pilot.actual_start)
        end = values.get("actual_end", pilot.actual_end)
        if start and end and end < start:
            raise TransitionError(Refusal.DATE, "the actual end would be before the actual start")
    source = pilot.status
    old = {k: getattr(pilot, k) for k in values if k in ("actual_start", "actual_end")}
    guarded_update(pilot, expected_version, **values)
    event = StatusEvent(pilot_id=pilot.id, action=str(action), from_status=source, to_status=str(target),
                        actor_id=user.id, at=now, comment=comment)
    db.session.add(event)
    changes = {"status": (source, str(target))}
    changes.update({k: (v, values[k]) for k, v in old.items()})
    if comment:
        changes["comment"] = (None, comment)
    audit.record(user, "pilot", pilot.id, str(action), changes)
    db.session.flush()
    logs.event("status_action", pilot_id=pilot.id, action=str(action), user_id=user.id,
               from_status=source, to_status=str(target))
    return event


def record_outcome(pilot: Pilot, user, values: dict, kpis: list[dict],
                   expected_version: int | None) -> Outcome:
    """Create or replace the pilot's outcome (verdict, summary, lessons, next steps, KPI rows).

    Guarded like an edit: raises ``Conflict`` if the pilot changed since ``expected_version``.
    """
    if not permissions.can_record_outcome(user, pilot):
        raise PermissionError("not allowed to record an outcome for this pilot")
    if not (values.get("lessons") or "").strip():
        raise ValueError("lessons learned are required")
    now = utcnow()
    guarded_update(pilot, expected_version, updated_at=now)
    outcome = pilot.outcome
    action = "outcome_update" if outcome else "outcome_create"
    if outcome is None:
        outcome = Outcome(pilot=pilot, lessons="")
        db.session.add(outcome)
    old_kpis = [_kpi_text(k.__dict__) for k in outcome.kpis]
    changes = audit.apply_changes(outcome, values)
    new_kpis = [_kpi_text(k) for k in kpis]
    if old_kpis != new_kpis:
        outcome.kpis = [OutcomeKPI(position=i, **k) for i, k in enumerate(kpis)]
        changes["kpis"] = (old_kpis, new_kpis)
    outcome.recorded_by = user
    outcome.recorded_at = now
    db.session.flush()
    if changes:
        audit.record(user, "pilot", pilot.id, action, changes)
        db.session.flush()
    return outcome


def _kpi_text(k: dict) -> str:
    values = " → ".join(str(k.get(n)) for n in ("baseline", "target", "actual"))
    return f"{k.get('name')} [{k.get('unit') or ''}] {values}"
