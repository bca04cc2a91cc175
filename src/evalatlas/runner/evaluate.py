"""The evaluation loop: plan every task, run the model once over all requests, score, store.

Requests of all tasks go to the model together, so identical requests across tasks are
computed once (the facade dedupes) and the progress bar shows the whole job. They are
answered through ``config.executor``: in this process, or sharded across Ray actors; the
result is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

import numpy as np

from evalatlas.models import Model
from evalatlas.requests import AnyResponse
from evalatlas.runner.cache import StoreResponseCache
from evalatlas.runner.groups import group_results
from evalatlas.runner.model_cards import catalog_name, model_card_metadata
from evalatlas.runner.outcome import TaskOutcome
from evalatlas.runner.plan import EvalConfig, PlannedTask, plan_tasks
from evalatlas.runner.progress import NullProgress, ProgressReporter
from evalatlas.runner.records import metric_record, sample_record, truncated_requests
from evalatlas.store.records import EvalResult, MetricRecord, SampleRecord
from evalatlas.store.workspace import Store
from evalatlas.tasks.task import SampleOutcome, Task


def evaluate(
    model: Model,
    tasks: Sequence[Task],
    config: EvalConfig,
    store: Store | None = None,
    progress: ProgressReporter | None = None,
) -> list[TaskOutcome]:
    """Evaluate ``model`` on ``tasks``; results are saved to ``store`` when one is given.

    A task whose identical spec already has a finished result is reused unless
    ``config.force``. Group results (e.g. ``mmlu``) follow their member tasks. With a
    store and ``config.use_cache``, every model response is kept in the store as soon as
    its batch finishes, and responses already there are not computed again: a run that was
    killed resumes where it stopped and gives exactly the result of an uninterrupted run.
    """
    planned = plan_tasks(model, list(tasks), config)
    return evaluate_planned(model, planned, config, store, progress)


def evaluate_planned(
    model: Model,
    planned: Sequence[PlannedTask],
    config: EvalConfig,
    store: Store | None = None,
    progress: ProgressReporter | None = None,
) -> list[TaskOutcome]:
    """``evaluate`` for tasks already planned (see ``plan_tasks``)."""
    reporter = progress or NullProgress()
    outcomes: dict[str, TaskOutcome] = {}
    to_run: list[PlannedTask] = []
    for plan in planned:
        stored = (
            None if config.force or store is None else store.find_finished(plan.spec.spec_hash())
        )
        if stored is not None:
            outcomes[plan.task.name] = TaskOutcome(stored, reused=True)
            reporter.note(
                f"{plan.task.name}: reusing stored run {stored.run_id[:8]} (--force reruns)"
            )
        else:
            to_run.append(plan)
    hook = model.cache
    if store is not None and config.use_cache:
        hook = StoreResponseCache(store.response_cache(), model.info.fingerprint)
    with model.using_cache(hook):
        responses = _run_requests(model, to_run, config, reporter)
    for plan in to_run:
        outcome = _finish_task(plan, responses, config, model.info.context_length)
        if store is not None:
            saved = store.save_result(outcome.result, list(outcome.samples))
            outcome = TaskOutcome(saved, reused=False, samples=outcome.samples)
        outcomes[plan.task.name] = outcome
    ordered = [outcomes[p.task.name] for p in planned]
    grouped = ordered + group_results(planned, ordered, config, store)
    if store is not None and grouped:
        # After the saves: the model's row exists now, even when every result was reused.
        info = model.info
        store.record_model_metadata(info.reference, info.fingerprint, model_card_metadata(info))
    return grouped


def _run_requests(
    model: Model, planned: list[PlannedTask], config: EvalConfig, reporter: ProgressReporter
) -> dict[tuple[str, str], AnyResponse]:
    """All tasks' requests in one call, so identical requests across tasks run once.

    Responses are keyed by (task name, request id): request ids are unique within a task.
    """
    keyed = [
        ((plan.task.name, request.request_id), request)
        for plan in planned
        for prepared in plan.prepared
        for request in prepared.requests
    ]
    if not keyed:
        return {}
    shown_name = catalog_name(model.info.reference) or model.info.name
    reporter.start(f"{shown_name}: {len(keyed)} requests", len(keyed))
    try:
        answers = config.executor.run(model, [r for _, r in keyed], reporter.advance)
    finally:
        reporter.finish()
    return {key: answer for (key, _), answer in zip(keyed, answers, strict=True)}


def _finish_task(
    plan: PlannedTask,
    responses: dict[tuple[str, str], AnyResponse],
    config: EvalConfig,
    context_length: int | None,
) -> TaskOutcome:
    task = plan.task
    outcomes: list[SampleOutcome] = []
    records: list[SampleRecord] = []
    truncated_samples = 0
    for prepared in plan.prepared:
        answers = [responses[(task.name, r.request_id)] for r in prepared.requests]
        outcome = task.score(prepared, answers)
        outcomes.append(outcome)
        records.append(sample_record(prepared, answers, outcome))
        if truncated_requests(answers):
            truncated_samples += 1
    result = EvalResult(
        run_id=uuid4().hex,
        spec=plan.spec,
        spec_hash=plan.spec.spec_hash(),
        metrics=_metric_records(task, outcomes, config),
        created_at=datetime.now(UTC),
        n_samples=len(records),
        group=task.group,
        truncated_samples=truncated_samples,
        context_length=context_length,
        random_baseline=task.random_baseline(),
    )
    return TaskOutcome(result, reused=False, samples=tuple(records))


def _metric_records(
    task: Task, outcomes: list[SampleOutcome], config: EvalConfig
) -> list[MetricRecord]:
    rng = np.random.default_rng(config.bootstrap_seed)
    values = task.aggregate(outcomes, rng)
    return [
        metric_record(name, v, higher_is_better=task.higher_is_better(name))
        for name, v in values.items()
    ]
