"""The job state machine: every legal move, every illegal one, and the helpers built on the table."""

from __future__ import annotations

import itertools

import pytest

from chalicelib.jobs.states import TERMINAL, TRANSITIONS, IllegalTransition, JobStatus, sources_for

S = JobStatus
LEGAL = {
    (S.QUEUED, S.QUEUED), (S.QUEUED, S.SUCCEEDED), (S.QUEUED, S.FAILED), (S.QUEUED, S.EXPIRED),
    (S.QUEUED, S.CANCELLED), (S.QUEUED, S.IN_DOUBT),
    (S.IN_DOUBT, S.QUEUED), (S.IN_DOUBT, S.SUCCEEDED), (S.IN_DOUBT, S.FAILED),
}
ALL_PAIRS = list(itertools.product(JobStatus, JobStatus))


def test_every_state_has_a_row() -> None:
    # GIVEN the transition table / WHEN its rows are listed / THEN every status has one
    assert set(TRANSITIONS) == set(JobStatus)


@pytest.mark.parametrize(("source", "target"), sorted(LEGAL))
def test_legal_moves(source: JobStatus, target: JobStatus) -> None:
    # GIVEN a move drawn in the module's diagram / THEN the table allows it
    assert target in TRANSITIONS[source]
    # AND sources_for accepts it when narrowed to that source
    assert sources_for(target, frozenset({source})) == {source}


@pytest.mark.parametrize(("source", "target"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_moves(source: JobStatus, target: JobStatus) -> None:
    # GIVEN any move not in the diagram / THEN the table refuses it
    assert target not in TRANSITIONS[source]
    # AND asking for it is a programming error, not a silent no-op
    with pytest.raises(IllegalTransition):
        sources_for(target, frozenset({source}))


def test_terminal_states_have_no_way_out() -> None:
    # GIVEN the four terminal states / THEN none of them leads anywhere, and only they are terminal
    assert {s for s in JobStatus if s.is_terminal} == TERMINAL
    assert {S.SUCCEEDED, S.FAILED, S.EXPIRED, S.CANCELLED} == TERMINAL
    assert all(TRANSITIONS[s] == frozenset() for s in TERMINAL)


def test_in_doubt_and_in_flight_are_not_terminal() -> None:
    # GIVEN a write whose outcome is unknown / THEN it still has to reach a terminal state
    assert not S.IN_DOUBT.is_terminal
    assert not S.IN_FLIGHT.is_terminal
    assert not S.QUEUED.is_terminal


@pytest.mark.parametrize("target", list(JobStatus))
def test_sources_for_lists_every_predecessor(target: JobStatus) -> None:
    # WHEN the sources of a state are asked without narrowing
    expected = {source for source, to in LEGAL if to == target}
    if not expected:
        # THEN a state nothing leads to is an error (there is no way to reach it)
        with pytest.raises(IllegalTransition):
            sources_for(target)
    else:
        # THEN they are exactly the diagram's arrows into it
        assert sources_for(target) == expected


def test_in_flight_is_a_view_never_a_stored_state() -> None:
    # GIVEN a job QuickBooks runs (the lease points at it) / THEN no stored move leads to or from in_flight
    assert TRANSITIONS[S.IN_FLIGHT] == frozenset()
    assert all(S.IN_FLIGHT not in targets for targets in TRANSITIONS.values())


def test_status_values_are_the_rest_contract() -> None:
    # THEN the wire values are the ones DESIGN §5 lists for GET /v1/jobs/{id}
    assert {s.value for s in JobStatus} == {
        "queued", "in_flight", "succeeded", "failed", "expired", "cancelled", "in_doubt"}
