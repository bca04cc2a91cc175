"""Running a suite (``leaderboard_v2``): every benchmark with its own few-shot setting, the
benchmarks whose data cannot be had skipped with the reason, then the suite's scores.

A benchmark runs whole or not at all: a partial BBH would be reported as BBH. When a
benchmark's few-shot pool is absent (MMLU-Pro's validation split in a local copy that has
only the test split) it runs 0-shot and the deviation is reported and recorded in its spec.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import uuid4

from evalatlas.errors import DataError, UnsupportedRequestError
from evalatlas.models import Model
from evalatlas.runner.evaluate import evaluate_planned
from evalatlas.runner.groups import shared_scorer
from evalatlas.runner.outcome import TaskOutcome
from evalatlas.runner.plan import (
    MEMBER_CARD_FIELDS,
    EvalConfig,
    PlannedTask,
    check_config,
    plan_task,
    prompt_options,
)
from evalatlas.runner.progress import NullProgress, ProgressReporter
from evalatlas.runner.suite_scores import BenchmarkRun, suite_metrics
from evalatlas.store.records import EvalResult, EvalSpec
from evalatlas.store.workspace import Store
from evalatlas.tasks.registry import resolve_tasks
from evalatlas.tasks.suites import Benchmark, Suite
from evalatlas.tasks.task import PromptOptions

SUITE_VERSION = "suite"


@dataclass(frozen=True)
class SkippedBenchmark:
    benchmark: str
    reason: str


@dataclass(frozen=True)
class SuiteOutcome:
    """Every task and group result, what was skipped or changed, and the suite's scores
    (``result`` is None when no benchmark could run)."""

    suite: Suite
    outcomes: list[TaskOutcome]
    skipped: list[SkippedBenchmark] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)
    result: EvalResult | None = None


def evaluate_suite(
    model: Model,
    suite: Suite,
    config: EvalConfig,
    store: Store | None = None,
    progress: ProgressReporter | None = None,
) -> SuiteOutcome:
    """Plan every benchmark of ``suite`` (skipping those whose data is missing or whose
    requests the model cannot serve), run them in one model call, and score the suite;
    results go to ``store`` when given."""
    reporter = progress or NullProgress()
    check_config(config)
    options = prompt_options(model, config)
    runs: list[BenchmarkRun] = []
    skipped: list[SkippedBenchmark] = []
    deviations: list[str] = []
    for benchmark in suite.benchmarks:
        try:
            planned, deviation = _plan_benchmark(model, benchmark, config, options)
        except (DataError, UnsupportedRequestError) as error:
            skipped.append(SkippedBenchmark(benchmark.name, str(error)))
            reporter.note(f"{benchmark.name}: skipped ({error})")
            continue
        runs.append(BenchmarkRun(benchmark, tuple(planned)))
        if deviation:
            deviations.append(deviation)
    all_planned = [plan for run in runs for plan in run.planned]
    if not all_planned:
        return SuiteOutcome(suite, [], skipped, deviations)
    model.check_kinds({r.kind for p in all_planned for s in p.prepared for r in s.requests})
    outcomes = evaluate_planned(model, all_planned, config, store, reporter)
    result = _suite_result(suite, runs, outcomes, config, store)
    return SuiteOutcome(suite, outcomes, skipped, deviations, result)


def _plan_benchmark(
    model: Model, benchmark: Benchmark, config: EvalConfig, options: PromptOptions
) -> tuple[list[PlannedTask], str | None]:
    """The benchmark's tasks planned at its few-shot setting (``--num-fewshot`` overrides
    it); a task without a few-shot pool runs 0-shot, reported as a deviation."""
    planned: list[PlannedTask] = []
    fell_back: list[str] = []
    reason = ""
    tasks = resolve_tasks(benchmark.tasks)
    # A model that cannot serve the benchmark (the random baseline cannot generate) skips
    # it before any data is read.
    model.check_kinds({task.output_type for task in tasks})
    for task in tasks:
        task.default_num_fewshot = benchmark.num_fewshot
        data = task.load(config.data_dir, config.limit)
        wants_examples = config.num_fewshot is None and benchmark.num_fewshot > 0
        if wants_examples and not data.fewshot_pool:
            task.default_num_fewshot = 0
            fell_back.append(task.name)
            reason = reason or _pool_note(data.source, data.fewshot_elsewhere)
        planned.append(plan_task(model, task, config, options, data))
    if not fell_back:
        return planned, None
    which = fell_back[0] if len(fell_back) == 1 else f"{len(fell_back)} of {len(planned)} tasks"
    return planned, (
        f"{benchmark.name}: {which} ran 0-shot, not {benchmark.num_fewshot}-shot as the"
        f" leaderboard does ({reason}); its score is not comparable with the leaderboard's"
    )


def _pool_note(source: str, elsewhere: str | None) -> str:
    if elsewhere:
        return f"the few-shot examples are {elsewhere}"
    pool = source.partition("; ")[2]
    return pool or "no few-shot pool"


def _suite_result(
    suite: Suite,
    runs: Sequence[BenchmarkRun],
    outcomes: Sequence[TaskOutcome],
    config: EvalConfig,
    store: Store | None,
) -> EvalResult | None:
    results = {o.result.spec.task: o.result for o in outcomes}
    spec = _suite_spec(suite, [results[p.task.name].spec for r in runs for p in r.planned])
    stored = None if config.force or store is None else store.find_finished(spec.spec_hash())
    if stored is not None:
        return stored
    metrics = suite_metrics(suite, runs, results)
    result = EvalResult(
        run_id=uuid4().hex,
        spec=spec,
        spec_hash=spec.spec_hash(),
        metrics=metrics,
        created_at=datetime.now(UTC),
        n_samples=sum(results[p.task.name].n_samples for r in runs for p in r.planned),
        usage={
            "benchmarks_run": float(len(runs)),
            "benchmarks_total": float(len(suite.benchmarks)),
        },
        truncated_samples=sum(
            results[p.task.name].truncated_samples for r in runs for p in r.planned
        ),
        context_length=next(iter(results.values())).context_length,
    )
    return store.save_result(result, []) if store is not None else result


def _suite_spec(suite: Suite, member_specs: Sequence[EvalSpec]) -> EvalSpec:
    """The members' specs (each with its own few-shot setting) hashed into one: a suite
    result is reused exactly when every member would be."""

    def digest(values: list[str]) -> str:
        return hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()

    return member_specs[0].model_copy(
        update={
            "task": suite.name,
            "task_version": SUITE_VERSION,
            "task_hash": digest([s.spec_hash() for s in member_specs] + [repr(suite)]),
            "data_fingerprint": digest([s.data_fingerprint for s in member_specs]),
            "num_fewshot": 0,
            "generation_kwargs": {},
            "scorer": shared_scorer(member_specs),
            **MEMBER_CARD_FIELDS,
        }
    )
