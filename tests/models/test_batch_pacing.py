"""Batches sized by time when no size is given, against a scripted backend whose requests
declare what they cost on a scripted clock (users never meet either)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from evalatlas.errors import UnsupportedRequestError
from evalatlas.models import Model, ModelInfo
from evalatlas.models.batching import BatchTiming
from evalatlas.requests import (
    GenerateRequest,
    Generation,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    RequestKind,
    RollingLoglikelihoodRequest,
)

TARGET_S = 5.0
CHOICES = 4


@dataclass
class ScriptedClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class TimedBackend:
    """Each request takes ``seconds_per_request`` on ``clock``; answers depend on the
    request only."""

    clock: ScriptedClock
    seconds_per_request: float
    preferred_batch_size: int = 256
    batches: list[list[LoglikelihoodRequest]] = field(default_factory=list)

    @property
    def info(self) -> ModelInfo:
        return ModelInfo("timed", "timed", "timed", "none")

    @property
    def supported_kinds(self) -> frozenset[RequestKind]:
        return frozenset({RequestKind.LOGLIKELIHOOD})

    def check_kind(self, kind: RequestKind) -> None:
        if kind is not RequestKind.LOGLIKELIHOOD:
            raise UnsupportedRequestError(f"the timed backend scores log-likelihoods, not {kind}")

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        self.batches.append(list(requests))
        self.clock.now += self.seconds_per_request * len(requests)
        return [LoglikelihoodResult(-float(len(r.continuation)), False, 1) for r in requests]

    def loglikelihood_rolling(
        self, requests: Sequence[RollingLoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]:
        raise UnsupportedRequestError("the timed backend scores log-likelihoods only")

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]:
        raise UnsupportedRequestError("the timed backend scores log-likelihoods only")

    def close(self) -> None:
        return None


def questions(n: int) -> list[LoglikelihoodRequest]:
    """``n`` questions of ``CHOICES`` choices each, all of one length (so of one cost)."""
    return [
        LoglikelihoodRequest(f"s{q:03d}", c, f"Question {q:03d}: pick one.", f" option {c}")
        for q in range(n)
        for c in range(CHOICES)
    ]


def paced_run(
    seconds_per_request: float, n_questions: int, preferred: int = 256
) -> tuple[TimedBackend, list[int], list[float]]:
    """The backend after a paced run, the progress callback's calls, and batch seconds."""
    clock = ScriptedClock()
    backend = TimedBackend(clock, seconds_per_request, preferred)
    model = Model(backend, timing=BatchTiming(target_seconds=TARGET_S, clock=clock))
    seen: list[int] = []
    model.run(questions(n_questions), progress=seen.append)
    seconds = [len(batch) * seconds_per_request for batch in backend.batches]
    return backend, seen, seconds


def test_batches_start_small_and_grow_to_the_time_target_never_past_it() -> None:
    backend, seen, seconds = paced_run(seconds_per_request=0.06, n_questions=200)
    sizes = [len(batch) for batch in backend.batches]
    assert sizes[0] == CHOICES  # one question: progress shows within a fraction of a second
    assert all(s <= TARGET_S for s in seconds)
    one_question_s = CHOICES * 0.06
    # Once grown, a batch is as full as the target allows (the last holds what is left).
    assert all(s > TARGET_S - one_question_s for s in seconds[3:-1])
    assert sizes == sorted(sizes[:-1]) + sizes[-1:]  # growing, never shrinking on a steady pace
    assert seen == sizes  # progress advances once per finished batch, by its size
    assert sum(seen) == 200 * CHOICES


def test_a_slower_machine_gets_smaller_batches_of_the_same_duration() -> None:
    fast, _, fast_seconds = paced_run(seconds_per_request=0.06, n_questions=200)
    slow, _, slow_seconds = paced_run(seconds_per_request=0.25, n_questions=200)
    assert max(len(b) for b in slow.batches) < max(len(b) for b in fast.batches)
    assert max(slow_seconds) <= TARGET_S and max(fast_seconds) <= TARGET_S


def test_a_group_costlier_than_the_target_is_one_batch_never_split() -> None:
    backend, seen, _ = paced_run(seconds_per_request=2.0, n_questions=5)
    assert [len(batch) for batch in backend.batches] == [CHOICES] * 5
    for batch in backend.batches:
        assert len({request.context for request in batch}) == 1
    assert seen == [CHOICES] * 5


def test_a_fast_machine_stops_at_the_backend_preferred_size() -> None:
    backend, _, _ = paced_run(seconds_per_request=1e-6, n_questions=200, preferred=16)
    sizes = [len(batch) for batch in backend.batches]
    assert max(sizes) == 16
    assert sizes.count(16) >= 40


@pytest.mark.parametrize("size", [1, 6, 1000])
def test_an_explicit_batch_size_is_exact_and_answers_do_not_depend_on_it(size: int) -> None:
    clock = ScriptedClock()
    backend = TimedBackend(clock, seconds_per_request=3.0)
    timing = BatchTiming(target_seconds=TARGET_S, clock=clock)
    requests = questions(10)
    answers = Model(backend, batch_size=size, timing=timing).run(requests)
    groups_per_batch = max(1, size // CHOICES)
    expected = [
        min(groups_per_batch, 10 - start) * CHOICES for start in range(0, 10, groups_per_batch)
    ]
    assert [len(batch) for batch in backend.batches] == expected
    paced = TimedBackend(ScriptedClock(), seconds_per_request=0.05)
    assert answers == Model(paced, timing=BatchTiming(clock=paced.clock)).run(requests)


def test_the_pace_is_kept_per_model_across_runs() -> None:
    clock = ScriptedClock()
    backend = TimedBackend(clock, seconds_per_request=0.06)
    model = Model(backend, timing=BatchTiming(target_seconds=TARGET_S, clock=clock))
    model.run(questions(200))
    first_run = len(backend.batches)
    later = [
        LoglikelihoodRequest(f"t{q}", c, f"Later {q:03d}: pick.", f" opt {c}")
        for q in range(100)
        for c in range(CHOICES)
    ]
    model.run(later)
    # The second run starts at the pace the first one measured, not at one question.
    assert len(backend.batches[first_run]) > CHOICES
