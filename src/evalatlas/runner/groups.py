"""Group results (e.g. ``mmlu`` over its 57 subjects): a micro-average over every member
sample, so the CI reflects the pooled n, as lm-evaluation-harness weights groups by size."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from evalatlas.runner.outcome import TaskOutcome
from evalatlas.runner.plan import MEMBER_CARD_FIELDS, EvalConfig, PlannedTask
from evalatlas.runner.records import metric_record
from evalatlas.scoring.stats import mean_metric
from evalatlas.store.records import EvalResult, EvalSpec, SampleRecord
from evalatlas.store.workspace import Store
from evalatlas.tasks.registry import group_members


def group_results(
    planned: Sequence[PlannedTask],
    outcomes: Sequence[TaskOutcome],
    config: EvalConfig,
    store: Store | None,
) -> list[TaskOutcome]:
    members: dict[str, list[TaskOutcome]] = defaultdict(list)
    for plan, outcome in zip(planned, outcomes, strict=True):
        if plan.task.group:
            members[plan.task.group].append(outcome)
    results = []
    for group, member_outcomes in members.items():
        if len(member_outcomes) != len(group_members(group)):
            continue  # a partial group would be mislabelled as the whole benchmark
        spec = _group_spec(group, [o.result.spec for o in member_outcomes])
        stored = None if config.force or store is None else store.find_finished(spec.spec_hash())
        if stored is not None:
            results.append(TaskOutcome(stored, reused=True))
            continue
        result = _group_result(spec, member_outcomes, store)
        if not result.metrics:
            continue  # members share no metric (e.g. multiple choice + generation)
        if store is not None:
            result = store.save_result(result, [])
        results.append(TaskOutcome(result, reused=False))
    return results


GROUP_VERSION = "group"
"""The ``task_version`` of a group's aggregate result."""


def _group_spec(group: str, specs: list[EvalSpec]) -> EvalSpec:
    def digest(values: list[str]) -> str:
        return hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()

    return specs[0].model_copy(
        update={
            "task": group,
            "task_version": GROUP_VERSION,
            "task_hash": digest([s.task_hash for s in specs]),
            "data_fingerprint": digest([s.data_fingerprint for s in specs]),
            "scorer": shared_scorer(specs),
            **MEMBER_CARD_FIELDS,
        }
    )


def shared_scorer(specs: Sequence[EvalSpec]) -> dict[str, Any] | None:
    """The scorer every member was graded by; None when they differ (then each member's
    card says its own)."""
    first = specs[0].scorer
    return first if all(spec.scorer == first for spec in specs) else None


def _group_result(spec: EvalSpec, outcomes: list[TaskOutcome], store: Store | None) -> EvalResult:
    pooled: dict[str, list[float]] = defaultdict(list)
    directions: dict[str, bool] = {}
    for outcome in outcomes:
        for record in _member_samples(outcome, store):
            for name, value in record.scores.items():
                pooled[name].append(value)
        for metric in outcome.result.metrics:
            directions[metric.name] = metric.higher_is_better
    n_total = sum(o.result.n_samples for o in outcomes)
    metrics = []
    for name, values in pooled.items():
        if len(values) != n_total:
            continue  # a metric only some members report has no honest pooled value
        pooled_metric = mean_metric(values)
        direction = directions.get(name, True)
        metrics.append(metric_record(name, pooled_metric, higher_is_better=direction))
    return EvalResult(
        run_id=uuid4().hex,
        spec=spec,
        spec_hash=spec.spec_hash(),
        metrics=metrics,
        created_at=datetime.now(UTC),
        n_samples=n_total,
        usage={"members": float(len(outcomes))},
        truncated_samples=sum(o.result.truncated_samples for o in outcomes),
        context_length=outcomes[0].result.context_length,
        random_baseline=_common_baseline([o.result.random_baseline for o in outcomes]),
    )


def _common_baseline(baselines: list[float | None]) -> float | None:
    """The members' random baseline when they all share one; a pooled score over members
    with different numbers of choices has no single chance level."""
    distinct = set(baselines)
    return distinct.pop() if len(distinct) == 1 else None


def _member_samples(outcome: TaskOutcome, store: Store | None) -> Sequence[SampleRecord]:
    if outcome.samples:
        return outcome.samples
    if store is None:
        return ()
    return store.load_samples(outcome.result.run_id)
