"""The compare page: two model pickers, then one row per task with the paired difference,
its interval, the paired test and the verdict; and its JSON twin."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from evalatlas.analysis.compare import (
    CONFIDENCE,
    Comparison,
    PairedTestName,
    TaskComparison,
    summary,
)
from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow
from evalatlas.analysis.random_baseline import is_indistinguishable, random_sentence
from evalatlas.web.board_export import card_json
from evalatlas.web.cells import MISSING

PAGE_PATH = "/compare"
API_PATH = "/api/compare"
# A picker of 10,000 models would weigh megabytes: it lists the board's best rows, and a
# model page's "compare with" link reaches every other model.
MAX_PICKER = 1000
NOTE = (
    "Each task compares the two models on the items both answered, on the metric the "
    "leaderboard shows. p-values are per task; the verdict uses them after Holm's "
    "correction across the compared tasks, at the given alpha. The 95% interval of a "
    "difference is for its task alone (unadjusted), so it can exclude 0 on a task whose "
    "Holm-adjusted verdict is still no significant difference."
)
TEST_LABELS = {
    PairedTestName.MCNEMAR_EXACT: "McNemar, exact binomial",
    PairedTestName.MCNEMAR_CHI2: "McNemar, χ² with continuity correction",
    PairedTestName.PAIRED_BOOTSTRAP: "paired bootstrap",
}


def compare_url(key_a: str | None, key_b: str | None, path: str = PAGE_PATH) -> str:
    pairs = [(name, key) for name, key in (("a", key_a), ("b", key_b)) if key]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def comparison_json(comparison: Comparison, board: Leaderboard) -> dict[str, Any]:
    a, b = comparison.a.key, comparison.b.key
    return {
        "a": card_json(comparison.a),
        "b": card_json(comparison.b),
        "alpha": comparison.alpha,
        "confidence": CONFIDENCE,
        "correction": comparison.correction,
        "n_boot": comparison.n_boot,
        "seed": comparison.seed,
        "note": NOTE,
        "summary": summary(comparison),
        "fingerprint": board.fingerprint,
        "tasks": [_task_json(row) for row in comparison.tasks],
        "not_comparable": [asdict(item) for item in comparison.not_comparable],
        "url": compare_url(a, b),
        "swapped_url": compare_url(b, a, API_PATH),
    }


def _task_json(row: TaskComparison) -> dict[str, Any]:
    payload = asdict(row)
    payload["test"] = str(row.test)
    payload["verdict"] = str(row.verdict)
    payload["settings_differ"] = list(row.settings_differ)
    payload["interval_excludes_zero"] = row.interval_excludes_zero
    for side, verdict in (("a", row.a_versus_random), ("b", row.b_versus_random)):
        payload[f"{side}_versus_random"] = None if verdict is None else str(verdict)
        payload[f"{side}_indistinguishable_from_random"] = (
            None if verdict is None else is_indistinguishable(verdict)
        )
    return payload


@dataclass(frozen=True)
class PickerOption:
    key: str
    label: str


def picker_options(board: Leaderboard, chosen: Iterable[LeaderboardRow]) -> list[PickerOption]:
    """The board's first ``MAX_PICKER`` models, and the chosen ones wherever they rank."""
    rows = list(board.rows[:MAX_PICKER])
    listed = {row.card.key for row in rows}
    rows += [row for row in chosen if row.card.key not in listed]
    return [PickerOption(row.card.key, _label(row)) for row in rows]


def _label(row: LeaderboardRow) -> str:
    return f"{row.card.name} ({row.card.reference})"


@dataclass(frozen=True)
class TaskLine:
    """One row of the compare table, formatted."""

    row: TaskComparison
    mean_a: str
    mean_b: str
    difference: str
    interval: str
    test: str
    statistic: str
    p_value: str
    p_adjusted: str
    verdict_class: str  # "a-better" | "b-better" | "no-difference"
    notes: tuple[str, ...]


def task_lines(comparison: Comparison) -> list[TaskLine]:
    lines = []
    for row in comparison.tasks:
        test = TEST_LABELS[row.test]
        if row.b01 is not None and row.b10 is not None:
            test += f" (b10 = {row.b10}, b01 = {row.b01})"
        lines.append(
            TaskLine(
                row=row,
                mean_a=_number(row.mean_a),
                mean_b=_number(row.mean_b),
                difference=_number(row.difference, signed=True),
                interval=f"[{_number(row.ci_low, signed=True)}, "
                f"{_number(row.ci_high, signed=True)}]",
                test=test,
                statistic=_number(row.statistic),
                p_value=format_p(row.p_value),
                p_adjusted=format_p(row.p_adjusted),
                verdict_class=str(row.verdict.name).lower().replace("_", "-"),
                notes=_notes(row),
            )
        )
    return lines


def _notes(row: TaskComparison) -> tuple[str, ...]:
    notes = [f"asked differently: {line}" for line in row.settings_differ]
    if row.n_unscored:
        notes.append(f"{row.n_unscored} shared items unscored on a side, left out")
    if row.n_only_a or row.n_only_b:
        notes.append(f"items only in A's run: {row.n_only_a}, only in B's: {row.n_only_b}")
    for side, verdict in (("A", row.a_versus_random), ("B", row.b_versus_random)):
        if sentence := random_sentence(verdict):
            notes.append(f"{side} is {sentence}")
    return tuple(notes)


def _number(value: float, *, signed: bool = False) -> str:
    if not math.isfinite(value):
        return MISSING
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def format_p(value: float) -> str:
    """p-values to two significant digits; below 0.0001 as such."""
    if not math.isfinite(value):
        return MISSING
    return "< 0.0001" if value < 1e-4 else f"{value:.2g}"
