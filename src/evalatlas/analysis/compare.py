"""Two models compared on the items both answered, task by task.

For every leaderboard column that both models have, the per-sample scores of the runs the
board cites (a group's pooled over its members' newest runs) are joined by (task, sample
id): only items that both runs hold count, and a pair where either side is unscored is
dropped and counted. The metric is the column's headline metric, the one the board shows.
Per task:

- **Difference**: ``mean A - mean B`` over the paired items, with a 95% interval.
- **Test** of "no difference": McNemar's (``scoring.paired.mcnemar_test``: exact below 25
  discordant pairs, continuity-corrected chi-square from there) when every paired score
  is 0 or 1, with the Student-t interval of the paired differences; otherwise the paired
  bootstrap (``scoring.paired.paired_bootstrap``, seeded by ``seed`` and the task name),
  with its percentile interval.
- **Verdict** at ``alpha`` on the p-value after Holm's correction across the compared
  tasks (``holm_adjust``), so that "A better" on any of ten tasks is not a one-in-twenty
  accident; the uncorrected p-value is reported beside it.

The 95% interval of a difference is unadjusted (this task alone) while the verdict is
Holm-adjusted, so an interval can exclude 0 on a task whose verdict is still "no
significant difference"; ``summary`` says so in words whenever it happens. Each side also
says where its board cell lies against random guessing (``analysis.random_baseline``).

Scores are compared raw: the board's normalisation is monotone, so it changes no verdict.
A task only one model has, or whose runs share no scored item (per-sample scores not
stored, or a metric without per-sample values), is listed as not comparable, with why.
When the two runs of a task were asked differently (task version, few-shot count, chat
template), the row says so: the comparison still holds for those runs, not for the models
in general.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow, ModelCard, ScoreCell
from evalatlas.analysis.random_baseline import VersusRandom, cell_versus_random
from evalatlas.errors import ConfigError, StoreError, did_you_mean
from evalatlas.scoring.paired import (
    DEFAULT_N_BOOT,
    FloatArray,
    holm_adjust,
    is_binary,
    mcnemar_test,
    paired_bootstrap,
    paired_mean_difference,
)
from evalatlas.store import EvalResult, EvalSpec, Store
from evalatlas.store.protocol import shared_settings

ALPHA = 0.05
CONFIDENCE = 0.95
SETTINGS = ("task_hash", "num_fewshot", "apply_chat_template", "fewshot_as_multiturn")
ItemKey = tuple[str, str]  # (task the sample belongs to, sample id)


class Verdict(StrEnum):
    A_BETTER = "A better"
    B_BETTER = "B better"
    NO_DIFFERENCE = "no significant difference"


class PairedTestName(StrEnum):
    MCNEMAR_EXACT = "mcnemar_exact"
    MCNEMAR_CHI2 = "mcnemar_chi2"
    PAIRED_BOOTSTRAP = "paired_bootstrap"


@dataclass(frozen=True)
class TaskComparison:
    task: str
    metric: str
    n_paired: int  # items both runs scored
    n_unscored: int  # items both runs hold where either side is unscored (dropped)
    n_only_a: int  # items only A's runs hold
    n_only_b: int
    mean_a: float  # over the paired items
    mean_b: float
    difference: float  # mean_a - mean_b
    ci_low: float  # 95% interval of the difference
    ci_high: float
    test: PairedTestName
    statistic: float  # McNemar: see McNemarResult; bootstrap: the observed difference
    p_value: float  # two-sided, this task alone; NaN when untestable (fewer than 2 pairs)
    p_adjusted: float  # Holm-adjusted across the compared tasks
    verdict: Verdict
    b01: int | None  # McNemar only: items A got wrong and B right
    b10: int | None  # McNemar only: items A got right and B wrong
    run_a: str
    run_b: str
    settings_differ: tuple[str, ...]  # e.g. "num_fewshot: 5 vs 0"
    a_versus_random: VersusRandom | None = None  # A's board cell against random guessing
    b_versus_random: VersusRandom | None = None

    @property
    def interval_excludes_zero(self) -> bool:
        return self.ci_low > 0.0 or self.ci_high < 0.0


@dataclass(frozen=True)
class NotComparable:
    task: str
    reason: str


@dataclass(frozen=True)
class Comparison:
    a: ModelCard
    b: ModelCard
    tasks: tuple[TaskComparison, ...]
    not_comparable: tuple[NotComparable, ...]
    alpha: float
    n_boot: int
    seed: int
    correction: str = "holm"


def compare_models(
    store: Store,
    board: Leaderboard,
    key_a: str,
    key_b: str,
    *,
    alpha: float = ALPHA,
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = 0,
) -> Comparison:
    """Models ``key_a`` and ``key_b`` of ``board`` compared task by task (module docstring)."""
    if not 0.0 < alpha < 1.0:
        raise ConfigError(f"alpha must lie strictly between 0 and 1 (e.g. 0.05), got {alpha}")
    row_a, row_b = _row(board, key_a), _row(board, key_b)
    if key_a == key_b:
        raise ConfigError(f"compare two different models, not {key_a!r} with itself")
    runs_a, runs_b = _stored_runs(store, row_a), _stored_runs(store, row_b)
    compared: list[TaskComparison] = []
    skipped: list[NotComparable] = []
    for task in _tasks(board, row_a, row_b):
        cell_a, cell_b = row_a.cells.get(task), row_b.cells.get(task)
        if cell_a is None or cell_b is None:
            skipped.append(_one_sided(board, task, row_a, row_b))
            continue
        outcome = _compare_task(store, (runs_a, cell_a), (runs_b, cell_b), n_boot, seed)
        if isinstance(outcome, NotComparable):
            skipped.append(outcome)
        else:
            baseline = board.random_baseline.get(task)
            compared.append(
                replace(
                    outcome,
                    a_versus_random=cell_versus_random(cell_a, baseline),
                    b_versus_random=cell_versus_random(cell_b, baseline),
                )
            )
    adjusted = holm_adjust([row.p_value for row in compared])
    final = tuple(
        replace(row, p_adjusted=p, verdict=verdict(row.difference, p, alpha))
        for row, p in zip(compared, adjusted, strict=True)
    )
    return Comparison(row_a.card, row_b.card, final, tuple(skipped), alpha, n_boot, seed)


def summary(comparison: Comparison) -> str:
    """One paragraph: the verdicts counted, and why an interval that excludes 0 can sit
    beside "no significant difference" (the interval is unadjusted, the verdict is not)."""
    tasks = comparison.tasks
    if not tasks:
        return "No task could be compared on shared items."
    counts = {v: sum(1 for t in tasks if t.verdict is v) for v in Verdict}
    a, b = comparison.a.name, comparison.b.name
    text = (
        f"Over {len(tasks)} compared task{'s' if len(tasks) != 1 else ''}: {a} better on "
        f"{counts[Verdict.A_BETTER]}, {b} better on {counts[Verdict.B_BETTER]}, no "
        f"significant difference on {counts[Verdict.NO_DIFFERENCE]} (alpha "
        f"{comparison.alpha:g}, Holm-adjusted across the {len(tasks)} tasks)."
    )
    both = [t for t in tasks if t.interval_excludes_zero and t.verdict is Verdict.NO_DIFFERENCE]
    by_holm = [t.task for t in both if t.p_value < comparison.alpha]
    by_test = [t.task for t in both if not t.p_value < comparison.alpha]
    if by_holm:
        text += (
            f" On {', '.join(by_holm)} the 95% interval of the difference excludes 0, yet "
            "the verdict is no significant difference: both hold, because the interval is "
            "unadjusted (that task alone), while the verdict uses the p-value after Holm's "
            f"correction for testing {len(tasks)} tasks at once, which asks for stronger "
            "evidence."
        )
    if by_test:
        text += (
            f" On {', '.join(by_test)} the 95% interval excludes 0 but the paired test's "
            "p-value does not reach alpha: the interval and the test are different "
            "procedures (e.g. a t interval beside McNemar's test), which can disagree "
            "near the threshold; the verdict follows the test."
        )
    return text


def verdict(difference: float, p_value: float, alpha: float) -> Verdict:
    """A or B better when ``p_value`` is below ``alpha``, by the sign of the difference."""
    if math.isnan(p_value) or p_value >= alpha or difference == 0.0:
        return Verdict.NO_DIFFERENCE
    return Verdict.A_BETTER if difference > 0 else Verdict.B_BETTER


def _row(board: Leaderboard, key: str) -> LeaderboardRow:
    for row in board.rows:
        if row.card.key == key:
            return row
    known = [row.card.key for row in board.rows]
    raise ConfigError(f"no model {key!r} on the leaderboard.{did_you_mean(key, known)}")


def _one_sided(
    board: Leaderboard, task: str, row_a: LeaderboardRow, row_b: LeaderboardRow
) -> NotComparable:
    """Why a task only one model has a ranked result of is not compared."""
    holder, other = (row_a, row_b) if task in row_a.cells else (row_b, row_a)
    ranked = board.protocols.get(task)
    elsewhere = [
        r.protocol.label for r in board.unranked if r.task == task and r.model_key == other.card.key
    ]
    if elsewhere and ranked is not None:
        return NotComparable(
            task,
            f"{other.card.name} has results only under another protocol "
            f"({', '.join(elsewhere)}) than the column's ({ranked.label})",
        )
    return NotComparable(task, f"only {holder.card.name} has a result")


def _tasks(board: Leaderboard, *rows: LeaderboardRow) -> list[str]:
    """Every task either model has, in the board's column order."""
    present = {task for row in rows for task in row.cells}
    return [task for task in board.columns if task in present]


def _stored_runs(store: Store, row: LeaderboardRow) -> dict[str, EvalResult]:
    """Every finished run of the model (same reference and weights) by run id, oldest first."""
    card = row.card
    return {
        run.run_id: run
        for run in store.list_results(model=card.reference, latest_only=False)
        if run.spec.model_reference == card.reference
        and run.spec.model_fingerprint == card.fingerprint
    }


Side = tuple[dict[str, EvalResult], ScoreCell]


def _compare_task(
    store: Store, side_a: Side, side_b: Side, n_boot: int, seed: int
) -> TaskComparison | NotComparable:
    (runs_a, cell_a), (runs_b, cell_b) = side_a, side_b
    task, metric = cell_a.task, cell_a.metric
    run_a, run_b = runs_a.get(cell_a.run_id), runs_b.get(cell_b.run_id)
    if run_a is None or run_b is None:
        return NotComparable(task, "a run the leaderboard cites is no longer stored")
    try:
        items_a = _item_scores(store, runs_a, run_a, metric)
        items_b = _item_scores(store, runs_b, run_b, metric)
    except StoreError as exc:
        return NotComparable(task, f"per-sample scores unreadable: {exc}")
    shared = [item for item in items_a if item in items_b]
    a = np.array([items_a[item] for item in shared], dtype=np.float64)
    b = np.array([items_b[item] for item in shared], dtype=np.float64)
    scored = ~(np.isnan(a) | np.isnan(b))
    if not scored.any():
        reason = "no item scored by both runs" if shared else "the runs share no stored item"
        return NotComparable(task, f"{reason} ({metric})")
    tested = _paired_test(a, b, np.random.default_rng([seed, zlib.crc32(task.encode())]), n_boot)
    return TaskComparison(
        task=task,
        metric=metric,
        n_paired=int(np.count_nonzero(scored)),
        n_unscored=len(shared) - int(np.count_nonzero(scored)),
        n_only_a=len(items_a) - len(shared),
        n_only_b=len(items_b) - len(shared),
        mean_a=float(a[scored].mean()),
        mean_b=float(b[scored].mean()),
        p_adjusted=math.nan,
        verdict=Verdict.NO_DIFFERENCE,
        run_a=run_a.run_id,
        run_b=run_b.run_id,
        settings_differ=settings_differ(run_a.spec, run_b.spec),
        difference=tested.difference,
        ci_low=tested.ci_low,
        ci_high=tested.ci_high,
        test=tested.test,
        statistic=tested.statistic,
        p_value=tested.p_value,
        b01=tested.b01,
        b10=tested.b10,
    )


def _item_scores(
    store: Store, runs: dict[str, EvalResult], cited: EvalResult, metric: str
) -> dict[ItemKey, float]:
    """Per-sample scores behind a cell: its run's, and for a group its members' newest
    runs under the group result's own settings (never a member measured otherwise)."""
    settings = shared_settings(cited.spec)
    newest = {
        run.spec.task: run
        for run in runs.values()  # runs come oldest first
        if run.group == cited.spec.task and shared_settings(run.spec) == settings
    }
    members = list(newest.values())
    scores: dict[ItemKey, float] = {}
    for part in (cited, *members):
        if part.details_path is not None:
            found = store.sample_scores_by_id(part.details_path, metric)
            scores.update(((part.spec.task, sample), value) for sample, value in found.items())
    return scores


@dataclass(frozen=True)
class _Tested:
    difference: float
    ci_low: float
    ci_high: float
    test: PairedTestName
    statistic: float
    p_value: float
    b01: int | None = None
    b10: int | None = None


def _paired_test(a: FloatArray, b: FloatArray, rng: np.random.Generator, n_boot: int) -> _Tested:
    """McNemar's test with the t interval for 0/1 scores, else the paired bootstrap."""
    scored = ~(np.isnan(a) | np.isnan(b))
    if is_binary(a[scored]) and is_binary(b[scored]):
        mcnemar = mcnemar_test(a, b)
        difference = paired_mean_difference(a, b, confidence=CONFIDENCE)
        exact = mcnemar.method == "exact"
        return _Tested(
            difference.difference,
            difference.ci_low,
            difference.ci_high,
            PairedTestName.MCNEMAR_EXACT if exact else PairedTestName.MCNEMAR_CHI2,
            mcnemar.statistic,
            mcnemar.p_value,
            mcnemar.b01,
            mcnemar.b10,
        )
    boot = paired_bootstrap(a, b, rng, n_boot, confidence=CONFIDENCE)
    return _Tested(
        boot.difference,
        boot.ci_low,
        boot.ci_high,
        PairedTestName.PAIRED_BOOTSTRAP,
        boot.difference,
        boot.p_value,
    )


def settings_differ(a: EvalSpec, b: EvalSpec, names: Sequence[str] = SETTINGS) -> tuple[str, ...]:
    """How two runs of a task were asked differently, one ``"name: a vs b"`` line each."""
    lines = []
    for name in names:
        first, second = getattr(a, name), getattr(b, name)
        if first != second:
            if name == "task_hash":
                first, second = str(first)[:12], str(second)[:12]
            lines.append(f"{name}: {first} vs {second}")
    return tuple(lines)
