"""How ``Model`` cuts the requests of one kind into batches, and how large each batch is.

Requests that share one context (the choices of one multiple-choice sample) form a group,
and a batch holds whole groups only: a backend may then evaluate a context once per batch,
and the random baseline picks among exactly one sample's choices.

Without an explicit size, batches are paced: the first batch is a single group, and each
later one holds as many groups as should take about ``BatchTiming.target_seconds`` at the
pace measured on the batches finished so far (at most ``growth`` times the previous batch,
and never more requests than the backend's preferred size). Each finished batch is cached
and reported before the next starts, so a progress bar moves every few seconds and a killed
run loses at most a few seconds of work, on a slow machine as on a fast one. An explicit
size is exact: batches of that many requests, whatever they cost.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from evalatlas.models.choice_groups import merge_partial_evaluations
from evalatlas.requests import AnyRequest, GenerateRequest, LoglikelihoodRequest

Keyed = tuple[str, AnyRequest]
"""A request with the key its answer is kept under."""
Group = list[Keyed]


@dataclass(frozen=True)
class BatchTiming:
    """How long a paced batch should take, and the clock its duration is read from."""

    target_seconds: float = 5.0
    # A batch's estimated cost is at most this many times the previous batch's: the pace
    # measured on a small batch is rough, so batches grow a step at a time.
    growth: float = 4.0
    clock: Callable[[], float] = field(default=time.perf_counter, repr=False)


class BatchPacer:
    """Sizes the batches of one request kind: paced by ``timing``, or exact when None."""

    def __init__(self, max_requests: int, timing: BatchTiming | None) -> None:
        self.max_requests = max_requests
        self._timing = timing
        self._seconds_per_cost: float | None = None
        self._last_cost = 0

    def cost_budget(self) -> float:
        """The estimated cost the next batch may hold; its first group goes in whatever
        its cost, so a batch is never empty and a group never split."""
        if self._timing is None:
            return math.inf
        if self._seconds_per_cost is None:
            return 0.0  # the first batch is one group: it measures the pace
        step = self._timing.growth * self._last_cost
        if self._seconds_per_cost <= 0.0:
            return step  # finished within the clock's resolution: only the step bounds it
        return min(step, self._timing.target_seconds / self._seconds_per_cost)

    def record(self, cost: int, seconds: float) -> None:
        """Learn from a finished batch of estimated ``cost`` that took ``seconds``."""
        if self._timing is None:
            return
        pace = seconds / cost
        previous = self._seconds_per_cost
        # Half the weight on the newest batch: it follows a machine that speeds up or slows
        # down, while one odd batch moves the estimate only halfway.
        self._seconds_per_cost = pace if previous is None else (previous + pace) / 2
        self._last_cost = cost


def take_batch(groups: deque[Group], pacer: BatchPacer) -> tuple[Group, int]:
    """Whole groups from the front of ``groups`` for the next batch, and their cost."""
    budget = pacer.cost_budget()
    first = groups.popleft()
    batch, cost = list(first), group_cost(first)
    while groups:
        following = groups[0]
        more = group_cost(following)
        if len(batch) + len(following) > pacer.max_requests or cost + more > budget:
            break
        batch.extend(groups.popleft())
        cost += more
    return batch, cost


def group_cost(group: Group) -> int:
    """What a group costs a backend, in characters read: each distinct context once (a
    prefix-sharing backend reads it once) and every continuation; for other kinds the
    request's text, plus a generation's token budget."""
    contexts: set[str] = set()
    cost = 0
    for _, request in group:
        if isinstance(request, LoglikelihoodRequest):
            if request.context not in contexts:
                contexts.add(request.context)
                cost += len(request.context)
            cost += len(request.continuation)
        else:
            cost += request_length(request)
    return max(cost, 1)


def ordered_groups(keyed: list[Keyed]) -> deque[Group]:
    """``keyed`` (requests of one kind) in groups that share a context, in batching order.

    Log-likelihood groups go in context order, so samples sharing a prefix (one few-shot
    header) meet in one batch, or in consecutive ones, and a prefix-sharing backend reads
    the prefix once. Other kinds go longest first: padded batches then hold requests of
    similar length, and a batch too large for memory fails at the start, not at the end.
    Backends score a request the same whatever its batch, so the order changes no number.
    """
    groups: dict[str, Group] = {}
    for item in keyed:
        groups.setdefault(_group_key(item[1]), []).append(item)
    if keyed and isinstance(keyed[0][1], LoglikelihoodRequest):
        in_context_order = [groups[context] for context in sorted(groups)]
        return deque(merge_partial_evaluations(in_context_order, _loglikelihood_request))
    return deque(sorted(groups.values(), key=_group_length, reverse=True))


def _group_key(request: AnyRequest) -> str:
    # Choices of one multiple-choice sample share their context (partial-evaluation
    # samples, one context per choice, are merged afterwards: see choice_groups).
    if isinstance(request, LoglikelihoodRequest):
        return request.context
    return request.request_id


def _loglikelihood_request(item: Keyed) -> LoglikelihoodRequest:
    request = item[1]
    if not isinstance(request, LoglikelihoodRequest):
        raise TypeError(f"expected a LoglikelihoodRequest, got {request!r}")
    return request


def request_length(request: AnyRequest) -> int:
    """Characters of a request's text, plus a generation's token budget."""
    if isinstance(request, LoglikelihoodRequest):
        return len(request.context) + len(request.continuation)
    if isinstance(request, GenerateRequest):
        text = request.prompt or "".join(m.content for m in request.messages or ())
        return len(text) + request.max_tokens
    return len(request.text)


def _group_length(group: Group) -> int:
    return max(request_length(request) for _, request in group)
