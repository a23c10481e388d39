"""The only code that changes pilots: create, edit, status actions, outcomes.

Each operation re-checks its rules, writes the audit trail, flushes and never commits (the route
commits once). Edits and actions compare the version the user saw with the stored one in the
UPDATE itself (``tracker.locking.guarded_update``; ``Conflict`` when someone saved first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from tracker import audit, logs
from tracker.db import db, utcnow
from tracker.districts.models import District
from tracker.locking import guarded_update
from tracker.partners.models import Partner
from tracker.pilots import permissions, progress
from tracker.pilots.audit_fields import DATE, PILOT, form_fields, required_for_submit, scope_fields
from tracker.pilots.models import (
    FundingLine,
    Outcome,
    OutcomeKPI,
    PartnerRole,
    Pilot,
    PilotPartner,
    StatusEvent,
)
from tracker.pilots.workflow import (
    TRANSITIONS,
    Action,
    Refusal,
    Status,
    TransitionError,
    check_transition,
    funding_outside_period,
    missing_for_submit,
)


class TooManyLeads(ValueError):
    """A pilot has at most one lead partner."""

    def __init__(self):
        super().__init__("a pilot has at most one lead partner")


class Incomplete(Exception):
    """``submit`` on a proposal with required fields missing (``missing`` names them) or funding
    lines outside the planned period (``outside``: their positions, 0-based)."""

    def __init__(self, missing: list[str], outside: list[int] | None = None):
        super().__init__(", ".join(missing) or "funding outside the planned period")
        self.missing = missing
        self.outside = outside or []


class ScopeNeedsReview(PermissionError):
    """An owner's change of scope to an approved pilot: it goes through a change request."""


@dataclass
class Content:
    """What a proposal form produced: scalar values plus themes, partner rows, funding rows."""

    values: dict
    themes: list
    partners: list[tuple]  # (Partner, role)
    funding: list[dict]  # year, source_type, partner, source, amount, kind
    kpi_plan: list[dict] | None = None  # name, unit, baseline, target; None: unchanged


def submission_values(pilot: Pilot) -> dict:
    """The pilot's required proposal fields keyed by form field name (for ``missing_for_submit``)."""
    return {f.name: getattr(pilot, f.attr) for f in form_fields() if f.required}


def check_one_lead(links) -> None:
    """Raise :class:`TooManyLeads` if ``links`` (``(partner, role)`` pairs) name two leads."""
    if sum(1 for _, role in links if role == PartnerRole.LEAD) > 1:
        raise TooManyLeads()


def _content_changes(pilot: Pilot | None, values: dict) -> dict:
    """``values`` (keyed by column) against ``pilot`` (None: a new pilot) as ``{field: (old, new)}``,
    unstored; the district as objects (its history keeps the name)."""
    pairs = {}
    for field in form_fields():
        if field.relation or field.attr not in values:
            continue
        new = values[field.attr]
        if field.attr != "district_id":
            pairs[field.name] = (getattr(pilot, field.attr) if pilot else None, new)
        elif pilot is None or pilot.district_id != new:
            pairs[field.name] = (pilot.district if pilot else None, db.session.get(District, new))
    return pairs


def _relation_pairs(pilot: Pilot, content: Content) -> dict:
    pairs = {"themes": (list(pilot.themes), content.themes),
             "partners": ([(link.partner, link.role) for link in pilot.partner_links], content.partners),
             "funding": (list(pilot.funding), content.funding)}
    if content.kpi_plan is not None:
        pairs["kpi_plan"] = (list(pilot.kpi_plan), content.kpi_plan)
    return pairs


def differences(pilot: Pilot, content: Content) -> dict:
    """``{field: (stored, typed)}`` in stored form for the fields where ``content`` differs from
    ``pilot`` (what an edit would change), in the registry's order. Changes nothing."""
    changes = PILOT.changed({**_content_changes(pilot, content.values), **_relation_pairs(pilot, content)})
    return {f.name: changes[f.name] for f in form_fields() if f.name in changes}


def _set_relations(pilot: Pilot, content: Content) -> dict:
    """Replace themes, partner links and funding lines; return audit changes for those that differ."""
    changes = PILOT.changed(_relation_pairs(pilot, content))
    if "themes" in changes:
        pilot.themes = list(content.themes)
    wanted = {(p.id, role) for p, role in content.partners}
    if "partners" in changes:
        # Remove first and flush: the unique (pilot, partner, role) and one-lead indexes hold at every step.
        for link in list(pilot.partner_links):
            if (link.partner_id, link.role) not in wanted:
                pilot.partner_links.remove(link)
        db.session.flush()
        kept = {(link.partner_id, link.role) for link in pilot.partner_links}
        for partner, role in content.partners:
            if (partner.id, role) not in kept:
                pilot.partner_links.append(PilotPartner(partner=partner, role=role))
    if "funding" in changes:
        pilot.funding = [FundingLine(**line) for line in content.funding]
    if "kpi_plan" in changes:
        progress.replace_kpi_plan(pilot, content.kpi_plan)
    return changes


def create_pilot(user, content: Content) -> Pilot:
    """A new draft owned by ``user``, with its creation event and audit entry."""
    check_one_lead(content.partners)
    pilot = Pilot(owner=user, status=Status.DRAFT, **content.values)
    db.session.add(pilot)
    relations = _set_relations(pilot, content)  # themes, partners and funding, as on an edit
    pilot.events.append(StatusEvent(to_status=Status.DRAFT, actor=user))
    db.session.flush()
    created = {k: v for k, v in content.values.items() if v is not False}
    PILOT.record(user, pilot.id, "create", {**_content_changes(None, created), **relations})
    db.session.flush()
    return pilot


def update_pilot(pilot: Pilot, user, content: Content, expected_version: int | None,
                 action: str = "update", note: dict | None = None) -> dict:
    """Save an edit made on ``expected_version``; raise ``Conflict`` if the pilot moved on.

    An owner's change of scope after approval is refused (``ScopeNeedsReview``): it becomes a
    change request (``tracker/changes/operations.py``), whose acceptance saves it here as
    ``action`` ``change_accept`` with the decision's ``note`` (audited even if nothing changed).
    """
    if not permissions.can_edit(user, pilot):
        raise PermissionError("not allowed to edit this pilot")
    if permissions.needs_change_request(user, pilot) and scope_split(pilot, content)[1]:
        raise ScopeNeedsReview("a change of scope after approval needs a change request")
    moved = content.values.get("district_id", pilot.district_id) != pilot.district_id
    if moved and not permissions.can_move(user, pilot):
        raise PermissionError("not allowed to move this pilot to another district")
    check_one_lead(content.partners)
    guarded_update(pilot, expected_version, updated_at=utcnow())
    changes = PILOT.changed(_content_changes(pilot, content.values))
    audit.apply_changes(pilot, content.values)
    changes.update(_set_relations(pilot, content))
    if changes or note:
        PILOT.record(user, pilot.id, action, {**changes, **(note or {})})
    db.session.flush()
    return changes


def current_content(pilot: Pilot) -> Content:
    """What the proposal form would hold for ``pilot`` unchanged."""
    return Content({f.attr: getattr(pilot, f.attr) for f in form_fields() if not f.relation},
                   list(pilot.themes), [(link.partner, link.role) for link in pilot.partner_links],
                   [{"year": line.year, "source_type": line.source_type, "partner": line.partner,
                     "source": line.source, "amount": line.amount, "kind": line.kind}
                    for line in pilot.funding])


def _unstored_partner(partner_id):
    return db.session.get(Partner, partner_id) if partner_id is not None else None


def with_stored(content: Content, stored: dict) -> Content:
    """``content`` with the scope fields of ``stored`` (``{field: stored value}``) put in."""
    values, partners, funding = dict(content.values), content.partners, content.funding
    for name, value in stored.items():
        field = PILOT[name]
        if name == "district":
            values["district_id"] = value["id"]
        elif name == "partners":
            partners = [(partner, link["role"]) for link in value or []
                        if (partner := _unstored_partner(link["partner_id"]))]
        elif name == "funding":
            funding = [{"year": line["year"], "source_type": line["source_type"],
                        "partner": _unstored_partner(line["partner_id"]), "source": line["source"] or "",
                        "amount": int(line["amount"]), "kind": line["kind"]} for line in value or []]
        elif field.kind is DATE:
            values[field.attr] = date.fromisoformat(value) if value else None
        else:
            values[field.attr] = value or ""
    return replace(content, values=values, partners=partners, funding=funding)


def scope_split(pilot: Pilot, content: Content) -> tuple[Content, dict]:
    """Split an edit of an approved pilot: what applies directly (``content`` with its changes of
    scope left out) and the scope part (``{field: stored value}`` for a change request), as the
    pilot field registry's ``scope`` rules judge them (``tracker/pilots/scope.py``)."""
    diffs = differences(pilot, content)
    requested, kept = {}, {}
    for field in scope_fields():
        if field.name in diffs and field.scope.material(*diffs[field.name]):
            old, new = diffs[field.name]
            requested[field.name] = field.scope.requested(new)
            kept[field.name] = field.scope.combine(new, field.scope.requested(old))
    return (with_stored(content, kept) if kept else content), requested


def with_requested(pilot: Pilot, requested: dict) -> Content:
    """The pilot's content once the change request's ``requested`` scope part is put in."""
    current = current_content(pilot)
    stored = {name: PILOT[name].scope.combine(PILOT.store(name, _stored_source(pilot, name)), value)
              for name, value in requested.items()}
    return with_stored(current, stored)


def _stored_source(pilot: Pilot, name: str):
    """The value of form field ``name`` on ``pilot`` as the registry stores it from."""
    if name == "partners":
        return [(link.partner, link.role) for link in pilot.partner_links]
    if name == "district":
        return pilot.district
    return getattr(pilot, PILOT[name].attr)


def funding_outside(content: Content) -> list[int]:
    """The positions of ``content``'s funding lines whose year lies outside its planned period."""
    return funding_outside_period([line["year"] for line in content.funding],
                                  content.values.get("planned_start"), content.values.get("planned_end"))


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
        missing = missing_for_submit(submission_values(pilot), required_for_submit())
        outside = funding_outside_period([line.year for line in pilot.funding], pilot.planned_start,
                                         pilot.planned_end)
        if missing or outside:
            raise Incomplete(missing, outside)
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
    PILOT.record(user, pilot.id, str(action), changes)
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
    changes = PILOT.changed({**{k: (getattr(outcome, k), v) for k, v in values.items()},
                             "kpis": (list(outcome.kpis), kpis)})
    audit.apply_changes(outcome, values)
    if "kpis" in changes:
        outcome.kpis = [OutcomeKPI(position=i, **k) for i, k in enumerate(kpis)]
    outcome.recorded_by = user
    outcome.recorded_at = now
    db.session.flush()
    if changes:
        PILOT.record(user, pilot.id, action, changes)
        db.session.flush()
    return outcome


@dataclass
class Replaced:
    """What :func:`replace_partner` did to one pilot."""

    links_moved: int = 0
    links_dropped: int = 0
    funding_lines_moved: int = 0


def replace_partner(pilot: Pilot, old, new, user) -> Replaced:
    """Put partner ``new`` wherever ``old`` is in ``pilot`` (a partner merge), audited on the pilot.

    A link of ``old`` moves to ``new`` unless ``new`` already has that role (then it is dropped);
    funding lines from ``old`` come from ``new``. The pilot's version and "last updated" move on.
    """
    if old.id == new.id:
        raise ValueError("a partner cannot replace itself")
    old_links = PILOT.store("partners", [(link.partner, link.role) for link in pilot.partner_links])
    old_funding = PILOT.store("funding", pilot.funding)
    guarded_update(pilot, None, updated_at=utcnow())
    done = Replaced()
    held = {link.role for link in pilot.partner_links if link.partner_id == new.id}
    for link in list(pilot.partner_links):
        if link.partner_id != old.id:
            continue
        if link.role in held:
            pilot.partner_links.remove(link)
            done.links_dropped += 1
        else:
            link.partner = new
            held.add(link.role)
            done.links_moved += 1
    for line in pilot.funding:
        if line.partner_id == old.id:
            line.partner, line.source = new, new.name
            done.funding_lines_moved += 1
    links = [(link.partner, link.role) for link in pilot.partner_links]
    check_one_lead(links)
    PILOT.record(user, pilot.id, "partner_merge",
                 {"merged_partner": (old, new),
                  "partners": (old_links, links), "funding": (old_funding, pilot.funding)})
    db.session.flush()
    return done


def hand_over(pilot: Pilot, new_owner, user) -> None:
    """Make ``new_owner`` the pilot's owner, audited on the pilot; its version and "last updated"
    move on (guarded), as for any change."""
    old_owner = pilot.owner
    if old_owner.id == new_owner.id:
        return
    guarded_update(pilot, None, owner_id=new_owner.id, updated_at=utcnow())
    db.session.expire(pilot, ["owner"])
    PILOT.record(user, pilot.id, "handover", {"owner": (old_owner, new_owner)})
    db.session.flush()
