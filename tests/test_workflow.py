"""The pure workflow table against DESIGN.md §3, written out again here as the specification."""

import itertools

import pytest

from tracker.pilots.workflow import (
    EDITORS,
    FINAL,
    REVIEWS,
    TRANSITIONS,
    Action,
    Actor,
    Refusal,
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
    A.EVALUATE: ({S.COMPLETED}, S.EVALUATED, COORD, False),
    A.WITHDRAW: ({S.DRAFT, S.SUBMITTED, S.APPROVED, S.RUNNING, S.PAUSED}, S.WITHDRAWN, BOTH, True),
}
# Judgements on the owner's work: nobody takes them on their own pilot, admins included.
JUDGEMENTS = {A.APPROVE, A.RETURN, A.REJECT, A.EVALUATE}
ACTOR_SETS = [set(), {Actor.OTHER}, OWNER, COORD, BOTH, {Actor.ADMIN}, {Actor.ADMIN, Actor.OWNER},
              {Actor.ADMIN, Actor.COORDINATOR}]


def expected(status, action, actors, comment, has_outcome=True):
    sources, target, who, needs_comment = SPEC[action]
    if status not in sources:
        return Refusal.STATE
    if action in JUDGEMENTS and Actor.OWNER in actors:
        return Refusal.OWN
    if Actor.ADMIN not in actors and not (who & actors):
        return Refusal.ACTOR
    if action == A.EVALUATE and not has_outcome:
        return Refusal.OUTCOME  # an outcome with verdict and lessons first
    if needs_comment and not comment.strip():
        return Refusal.COMMENT
    return target


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
@pytest.mark.parametrize("comment", ["", "   ", "Because."])
@pytest.mark.parametrize("has_outcome", [True, False])
def test_every_status_action_actor_combination_matches_the_design(status, action, comment, has_outcome):
    for actors in ACTOR_SETS:
        want = expected(status, action, actors, comment, has_outcome)
        if isinstance(want, Refusal):
            with pytest.raises(TransitionError) as info:
                check_transition(status, action, actors, comment, has_outcome=has_outcome)
            assert info.value.kind is want, (status, action, actors, comment)
        else:
            got = check_transition(status, action, actors, comment, has_outcome=has_outcome)
            assert got == want, (status, action, actors)


@pytest.mark.parametrize("action", sorted(JUDGEMENTS))
def test_nobody_judges_their_own_pilot_not_even_an_admin(action):
    """The admin exemption let an admin approve their own proposal (hostile test, issue 10)."""
    status = next(iter(SPEC[action][0]))
    for actors in ({Actor.ADMIN, Actor.OWNER}, BOTH, OWNER):
        with pytest.raises(TransitionError) as info:
            check_transition(status, action, actors, "Because.", has_outcome=True)
        assert info.value.kind is Refusal.OWN
    assert check_transition(status, action, {Actor.ADMIN}, "Because.", has_outcome=True) == SPEC[action][1]


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
    assert info.value.kind is Refusal.UNKNOWN
    with pytest.raises(TransitionError):
        check_transition(S.DRAFT, "teleport", OWNER)


def test_missing_for_submit_lists_empty_required_fields_in_form_order():
    required = ("title", "themes", "need", "planned_end")
    complete = {name: "x" for name in required} | {"themes": [1]}
    assert missing_for_submit(complete, required) == []
    gaps = complete | {"need": "  ", "themes": [], "planned_end": None}
    assert missing_for_submit(gaps, required) == ["themes", "need", "planned_end"]
    assert missing_for_submit({}, required) == list(required)


def test_what_the_pilot_page_asks_for_is_in_the_table():
    """DESIGN.md §3: comments on return, reject, pause and withdraw; dates on start and complete;
    the reviewer's decision is approve, return or reject; final actions are confirmed first."""
    assert {a for a, t in TRANSITIONS.items() if t.comment_required} == {a for a, s in SPEC.items() if s[3]}
    assert {a: t.sets_date for a, t in TRANSITIONS.items() if t.sets_date} == {
        A.START: "actual_start", A.COMPLETE: "actual_end"}
    assert {a for a, t in TRANSITIONS.items() if not t.asks_comment} == {A.START, A.COMPLETE}
    assert {A.APPROVE, A.RETURN, A.REJECT} == REVIEWS
    assert {a for a, t in TRANSITIONS.items() if t.final} == {A.EVALUATE, A.WITHDRAW}
    assert {a for a, t in TRANSITIONS.items() if t.confirm} == {A.COMPLETE, A.EVALUATE, A.WITHDRAW}
    assert [a for a, t in TRANSITIONS.items() if t.needs_outcome] == [A.EVALUATE]


def test_a_submitted_proposal_is_edited_by_admins_only():
    """Reviewers return a proposal with a comment instead of rewriting it; the owner edits it again
    once it is back in draft."""
    assert EDITORS[S.SUBMITTED] == {Actor.ADMIN}
    for status in set(Status) - FINAL - {S.SUBMITTED}:
        assert EDITORS[status] == {Actor.OWNER, Actor.COORDINATOR, Actor.ADMIN}
    assert not FINAL & set(EDITORS)
