"""The pick's analysis: ranking on the same items, the tied set, the smallest of it, and the
number of examples that would separate two candidates, checked against a simulation."""

from __future__ import annotations

import numpy as np
import pytest

from evalatlas.analysis.pick import CandidateScores, examples_needed, paired_sample_size, recommend
from evalatlas.errors import ConfigError, DataError
from evalatlas.scoring.paired import mcnemar_test


def _candidate(name: str, scores: list[float], parameters: int | None = None) -> CandidateScores:
    return CandidateScores(name, {str(i): s for i, s in enumerate(scores)}, parameters)


def test_a_clearly_better_candidate_is_recommended_alone() -> None:
    strong = _candidate("strong", [1.0] * 30, parameters=1_000)
    weak = _candidate("weak", [1.0, 0.0, 0.0] * 10, parameters=100)
    rec = recommend([weak, strong], baseline=0.25)
    assert rec.best == "strong" and rec.tied == ("strong",) and rec.choice == "strong"
    assert rec.needed is None and not rec.all_at_chance
    worse = rec.ranked[1].versus_best
    assert worse is not None and worse.p_adjusted < 0.05 and worse.difference < 0
    assert "strong is best" in rec.sentence and "30 examples" in rec.sentence


def test_too_few_examples_cannot_tell_apart_and_say_how_many_more() -> None:
    # 10 items: the large model right on 9, the small one on 7; two discordant pairs.
    large = _candidate("large", [1.0] * 9 + [0.0], parameters=2_000_000_000)
    small = _candidate("small", [1.0] * 7 + [0.0, 0.0, 0.0], parameters=135_000_000)
    rec = recommend([small, large], baseline=0.25)
    assert rec.best == "large" and set(rec.tied) == {"large", "small"}
    assert rec.choice == "small" and rec.choice_by == "parameters"
    assert rec.needed is not None and rec.needed.total is not None
    assert rec.needed.more == rec.needed.total - 10 > 0
    assert "With 10 examples, large and small cannot be told apart" in rec.sentence
    assert "the smallest is small" in rec.sentence
    assert f"add about {rec.needed.more} examples" in rec.sentence


def test_every_candidate_at_chance_is_said() -> None:
    a = _candidate("a", [1.0, 0.0, 0.0, 0.0] * 2)
    b = _candidate("b", [0.0, 1.0, 0.0, 0.0] * 2)
    rec = recommend([a, b], baseline=0.25)
    assert rec.all_at_chance
    assert "none is shown to do better than chance" in rec.sentence


def test_only_items_every_candidate_scored_are_compared() -> None:
    a = CandidateScores("a", {"x": 1.0, "y": 1.0, "z": 0.0})
    b = CandidateScores("b", {"x": 0.0, "y": 1.0})
    rec = recommend([a, b], baseline=None)
    assert rec.n_items == 2 and all(r.score.n == 2 for r in rec.ranked)
    with pytest.raises(DataError, match="share no scored example"):
        recommend([a, CandidateScores("c", {"w": 1.0})], baseline=None)


def _simulated_power(
    n: int, p10: float, p01: float, rng: np.random.Generator, trials: int
) -> float:
    """Share of simulated pick comparisons (McNemar, as the pick tests 0/1 scores) that
    separate two candidates whose paired outcomes have these discordant probabilities."""
    rejected = 0
    for _ in range(trials):
        cell = rng.choice(3, size=n, p=[p10, p01, 1 - p10 - p01])
        a = np.where(cell == 0, 1.0, np.where(cell == 1, 0.0, 1.0))
        b = np.where(cell == 0, 0.0, np.where(cell == 1, 1.0, 1.0))
        rejected += mcnemar_test(a, b).p_value < 0.05
    return rejected / trials


def test_examples_needed_reaches_the_promised_power_in_a_simulation() -> None:
    p10, p01 = 0.2, 0.05
    mean = p10 - p01
    sd = float(np.sqrt(p10 + p01 - mean**2))
    needed = paired_sample_size(mean / sd)
    rng = np.random.default_rng(7)
    at_needed = _simulated_power(needed, p10, p01, rng, trials=2000)
    at_half = _simulated_power(needed // 2, p10, p01, rng, trials=2000)
    # 80% power promised; McNemar's exact test is a little conservative at this size.
    assert 0.72 <= at_needed <= 0.90, (needed, at_needed)
    assert at_half < 0.6, (needed, at_half)


def test_examples_needed_from_observed_scores_matches_the_formula() -> None:
    a = np.array([1.0] * 9 + [0.0])
    b = np.array([1.0] * 7 + [0.0] * 3)
    found = examples_needed(a, b)
    differences = a - b
    expected = paired_sample_size(differences.mean() / differences.std(ddof=1))
    assert found.total == expected and found.n_observed == 10
    same = examples_needed(a, a)
    assert same.total is None and same.more is None
    with pytest.raises(ConfigError):
        paired_sample_size(0.0)
