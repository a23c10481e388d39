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


class Need(StrEnum):
    """Whether an action asks for a comment."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


class Refusal(StrEnum):
    """Why the workflow refuses an action (``TransitionError.kind``), in the order it is checked."""

    UNKNOWN = "unknown"  # not a status or action at all
    STATE = "state"  # not from this status
    OWN = "own"  # someone else's judgement: the owner never takes it, admins included
    ACTOR = "actor"  # not this user's action
    OUTCOME = "outcome"  # needs a recorded outcome first
    COMMENT = "comment"  # needs a comment
    DATE = "date"  # the actual end would be before the actual start


FINAL = frozenset({Status.EVALUATED, Status.WITHDRAWN})
# Statuses shown in the public register (from approval on).
PUBLIC_STATUSES = frozenset(
    {Status.APPROVED, Status.RUNNING, Status.PAUSED, Status.COMPLETED, Status.EVALUATED}
)
# A pilot's content (fields, partners, funding) may be edited in these statuses...
EDITABLE = frozenset(Status) - FINAL
# ... by these actors. A submitted proposal is under review: reviewers return it with a comment
# instead of rewriting it, so only admins edit it (the owner edits again after a return).
_MANAGERS = frozenset({Actor.OWNER, Actor.COORDINATOR, Actor.ADMIN})
EDITORS: dict[Status, frozenset[Actor]] = {
    s: frozenset({Actor.ADMIN}) if s == Status.SUBMITTED else _MANAGERS for s in EDITABLE
}


@dataclass(frozen=True)
class Transition:
    """One row of the workflow table, with what the pilot page asks for before taking it.

    ``comment``: whether the page asks for a comment (and whether it is required).
    ``sets_date``: the pilot's date column the action sets (the user's date, today by default).
    ``confirm``: the page asks "are you sure?" first (every final action does; the text is the
    ``action_confirm`` label in ``tracker/labels.py``).
    ``decision``: one of the reviewer's choices, offered together as one decision.
    ``by_others``: a judgement on the owner's work: nobody takes it on their own pilot, admins included.
    ``needs_outcome``: only once the pilot's outcome is recorded.
    """

    action: Action
    sources: frozenset[Status]
    target: Status
    actors: frozenset[Actor]
    comment: Need = Need.OPTIONAL
    sets_date: str | None = None
    confirm: bool = False
    decision: bool = False
    by_others: bool = False
    needs_outcome: bool = False

    @property
    def comment_required(self) -> bool:
        return self.comment == Need.REQUIRED

    @property
    def asks_comment(self) -> bool:
        return self.comment != Need.NONE

    @property
    def final(self) -> bool:
        return self.target in FINAL


_OWNER = frozenset({Actor.OWNER})
_COORD = frozenset({Actor.COORDINATOR})
_OWNER_COORD = frozenset({Actor.OWNER, Actor.COORDINATOR})
_REVIEW = {"sources": frozenset({Status.SUBMITTED}), "actors": _COORD, "decision": True, "by_others": True}

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.SUBMIT, frozenset({Status.DRAFT}), Status.SUBMITTED, _OWNER),
        Transition(Action.APPROVE, target=Status.APPROVED, **_REVIEW),
        Transition(Action.RETURN, target=Status.DRAFT, comment=Need.REQUIRED, **_REVIEW),
        Transition(Action.REJECT, target=Status.REJECTED, comment=Need.REQUIRED, **_REVIEW),
        Transition(Action.REVISE, frozenset({Status.REJECTED}), Status.DRAFT, _OWNER),
        Transition(Action.START, frozenset({Status.APPROVED}), Status.RUNNING, _OWNER_COORD,
                   comment=Need.NONE, sets_date="actual_start"),
        Transition(Action.PAUSE, frozenset({Status.RUNNING}), Status.PAUSED, _OWNER_COORD,
                   comment=Need.REQUIRED),
        Transition(Action.RESUME, frozenset({Status.PAUSED}), Status.RUNNING, _OWNER_COORD),
        Transition(Action.COMPLETE, frozenset({Status.RUNNING}), Status.COMPLETED, _OWNER_COORD,
                   comment=Need.NONE, sets_date="actual_end", confirm=True),
        Transition(Action.EVALUATE, frozenset({Status.COMPLETED}), Status.EVALUATED, _COORD,
                   confirm=True, by_others=True, needs_outcome=True),
        Transition(
            Action.WITHDRAW,
            frozenset({Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.RUNNING, Status.PAUSED}),
            Status.WITHDRAWN,
            _OWNER_COORD,
            comment=Need.REQUIRED,
            confirm=True,
        ),
    )
}

# The reviewer's choices on a submitted proposal (one decision form on the pilot page).
REVIEWS = frozenset(a for a, t in TRANSITIONS.items() if t.decision)


class TransitionError(Exception):
    """An action that the workflow does not allow; ``kind`` (a ``Refusal``) says why."""

    def __init__(self, kind: Refusal, message: str):
        super().__init__(message)
        self.kind = kind


def check_transition(
    status: Status | str,
    action: Action | str,
    actors: set[Actor] | frozenset[Actor],
    comment: str = "",
    *,
    has_outcome: bool = False,
) -> Status:
    """Return the target status of ``action`` from ``status`` or raise ``TransitionError``.

    ``actors`` is every role the user holds towards the pilot (an owner may also be the
    district coordinator). Admin may do every action, except judge their own pilot
    (``by_others``). ``has_outcome``: whether the pilot's outcome is recorded.
    """
    try:
        status, action = Status(status), Action(action)
    except ValueError as exc:
        raise TransitionError(Refusal.UNKNOWN, str(exc)) from exc
    rule = TRANSITIONS[action]
    if status not in rule.sources:
        raise TransitionError(Refusal.STATE, f"cannot {action} a pilot that is {status}")
    if rule.by_others and Actor.OWNER in actors:
        raise TransitionError(Refusal.OWN, f"nobody may {action} their own pilot")
    if Actor.ADMIN not in actors and not (rule.actors & set(actors)):
        raise TransitionError(Refusal.ACTOR, f"not allowed to {action} this pilot")
    if rule.needs_outcome and not has_outcome:
        raise TransitionError(Refusal.OUTCOME, f"record the outcome before you {action}")
    if rule.comment_required and not (comment or "").strip():
        raise TransitionError(Refusal.COMMENT, f"a comment is required to {action}")
    return rule.target


def actions_from(status: Status | str) -> list[Action]:
    """Actions whose source includes ``status``, in table order."""
    return [a for a, t in TRANSITIONS.items() if Status(status) in t.sources]


def missing_for_submit(values: dict, required: tuple[str, ...]) -> list[str]:
    """The names in ``required`` whose value in ``values`` is empty, in that order.

    ``required`` is the pilot field registry's list (``tracker/pilots/audit_fields.py``), passed in so
    that this module stays free of Flask.
    """
    missing = []
    for name in required:
        value = values.get(name)
        if value is None or (isinstance(value, str | list | tuple | set) and not
                             (value.strip() if isinstance(value, str) else value)):
            missing.append(name)
    return missing


# After approval the owner's changes of scope wait for a coordinator (a change request); the
# coordinators' and administrators' own edits apply directly.
CHANGE_CONTROLLED = frozenset({Status.APPROVED, Status.RUNNING, Status.PAUSED, Status.COMPLETED})
_DIRECT_EDITORS = frozenset({Actor.COORDINATOR, Actor.ADMIN})


def needs_change_request(status: Status | str, actors: set[Actor] | frozenset[Actor]) -> bool:
    """Whether an edit of scope fields by someone holding ``actors`` becomes a change request."""
    return Status(status) in CHANGE_CONTROLLED and not (set(actors) & _DIRECT_EDITORS)


def check_change_decision(actors: set[Actor] | frozenset[Actor], requester: bool) -> None:
    """Accepting or declining a change request: a coordinator of the district or an administrator,
    never the pilot's owner nor the one who asked (``requester``). Raises ``TransitionError``."""
    if Actor.OWNER in actors or requester:
        raise TransitionError(Refusal.OWN, "nobody decides on their own change request")
    if not (set(actors) & _DIRECT_EDITORS):
        raise TransitionError(Refusal.ACTOR, "not allowed to decide on this change request")


def funding_outside_period(years: list[int | None], start, end) -> list[int]:
    """The positions (0-based) of funding ``years`` outside the years of the planned period
    ``start``–``end`` (dates); none while the period is missing or ends before it starts (reported
    as such)."""
    if start is None or end is None or end < start:
        return []
    return [i for i, year in enumerate(years) if year is not None and not start.year <= year <= end.year]
