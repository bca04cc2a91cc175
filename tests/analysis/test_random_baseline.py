"""Whether a score can be told apart from random guessing."""

from __future__ import annotations

import math

from evalatlas.analysis.leaderboard import ScoreCell
from evalatlas.analysis.random_baseline import (
    VersusRandom,
    cell_versus_random,
    random_sentence,
    versus_random,
)


def cell(
    low: float, high: float, normalised: tuple[float, float] | None, run_id: str = "r"
) -> ScoreCell:
    middle = (low + high) / 2
    return ScoreCell(
        task="t", metric="acc", value=middle, ci_low=low, ci_high=high, stderr=0.01, n=40,
        normalised=None if normalised is None else sum(normalised) / 2,
        normalised_ci=normalised, run_id=run_id,
    )  # fmt: skip


def test_an_interval_is_placed_against_the_baseline() -> None:
    assert versus_random(0.30, 0.40, 0.25) is VersusRandom.ABOVE
    assert versus_random(0.20, 0.30, 0.25) is VersusRandom.INDISTINGUISHABLE
    assert versus_random(0.25, 0.30, 0.25) is VersusRandom.INDISTINGUISHABLE  # touches it
    assert versus_random(0.05, 0.20, 0.25) is VersusRandom.BELOW
    assert versus_random(math.nan, 0.3, 0.25) is None
    assert versus_random(None, 0.3, 0.25) is None


def test_a_cell_uses_its_columns_raw_baseline_else_its_normalised_interval() -> None:
    # Normalised bounds are floored at 0: a raw interval reaching below the baseline
    # shows as a lower bound of 0, which still counts as reaching it.
    near = cell(0.20, 0.40, (0.0, 20.0))
    assert cell_versus_random(near, 0.25) is VersusRandom.INDISTINGUISHABLE
    assert cell_versus_random(near) is VersusRandom.INDISTINGUISHABLE
    clear = cell(0.50, 0.70, (33.3, 60.0))
    assert cell_versus_random(clear, 0.25) is VersusRandom.ABOVE
    assert cell_versus_random(clear) is VersusRandom.ABOVE
    assert cell_versus_random(cell(0.0, 0.1, None)) is None  # no baseline known: no claim
    # An average (no run of its own) on the normalised scale compares with 0.
    assert (
        cell_versus_random(cell(0.1, 0.3, (0.0, 8.0), run_id="")) is VersusRandom.INDISTINGUISHABLE
    )


def test_the_words_say_what_the_interval_shows() -> None:
    text = random_sentence(VersusRandom.INDISTINGUISHABLE)
    assert text.startswith("not distinguishable from random guessing on this task")
    assert random_sentence(VersusRandom.ABOVE) == "" and random_sentence(None) == ""
    assert "below random guessing" in random_sentence(VersusRandom.BELOW)
