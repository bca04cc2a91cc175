"""A leaderboard's columns: which stored runs become columns, each column's headline
metric, and its cells' raw and normalised values as arrays (one entry per model).

Arrays rather than per-cell objects because a board of 10,000 models x 10 tasks has
100,000 cells: normalising and averaging them in numpy takes milliseconds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from evalatlas.analysis.board_protocols import (
    ProtocolChoice,
    ProtocolSelection,
    UnrankedResult,
    chosen_protocol,
    full_split_size,
    protocol_choices,
    unranked_reason,
)
from evalatlas.errors import ConfigError
from evalatlas.scoring.normalised import NORMAL_95
from evalatlas.store import LatestRun, Protocol, StoredMetric

HEADLINE_METRICS = (
    "acc_norm",
    "acc",
    "mc2",
    "exact_match,strict-match",
    "exact_match",
    "prompt_level_strict_acc",
)
SUITE_TASK_VERSION = "suite"  # the task_version of a suite's own result
ModelId = tuple[str, str]  # (reference, weights fingerprint): one stored model
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Scale:
    """Values, stderrs and 95% intervals of some cells on one scale (raw or normalised)."""

    value: FloatArray
    stderr: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray

    def take(self, positions: NDArray[np.intp]) -> Scale:
        return Scale(
            self.value[positions],
            self.stderr[positions],
            self.ci_low[positions],
            self.ci_high[positions],
        )

    def effective_stderr(self) -> FloatArray:
        """``scoring.normalised.effective_stderr`` cell by cell: the larger of the stderr
        and the interval's half-width / 1.96 (a NaN stderr stays NaN, as there)."""
        from_interval = (self.ci_high - self.ci_low) / (2 * NORMAL_95)
        return np.where(from_interval > self.stderr, from_interval, self.stderr)


@dataclass(frozen=True)
class Column:
    """One task or group: its headline metric and one cell per model that has it."""

    name: str
    metric: str
    runs: tuple[LatestRun, ...]
    raw: Scale
    n: NDArray[np.int64]
    baseline: FloatArray  # NaN where the run's random baseline is unknown
    normalised: Scale  # NaN where the baseline is unknown
    position: dict[ModelId, int] = field(default_factory=dict)
    protocol: ProtocolChoice | None = None  # the protocol whose results the column ranks
    protocols: tuple[ProtocolChoice, ...] = ()  # every protocol of the task, default first
    unranked: tuple[UnrankedResult, ...] = ()  # the task's results of other protocols

    @property
    def common_baseline(self) -> float | None:
        """The column's random baseline when every cell has the same known one."""
        if np.isnan(self.baseline).any() or len(np.unique(self.baseline)) != 1:
            return None
        return float(self.baseline[0])


def board_columns(
    runs: Sequence[LatestRun],
    protocols: Mapping[str, Protocol] | None = None,
    selection: ProtocolSelection | None = None,
) -> list[Column]:
    """The columns, in name order, by the rules of ``evalatlas.analysis.leaderboard``:
    each ranks the results of one protocol (``board_protocols``). ``protocols``: the
    protocol of each run by protocol hash, for labels; ``selection``: the protocol chosen
    for some columns (else each column's default)."""
    candidates = [run for run in runs if run.task_version != SUITE_TASK_VERSION]
    present = {run.task for run in candidates}
    by_task: dict[str, list[LatestRun]] = defaultdict(list)
    for run in candidates:
        if run.group not in present:  # a member of a group with results folds into it
            by_task[run.task].append(run)
    _check_selection(selection or {}, by_task.keys())
    columns = []
    for task in sorted(by_task):
        column = _task_column(task, by_task[task], protocols or {}, selection or {})
        if column is not None:
            columns.append(column)
    return columns


def _check_selection(selection: ProtocolSelection, tasks: Iterable[str]) -> None:
    unknown = sorted(set(selection) - set(tasks))
    if unknown:
        raise ConfigError(
            f"protocol chosen for {', '.join(unknown)}, which has no column on this board; "
            "name a task or group of the board"
        )


def _task_column(
    task: str,
    task_runs: list[LatestRun],
    protocols: Mapping[str, Protocol],
    selection: ProtocolSelection,
) -> Column | None:
    """The column of ``task`` over the results of its chosen protocol; None when none of
    them reports a usable higher-is-better headline metric."""
    choices = protocol_choices(task_runs, protocols)
    chosen = chosen_protocol(task, choices, selection)
    ranked = [run for run in task_runs if run.protocol_hash == chosen.protocol_hash]
    headline = headline_metric([run.metrics for run in ranked])
    picked = []
    for run in ranked:
        metric = next((m for m in run.metrics if m.name == headline), None)
        if metric is not None and metric.higher_is_better and not math.isnan(metric.value):
            picked.append((run, metric))
    if not picked or headline is None:
        return None
    column = _column(task, headline, picked)
    by_hash = {choice.protocol_hash: choice for choice in choices}
    size = full_split_size(task_runs)
    unranked = tuple(
        UnrankedResult(
            model_reference=run.model_reference,
            model_fingerprint=run.model_fingerprint,
            task=task,
            run_id=run.run_id,
            protocol=by_hash[run.protocol_hash],
            n_samples=run.n_samples,
            reason=unranked_reason(run, by_hash[run.protocol_hash], chosen, size),
        )
        for run in task_runs
        if run.protocol_hash != chosen.protocol_hash
    )
    return replace(column, protocol=chosen, protocols=tuple(choices), unranked=unranked)


def headline_metric(reported: Sequence[Sequence[StoredMetric]]) -> str | None:
    """The first of ``HEADLINE_METRICS`` that every result reports (failing that, that
    any reports), else the first metric reported."""
    counts = Counter(metric.name for metrics in reported for metric in metrics)
    everywhere = {name for name, count in counts.items() if count == len(reported)}
    for pool in (everywhere, counts.keys()):
        for preferred in HEADLINE_METRICS:
            if preferred in pool:
                return preferred
    return next((metrics[0].name for metrics in reported if metrics), None)


def _column(name: str, metric: str, picked: list[tuple[LatestRun, StoredMetric]]) -> Column:
    numbers = np.array([m[1:5] for _, m in picked], dtype=np.float64).reshape(-1, 4)
    raw = Scale(numbers[:, 0], numbers[:, 1], numbers[:, 2], numbers[:, 3])
    baseline = np.array(
        [_usable_baseline(run.random_baseline) for run, _ in picked], dtype=np.float64
    )
    runs = tuple(run for run, _ in picked)
    return Column(
        name=name,
        metric=metric,
        runs=runs,
        raw=raw,
        n=np.array([m.n for _, m in picked], dtype=np.int64),
        baseline=baseline,
        normalised=normalise_scale(raw, baseline),
        position={(r.model_reference, r.model_fingerprint): i for i, r in enumerate(runs)},
    )


def _usable_baseline(baseline: float | None) -> float:
    # A baseline of 1 (one choice) leaves nothing to normalise against.
    return baseline if baseline is not None and 0.0 <= baseline < 1.0 else math.nan


def normalise_values(raw: FloatArray, baseline: FloatArray) -> FloatArray:
    """``scoring.normalised.normalise`` elementwise (perfect score 1): NaN stays NaN."""
    with np.errstate(invalid="ignore"):
        return np.maximum(0.0, (raw - baseline) / (1.0 - baseline)) * 100.0


def normalise_scale(raw: Scale, baseline: FloatArray) -> Scale:
    """``scoring.normalised.normalise_metric`` elementwise: the interval maps bound by
    bound, the stderr scales by 100 / (1 - baseline)."""
    return Scale(
        normalise_values(raw.value, baseline),
        raw.stderr * 100.0 / (1.0 - baseline),
        normalise_values(raw.ci_low, baseline),
        normalise_values(raw.ci_high, baseline),
    )
