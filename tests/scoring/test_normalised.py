"""Leaderboard v2 normalisation: random is 0, perfect is 100, floored at 0."""

from __future__ import annotations

import pytest

from evalatlas.errors import ConfigError
from evalatlas.scoring.normalised import (
    normalise,
    normalise_metric,
    random_baseline,
    summarise,
)
from evalatlas.scoring.types import MetricValue


def test_random_baseline_is_one_over_the_choices() -> None:
    assert random_baseline(4) == 0.25
    assert random_baseline(10) == pytest.approx(0.1)
    assert random_baseline(0) == 0.0  # generative: guessing scores nothing
    with pytest.raises(ConfigError):
        random_baseline(-1)


def test_random_maps_to_zero_and_perfect_to_one_hundred() -> None:
    assert normalise(0.25, 0.25) == 0.0
    assert normalise(1.0, 0.25) == 100.0
    assert normalise(0.625, 0.25) == pytest.approx(50.0)
    assert normalise(0.40, 0.0) == pytest.approx(40.0)


def test_below_random_is_floored_at_zero() -> None:
    assert normalise(0.10, 0.25) == 0.0


def test_a_baseline_at_the_perfect_score_is_refused() -> None:
    with pytest.raises(ConfigError, match="no room"):
        normalise(0.5, 1.0)


def test_the_interval_maps_bound_by_bound() -> None:
    raw = MetricValue(value=0.5, stderr=0.05, ci_low=0.2, ci_high=0.6, n=100, n_unscored=2)
    scaled = normalise_metric(raw, baseline=0.25)
    assert scaled.value == pytest.approx(100 / 3)
    assert scaled.ci_low == 0.0  # 0.2 is below random
    assert scaled.ci_high == pytest.approx(200 * 0.35 / 1.5)
    assert scaled.stderr == pytest.approx(0.05 * 100 / 0.75)
    assert (scaled.n, scaled.n_unscored) == (100, 2)


def test_benchmarks_average_their_subtasks_and_overall_averages_benchmarks() -> None:
    summary = summarise(
        {
            "bbh": {"a": 10.0, "b": 30.0},  # mean 20
            "ifeval": {"ifeval": 50.0},
            "empty": {},
        }
    )
    assert summary.benchmarks == {"bbh": 20.0, "ifeval": 50.0}
    assert summary.overall == 35.0
    assert summarise({}).overall is None
