"""Change requests: the only code that raises, updates, accepts and declines them.

An owner's edit of an approved pilot is split (``tracker.pilots.operations.scope_split``): the
rest applies at once, the changes of scope become the pilot's one open change request (a later
edit updates it; an edit without them withdraws it). A coordinator of the district (not the owner,
not the requester) accepts it, which saves it through ``update_pilot`` (audit ``change_accept``),
or declines it (``change_decline``). The pilot's version guards all of it: every step moves it on.
Like every operation: audited, flushed, never committed.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from tracker.changes.models import ChangeRequest, State
from tracker.db import db, utcnow
from tracker.locking import guarded_update
from tracker.pilots import operations as pilot_operations
from tracker.pilots import permissions
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.models import Pilot
from tracker.pilots.operations import Content
from tracker.pilots.workflow import Refusal, TransitionError


class FundingOutsidePeriod(ValueError):
    """A change request whose funding lines (``outside``: positions) fall outside the planned period."""

    def __init__(self, outside: list[int]):
        super().__init__("funding outside the planned period")
        self.outside = outside


_OPEN = sa.select(ChangeRequest).where(ChangeRequest.pilot_id == sa.bindparam("pilot_id"),
                                       ChangeRequest.state == State.OPEN)  # built once: the pilot page asks


def open_request(pilot_id: int) -> ChangeRequest | None:
    """The pilot's open change request, if any."""
    return db.session.scalars(_OPEN, {"pilot_id": pilot_id}).first()


def save_edit(pilot: Pilot, user, content: Content, expected_version: int | None) -> ChangeRequest | None:
    """Save an edit from the proposal form; return the open change request it raised or updated.

    Applied directly unless ``user``'s changes of scope need a change request
    (``permissions.needs_change_request``). Raises ``Conflict``, ``FundingOutsidePeriod``.
    """
    if not permissions.needs_change_request(user, pilot):
        pilot_operations.update_pilot(pilot, user, content, expected_version)
        return None
    direct, requested = pilot_operations.scope_split(pilot, content)
    if requested and (outside := pilot_operations.funding_outside(content)):
        raise FundingOutsidePeriod(outside)
    pilot_operations.update_pilot(pilot, user, direct, expected_version)
    return _request(pilot, user, requested)


def diff(pilot: Pilot, change: ChangeRequest) -> list[tuple]:
    """``[(label, now shown, proposed shown)]`` per field the change request changes, in form order."""
    after = pilot_operations.differences(pilot, pilot_operations.with_requested(pilot, change.proposed))
    return [(PILOT[name].label, PILOT[name].kind.show(old), PILOT[name].kind.show(new))
            for name, (old, new) in after.items()]


class _Proposed:
    """A pilot seen with some attributes replaced (anything else reads through to the pilot)."""

    def __init__(self, pilot: Pilot, replaced: dict):
        self._pilot, self._replaced = pilot, replaced

    def __getattr__(self, name: str):
        return self._replaced[name] if name in self._replaced else getattr(self._pilot, name)


def proposed_view(pilot: Pilot, change: ChangeRequest) -> _Proposed:
    """The pilot as it would be once ``change`` is accepted, for loading the proposal form."""
    content = pilot_operations.with_requested(pilot, change.proposed)
    return _Proposed(pilot, {
        **content.values, "themes": content.themes,
        "partner_links": [SimpleNamespace(partner_id=partner.id, partner=partner, role=role)
                          for partner, role in content.partners],
        "funding": [SimpleNamespace(partner_id=line["partner"].id if line["partner"] else None, **line)
                    for line in content.funding]})


def _request(pilot: Pilot, user, requested: dict) -> ChangeRequest | None:
    current = open_request(pilot.id)
    if not requested:
        if current is not None:
            current.state, current.updated_at = State.WITHDRAWN, utcnow()
            PILOT.record(user, pilot.id, "change_withdraw")
            db.session.flush()
        return None
    if current is not None and current.proposed == requested:
        return current
    if current is None:
        current = ChangeRequest(pilot_id=pilot.id, state=State.OPEN)
        db.session.add(current)
    current.proposed, current.requested_by_id, current.updated_at = requested, user.id, utcnow()
    after = pilot_operations.differences(pilot, pilot_operations.with_requested(pilot, requested))
    PILOT.record(user, pilot.id, "change_request", after)
    db.session.flush()
    return current


def _check_decision(change: ChangeRequest, user) -> Pilot:
    pilot = change.pilot
    refused = permissions.change_refusal(user, pilot, change)
    if refused is not None:
        raise TransitionError(refused, "not allowed to decide on this change request")
    return pilot


def _decided(change: ChangeRequest, user, state: State, comment: str) -> None:
    change.state, change.decided_by_id, change.decided_at = state, user.id, utcnow()
    change.comment = comment


def accept(change: ChangeRequest, user, comment: str, expected_version: int | None) -> dict:
    """Apply the change request to its pilot (audited ``change_accept``, naming ``user``).

    Raises ``FundingOutsidePeriod`` when the pilot has changed since the request so that its funding
    lines no longer fit the planned period (the rule holds at acceptance as at request)."""
    pilot = _check_decision(change, user)
    comment = (comment or "").strip()
    content = pilot_operations.with_requested(pilot, change.proposed)
    if outside := pilot_operations.funding_outside(content):
        raise FundingOutsidePeriod(outside)
    changes = pilot_operations.update_pilot(pilot, user, content, expected_version, action="change_accept",
                                            note={"comment": (None, comment)})
    _decided(change, user, State.ACCEPTED, comment)
    db.session.flush()
    return changes


def decline(change: ChangeRequest, user, comment: str, expected_version: int | None) -> None:
    """Keep the pilot as it is; the comment (required) tells the owner why."""
    pilot = _check_decision(change, user)
    comment = (comment or "").strip()
    if not comment:
        raise TransitionError(Refusal.COMMENT, "a comment is required to decline a change request")
    guarded_update(pilot, expected_version, updated_at=utcnow())
    _decided(change, user, State.DECLINED, comment)
    PILOT.record(user, pilot.id, "change_decline", {"comment": (None, comment)})
    db.session.flush()
