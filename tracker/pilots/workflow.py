"""The pilot status workflow: statuses, actions and the transition table.

Pure Python on purpose (no Flask, no database): the one place the workflow rules live,
tested exhaustively over every (status, action, actor) combination.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    REVISE = "revise"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    COMPLETE = "complete"
    EVALUATE = "evaluate"
    WITHDRAW = "withdraw"


class Actor(StrEnum):
    """How the acting user relates to the pilot (decided by permissions, not here)."""

    OWNER = "owner"
    COORDINATOR = "coordinator"  # coordinator of the pilot's district
    ADMIN = "admin"
    OTHER = "other"


FINAL = frozenset({Status.EVALUATED, Status.WITHDRAWN})
# Statuses shown in the public register (from approval on).
PUBLIC_STATUSES = frozenset(
    {Status.APPROVED, Status.RUNNING, Status.PAUSED, Status.COMPLETED, Status.EVALUATED}
)
# A pilot's content (fields, partners, funding) may be edited in these statuses.
EDITABLE = frozenset(Status) - FINAL


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    actors: frozenset[Actor]
    comment_required: bool = False


_OWNER_COORD = frozenset({Actor.OWNER, Actor.COORDINATOR})

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.SUBMIT, frozenset({Status.DRAFT}), Status.SUBMITTED, frozenset({Actor.OWNER})),
        Transition(Action.APPROVE, frozenset({Status.SUBMITTED}), Status.APPROVED,
                   frozenset({Actor.COORDINATOR})),
        Transition(Action.RETURN, frozenset({Status.SUBMITTED}), Status.DRAFT,
                   frozenset({Actor.COORDINATOR}), comment_required=True),
        Transition(Action.REJECT, frozenset({Status.SUBMITTED}), Status.REJECTED,
                   frozenset({Actor.COORDINATOR}), comment_required=True),
        Transition(Action.REVISE, frozenset({Status.REJECTED}), Status.DRAFT, frozenset({Actor.OWNER})),
        Transition(Action.START, frozenset({Status.APPROVED}), Status.RUNNING, _OWNER_COORD),
        Transition(Action.PAUSE, frozenset({Status.RUNNING}), Status.PAUSED, _OWNER_COORD,
                   comment_required=True),
        Transition(Action.RESUME, frozenset({Status.PAUSED}), Status.RUNNING, _OWNER_COORD),
        Transition(Action.COMPLETE, frozenset({Status.RUNNING}), Status.COMPLETED, _OWNER_COORD),
        Transition(Action.EVALUATE, frozenset({Status.COMPLETED}), Status.EVALUATED, _OWNER_COORD),
        Transition(
            Action.WITHDRAW,
            frozenset({Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.RUNNING, Status.PAUSED}),
            Status.WITHDRAWN,
            _OWNER_COORD,
            comment_required=True,
        ),
    )
}


# A review is someone else's judgement: the owner of a proposal never reviews it, even when they
# coordinate its district (another coordinator of the district or an admin does).
REVIEWS = frozenset({Action.APPROVE, Action.RETURN, Action.REJECT})


class TransitionError(Exception):
    """An action that the workflow does not allow; ``code`` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_transition(
    status: Status | str,
    action: Action | str,
    actors: set[Actor] | frozenset[Actor],
    comment: str = "",
) -> Status:
    """Return the target status of ``action`` from ``status`` or raise ``TransitionError``.

    ``actors`` is every role the user holds towards the pilot (an owner may also be the
    district coordinator). Admin may do every action.
    """
    try:
        status, action = Status(status), Action(action)
    except ValueError as exc:
        raise TransitionError("unknown", str(exc)) from exc
    rule = TRANSITIONS[action]
    if status not in rule.sources:
        raise TransitionError("state", f"cannot {action} a pilot that is {status}")
    if Actor.ADMIN not in actors and not (rule.actors & set(actors)):
        raise TransitionError("actor", f"not allowed to {action} this pilot")
    if action in REVIEWS and Actor.OWNER in actors and Actor.ADMIN not in actors:
        raise TransitionError("own", f"the owner cannot {action} their own proposal")
    if rule.comment_required and not (comment or "").strip():
        raise TransitionError("comment", f"a comment is required to {action}")
    return rule.target


def actions_from(status: Status | str) -> list[Action]:
    """Actions whose source includes ``status``, in table order."""
    return [a for a, t in TRANSITIONS.items() if Status(status) in t.sources]


# Proposal fields (form field names) that must be filled before ``submit``.
REQUIRED_FOR_SUBMIT = (
    "title", "district", "arena_kind", "themes", "need", "description", "goals",
    "planned_start", "planned_end", "agency", "contact_name", "contact_email",
)


def missing_for_submit(values: dict) -> list[str]:
    """The names in ``REQUIRED_FOR_SUBMIT`` whose value in ``values`` is empty, in form order."""
    missing = []
    for name in REQUIRED_FOR_SUBMIT:
        value = values.get(name)
        if value is None or (isinstance(value, str | list | tuple | set) and not
                             (value.strip() if isinstance(value, str) else value)):
            missing.append(name)
    return missing


def comment_required(action: Action | str) -> bool:
    return TRANSITIONS[Action(action)].comment_required
