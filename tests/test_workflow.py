"""The pure workflow table against DESIGN.md §3, written out again here as the specification."""

import itertools

import pytest

from tracker.pilots.workflow import (
    FINAL,
    REQUIRED_FOR_SUBMIT,
    TRANSITIONS,
    Action,
    Actor,
    Status,
    TransitionError,
    actions_from,
    check_transition,
    missing_for_submit,
)

S, A = Status, Action
OWNER, COORD = {Actor.OWNER}, {Actor.COORDINATOR}
BOTH = OWNER | COORD
# action: (sources, target, who, comment required) — copied from DESIGN.md §3, not from the code.
SPEC = {
    A.SUBMIT: ({S.DRAFT}, S.SUBMITTED, OWNER, False),
    A.APPROVE: ({S.SUBMITTED}, S.APPROVED, COORD, False),
    A.RETURN: ({S.SUBMITTED}, S.DRAFT, COORD, True),
    A.REJECT: ({S.SUBMITTED}, S.REJECTED, COORD, True),
    A.REVISE: ({S.REJECTED}, S.DRAFT, OWNER, False),
    A.START: ({S.APPROVED}, S.RUNNING, BOTH, False),
    A.PAUSE: ({S.RUNNING}, S.PAUSED, BOTH, True),
    A.RESUME: ({S.PAUSED}, S.RUNNING, BOTH, False),
    A.COMPLETE: ({S.RUNNING}, S.COMPLETED, BOTH, False),
    A.EVALUATE: ({S.COMPLETED}, S.EVALUATED, BOTH, False),
    A.WITHDRAW: ({S.DRAFT, S.SUBMITTED, S.APPROVED, S.RUNNING, S.PAUSED}, S.WITHDRAWN, BOTH, True),
}
ACTOR_SETS = [set(), {Actor.OTHER}, OWNER, COORD, BOTH, {Actor.ADMIN}, {Actor.ADMIN, Actor.OWNER}]


def expected(status, action, actors, comment):
    sources, target, who, needs_comment = SPEC[action]
    if status not in sources:
        return "state"
    if Actor.ADMIN not in actors and not (who & actors):
        return "actor"
    if action in (A.APPROVE, A.RETURN, A.REJECT) and Actor.OWNER in actors and Actor.ADMIN not in actors:
        return "own"  # no one reviews their own proposal
    if needs_comment and not comment.strip():
        return "comment"
    return target


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
@pytest.mark.parametrize("comment", ["", "   ", "Because."])
def test_every_status_action_actor_combination_matches_the_design(status, action, comment):
    for actors in ACTOR_SETS:
        want = expected(status, action, actors, comment)
        if isinstance(want, Status):
            assert check_transition(status, action, actors, comment) == want, (status, action, actors)
        else:
            with pytest.raises(TransitionError) as info:
                check_transition(status, action, actors, comment)
            assert info.value.code == want, (status, action, actors, comment)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(Status, Status)))
def test_every_status_pair_is_reachable_exactly_as_designed(source, target):
    designed = {a for a, (sources, to, _who, _c) in SPEC.items() if source in sources and to == target}
    actual = {a for a, t in TRANSITIONS.items() if source in t.sources and t.target == target}
    assert actual == designed


def test_final_statuses_have_no_way_out():
    assert {S.EVALUATED, S.WITHDRAWN} == FINAL
    for status in FINAL:
        assert actions_from(status) == []


def test_unknown_status_or_action_is_refused():
    with pytest.raises(TransitionError) as info:
        check_transition("flying", A.SUBMIT, OWNER)
    assert info.value.code == "unknown"
    with pytest.raises(TransitionError):
        check_transition(S.DRAFT, "teleport", OWNER)


def test_missing_for_submit_lists_empty_required_fields_in_form_order():
    complete = {name: "x" for name in REQUIRED_FOR_SUBMIT} | {"themes": [1]}
    assert missing_for_submit(complete) == []
    gaps = complete | {"need": "  ", "themes": [], "planned_end": None}
    assert missing_for_submit(gaps) == ["themes", "need", "planned_end"]
    assert missing_for_submit({}) == list(REQUIRED_FOR_SUBMIT)
