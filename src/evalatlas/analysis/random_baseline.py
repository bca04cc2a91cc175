"""Whether a score can be told apart from random guessing.

A score is *not distinguishable from random guessing* when its 95% interval includes the
random baseline: the data cannot rule out that the model guesses. Every view says so in
words (``NOT_DISTINGUISHABLE``) and its JSON twin carries ``versus_random``.

- A task cell compares its raw interval with the column's random baseline when the board
  has one; else, when it has a normalised score (random guessing 0), its normalised
  interval with 0 (normalised bounds are floored at 0, so a floored lower bound counts as
  reaching the baseline).
- An average or category score on the normalised scale compares its interval with 0.
- A score with no known baseline (a raw average, a generative task's raw value) is
  ``None``: nothing is claimed either way.
"""

from __future__ import annotations

import math
from enum import StrEnum

from evalatlas.analysis.leaderboard import ScoreCell

NOT_DISTINGUISHABLE = "not distinguishable from random guessing"
ON_TASK = "on this task"
ON_TASKS = "on these tasks"


class VersusRandom(StrEnum):
    ABOVE = "above"  # the whole interval lies above the baseline
    INDISTINGUISHABLE = "indistinguishable"  # the interval includes the baseline
    BELOW = "below"  # the whole interval lies below it (worse than guessing)


def versus_random(low: float | None, high: float | None, baseline: float) -> VersusRandom | None:
    """Where the interval [low, high] lies against ``baseline``; None when it is unknown."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return None
    if low > baseline:
        return VersusRandom.ABOVE
    if high < baseline:
        return VersusRandom.BELOW
    return VersusRandom.INDISTINGUISHABLE


def cell_versus_random(cell: ScoreCell, baseline: float | None = None) -> VersusRandom | None:
    """A cell (task or average) against random guessing (rules in the module docstring);
    ``baseline`` is the raw random baseline of the cell's column, when the board has one."""
    if baseline is not None and not math.isnan(baseline) and cell.run_id:
        return versus_random(cell.ci_low, cell.ci_high, baseline)
    if cell.normalised is not None and cell.normalised_ci is not None:
        return versus_random(*cell.normalised_ci, 0.0)
    return None


def is_indistinguishable(verdict: VersusRandom | None) -> bool:
    return verdict is VersusRandom.INDISTINGUISHABLE


def random_sentence(verdict: VersusRandom | None, where: str = ON_TASK) -> str:
    """The words a page shows for ``verdict`` (empty when there is nothing to say)."""
    if verdict is VersusRandom.INDISTINGUISHABLE:
        return f"{NOT_DISTINGUISHABLE} {where} (its 95% interval includes the random baseline)"
    if verdict is VersusRandom.BELOW:
        return f"below random guessing {where} (its whole 95% interval lies under the baseline)"
    return ""
