"""What evaluating one task gives: a module of its own, so the group averages and the
evaluation loop that both handle outcomes do not import each other."""

from __future__ import annotations

from dataclasses import dataclass

from evalatlas.store.records import EvalResult, SampleRecord


@dataclass(frozen=True)
class TaskOutcome:
    """A finished task: its result, and whether it was reused from the store."""

    result: EvalResult
    reused: bool
    samples: tuple[SampleRecord, ...] = ()
