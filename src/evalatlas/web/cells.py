"""How a score cell is shown: the number, its 95% CI as a whisker, and its JSON form.

A cell shows its normalised score (0-100, random guessing 0) when it has one, else the raw
metric value. Non-finite numbers (an unscored metric) are shown as a dash and exported as
null: JSON has no NaN. A cell whose interval includes the random baseline says so in words
(``analysis.random_baseline``), on the page and in its JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from evalatlas.analysis.leaderboard import ScoreCell
from evalatlas.analysis.random_baseline import (
    ON_TASK,
    ON_TASKS,
    VersusRandom,
    cell_versus_random,
    is_indistinguishable,
    random_sentence,
)

WHISKER_WIDTH = 64.0
NORMALISED = "normalised"
RAW = "raw"
MISSING = "—"


def finite(value: float | None) -> float | None:
    """``value`` when it is a finite number, else None."""
    return value if value is not None and math.isfinite(value) else None


def shown_value(cell: ScoreCell | None) -> float | None:
    """The number a cell shows and sorts by: normalised when known, else raw."""
    if cell is None:
        return None
    return finite(cell.normalised) if cell.normalised is not None else finite(cell.value)


def shown_interval(cell: ScoreCell) -> tuple[float | None, float | None]:
    if cell.normalised is not None and cell.normalised_ci is not None:
        return finite(cell.normalised_ci[0]), finite(cell.normalised_ci[1])
    return finite(cell.ci_low), finite(cell.ci_high)


def scale_of(cell: ScoreCell) -> str:
    return NORMALISED if cell.normalised is not None else RAW


@dataclass(frozen=True)
class Whisker:
    """Positions (0..WHISKER_WIDTH) of the interval's ends and of the point estimate."""

    low: float
    high: float
    point: float


@dataclass(frozen=True)
class CellView:
    text: str
    title: str
    scale: str
    whisker: Whisker | None
    random_note: str = ""  # e.g. "not distinguishable from random guessing on this task"

    @property
    def near_random(self) -> bool:
        return bool(self.random_note)


EMPTY_CELL = CellView(MISSING, "no result", "", None)


def cell_view(cell: ScoreCell | None, baseline: float | None = None) -> CellView:
    """The cell as shown; ``baseline`` is its column's raw random baseline, when known."""
    if cell is None:
        return EMPTY_CELL
    value = shown_value(cell)
    low, high = shown_interval(cell)
    scale = scale_of(cell)
    text = MISSING if value is None else format_score(value, scale)
    note = random_sentence(cell_versus_random(cell, baseline), _where(cell))
    title = cell_title(cell) + (f"; {note}" if note else "")
    return CellView(text, title, scale, _whisker(value, low, high, scale), note)


def _where(cell: ScoreCell) -> str:
    return ON_TASK if cell.run_id else ON_TASKS  # an average has no run of its own


def format_score(value: float, scale: str) -> str:
    return f"{value:.1f}" if scale == NORMALISED else f"{value:.3f}"


def cell_title(cell: ScoreCell) -> str:
    """The tooltip: metric, raw and normalised values, interval and n."""
    low, high = shown_interval(cell)
    scale = scale_of(cell)
    label = cell.metric if cell.run_id else f"average ({cell.metric} scale)"
    parts = [f"{label} = {_plain(cell.value, RAW)}"]
    if cell.normalised is not None:
        parts.append(f"normalised {_plain(cell.normalised, NORMALISED)}")
    parts.append(f"95% CI [{_plain(low, scale)}, {_plain(high, scale)}]")
    parts.append(f"n = {cell.n}")
    return "; ".join(parts)


def _plain(value: float | None, scale: str) -> str:
    value = finite(value)
    return MISSING if value is None else format_score(value, scale)


def _whisker(
    value: float | None, low: float | None, high: float | None, scale: str
) -> Whisker | None:
    top = 100.0 if scale == NORMALISED else 1.0
    if value is None or low is None or high is None:
        return None
    if not 0.0 <= low <= high <= top:
        return None  # a raw metric off the 0-1 scale (perplexity) has no common axis

    def position(number: float) -> float:
        return round(min(max(number / top, 0.0), 1.0) * WHISKER_WIDTH, 1)

    return Whisker(position(low), position(high), position(value))


def random_json(verdict: VersusRandom | None) -> dict[str, Any]:
    """``versus_random`` (above | indistinguishable | below | null) and the boolean
    ``indistinguishable_from_random`` (null when no baseline is known)."""
    return {
        "versus_random": None if verdict is None else str(verdict),
        "indistinguishable_from_random": None if verdict is None else is_indistinguishable(verdict),
    }


def cell_json(cell: ScoreCell | None, baseline: float | None = None) -> dict[str, Any] | None:
    """Every field of the cell, plus what the page shows and where it lies against random
    guessing (``baseline``: its column's raw random baseline); non-finite numbers become
    null."""
    if cell is None:
        return None
    low, high = shown_interval(cell)
    ci = cell.normalised_ci
    return {
        "task": cell.task,
        "metric": cell.metric,
        "value": finite(cell.value),
        "ci_low": finite(cell.ci_low),
        "ci_high": finite(cell.ci_high),
        "stderr": finite(cell.stderr),
        "n": cell.n,
        "normalised": finite(cell.normalised),
        "normalised_ci": None if ci is None else [finite(ci[0]), finite(ci[1])],
        "run_id": cell.run_id,
        "shown": shown_value(cell),
        "shown_ci": [low, high],
        "scale": scale_of(cell),
        **random_json(cell_versus_random(cell, baseline)),
    }


def format_parameters(count: int | None) -> str:
    """135M, 1.7B, 70B; a dash when unknown."""
    if count is None:
        return MISSING
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= size:
            scaled = count / size
            text = f"{scaled:.1f}" if scaled < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + unit
    return str(count)
