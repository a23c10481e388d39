"""Who may see and do what with a pilot. The same functions drive templates and enforcement."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import Role
from tracker.memo import per_request
from tracker.pilots.models import Pilot
from tracker.pilots.workflow import (
    CHANGE_CONTROLLED,
    EDITORS,
    PUBLIC_STATUSES,
    REVIEWS,
    TRANSITIONS,
    Action,
    Actor,
    Refusal,
    Status,
    TransitionError,
    check_change_decision,
    check_transition,
)
from tracker.pilots.workflow import needs_change_request as _needs_change_request


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def actors(user, pilot: Pilot) -> frozenset[Actor]:
    """Every role ``user`` holds towards ``pilot`` (an owner may also coordinate its district).

    Worked out once per request for the same user, pilot, owner and district: the pilot page
    asks a dozen times (every action button, edit, outcome)."""
    if not _signed_in(user):
        return frozenset()
    memo = per_request("actors")
    key = (user.id, user.role, pilot.id, pilot.owner_id, pilot.district_id)
    held = memo.get(key)
    if held is None:
        held = set()
        if user.role == Role.ADMIN:
            held.add(Actor.ADMIN)
        if pilot.owner_id == user.id:
            held.add(Actor.OWNER)
        if user.role == Role.COORDINATOR and pilot.district_id in user.district_ids:
            held.add(Actor.COORDINATOR)
        held = memo[key] = frozenset(held or {Actor.OTHER})
    return held


def can_manage(user, pilot: Pilot) -> bool:
    """Owner, coordinator of the district or admin."""
    return bool(actors(user, pilot) & {Actor.OWNER, Actor.COORDINATOR, Actor.ADMIN})


def sees_everything(user) -> bool:
    """Administrators and the innovation office (``viewer``) read every pilot, drafts included,
    in every district; a viewer changes nothing (``can_manage`` and the workflow say no)."""
    return _signed_in(user) and user.role in (Role.ADMIN, Role.VIEWER)


def can_create(user) -> bool:
    """Anyone signed in proposes pilots, except the read-only innovation office."""
    return _signed_in(user) and user.role != Role.VIEWER


def can_view(user, pilot: Pilot) -> bool:
    """Signed-in staff see every pilot past draft; drafts only those who manage them, and the
    innovation office (who reads everything, follows and comments).

    Anonymous visitors see public pilots from approval on (public fields only).
    Other domains (files, follow and comment) ask this function: "who may see the pilot".
    """
    if not _signed_in(user):
        return pilot.is_public and pilot.status in PUBLIC_STATUSES
    if sees_everything(user):
        return True
    if pilot.status == Status.DRAFT:
        return can_manage(user, pilot)
    return True


def visible_filter(user):
    """The ``can_view`` rule as a SQL condition on ``Pilot`` (for lists and counts)."""
    if not _signed_in(user):
        return sa.and_(Pilot.is_public.is_(True), Pilot.status.in_([str(s) for s in PUBLIC_STATUSES]))
    if sees_everything(user):
        return sa.true()
    mine = [Pilot.owner_id == user.id]
    if user.role == Role.COORDINATOR and user.district_ids:
        mine.append(Pilot.district_id.in_(user.district_ids))
    return sa.or_(Pilot.status != Status.DRAFT, *mine)


def can_edit(user, pilot: Pilot) -> bool:
    """Content may be changed by those who manage it until it is final; a submitted proposal
    by admins only (``EDITORS``: reviewers return it instead of rewriting it)."""
    return bool(actors(user, pilot) & EDITORS.get(pilot.status, frozenset()))


def can_move(user, pilot: Pilot | None) -> bool:
    """Choose another district: the owner while the pilot is a draft; once it has been submitted
    (reviewed, approved or run there), the district's coordinator or an administrator only, so an
    approval in one district never silently becomes a pilot in another."""
    if pilot is None or pilot.status == Status.DRAFT:
        return True
    return bool({Actor.COORDINATOR, Actor.ADMIN} & actors(user, pilot))


def can_record_outcome(user, pilot: Pilot) -> bool:
    return can_manage(user, pilot) and pilot.status in {Status.RUNNING, Status.COMPLETED}


REPORTING = frozenset({Status.RUNNING, Status.PAUSED})


def can_report_progress(user, pilot: Pilot) -> bool:
    """Progress reports: on a running or paused pilot, by its owner, the district's coordinator or
    an admin."""
    return can_manage(user, pilot) and pilot.status in REPORTING


def refusal(user, pilot: Pilot, action: Action | str) -> Refusal | None:
    """Why the workflow would refuse ``user`` taking ``action`` now (``None``: it would not);
    the comment is not yet considered."""
    try:
        check_transition(pilot.status, action, actors(user, pilot), comment="-",
                         has_outcome=pilot.outcome is not None)
    except TransitionError as exc:
        return exc.kind
    return None


def can_act(user, pilot: Pilot, action: Action | str) -> bool:
    """Whether the workflow lets ``user`` take ``action`` now (comment not yet considered)."""
    return refusal(user, pilot, action) is None


def can_see_internal(user, pilot: Pilot) -> bool:
    """Contact details, funding, audit and comments: for signed-in users only (not the public),
    the innovation office included."""
    return _signed_in(user) and can_view(user, pilot)


def allowed_actions(user, pilot: Pilot) -> list[Action]:
    return [a for a in TRANSITIONS if can_act(user, pilot, a)]


def allowed_decisions(user, pilot: Pilot) -> list[Action]:
    """The reviewer's choices (approve / return / reject) ``user`` may make now."""
    return [a for a in allowed_actions(user, pilot) if a in REVIEWS]


def needs_change_request(user, pilot: Pilot) -> bool:
    """Whether ``user``'s changes of scope to ``pilot`` wait for a coordinator (a change request)."""
    return _needs_change_request(pilot.status, actors(user, pilot))


def change_refusal(user, pilot: Pilot, change) -> Refusal | None:
    """Why ``user`` may not accept or decline ``change`` (a change request of ``pilot``) now."""
    if change is None or change.state != "open" or pilot.status not in CHANGE_CONTROLLED:
        return Refusal.STATE
    try:
        requester = change.requested_by_id == getattr(user, "id", None)
        check_change_decision(actors(user, pilot), requester=requester)
    except TransitionError as exc:
        return exc.kind
    return None


def can_decide_change(user, pilot: Pilot, change) -> bool:
    """A coordinator of the district or an admin, neither the owner nor the requester."""
    return change_refusal(user, pilot, change) is None
