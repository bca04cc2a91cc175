from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from evalatlas.errors import ConfigError
from evalatlas.ratings import (
    BattleTable,
    BradleyTerryConfig,
    battles_from_arrays,
    rate_battles,
)

from .synthetic import MODELS, TRUE_LOGITS, draw_battles, draw_battles_with_ties

POINTS_PER_LOGIT = 400 / math.log(10)
Z95 = float(norm.ppf(0.975))


def half_width(table_rating_low: float, table_rating_high: float) -> float:
    return (table_rating_high - table_rating_low) / 2


def test_two_models_match_the_hand_computed_sandwich() -> None:
    # x beats y 30 times, loses 10, ties 10 (ties are half wins): p = 35 / 50 = 0.7.
    records = [("x", "y", "A")] * 30 + [("x", "y", "B")] * 10 + [("x", "y", "TIE")] * 10
    table = rate_battles(BattleTable.from_records(records), seed=0, method="sandwich")
    p = 0.7
    bread = 50 * p * (1 - p)
    meat = 30 * (1 - p) ** 2 + 10 * p**2 + 10 * (0.5 - p) ** 2
    # d = beta_x - beta_y has variance meat / bread^2; each mean-zero logit is -+d/2.
    se = math.sqrt(meat) / bread / 2 * POINTS_PER_LOGIT
    x = table.rating("x")
    assert half_width(x.ci_low, x.ci_high) == pytest.approx(Z95 * se, rel=1e-4)
    assert x.score - 1000 == pytest.approx(math.log(p / (1 - p)) / 2 * POINTS_PER_LOGIT, rel=1e-4)
    # Ties spread the scores less than wins and losses would: narrower than Fisher's.
    fisher_se = 1 / math.sqrt(bread) / 2 * POINTS_PER_LOGIT
    assert se < fisher_se


def test_sandwich_widths_are_close_to_the_bootstrap() -> None:
    battles = draw_battles_with_ties(5000, seed=31)
    boot = rate_battles(battles, seed=1, n_rounds=1000)
    sandwich = rate_battles(battles, seed=1, n_rounds=1000, method="sandwich")
    assert sandwich.method == "sandwich" and boot.method == "bootstrap"
    assert sandwich.n_rounds == 1000
    for rating in sandwich.ratings:
        other = boot.rating(rating.model)
        assert rating.score == pytest.approx(other.score)
        assert rating.ci_high - rating.ci_low == pytest.approx(
            other.ci_high - other.ci_low, rel=0.25
        )
        assert rating.ci_high - rating.score == pytest.approx(rating.score - rating.ci_low)
        assert rating.rank_low <= rating.rank <= rating.rank_high
        assert abs(rating.rank_low - other.rank_low) <= 1
        assert abs(rating.rank_high - other.rank_high) <= 1


def test_sandwich_intervals_cover_the_truth() -> None:
    truth = 1000 + (TRUE_LOGITS - TRUE_LOGITS.mean()) * POINTS_PER_LOGIT
    missed = 0
    for seed in range(10):
        table = rate_battles(draw_battles(3000, seed=100 + seed), seed=0, method="sandwich")
        missed += sum(
            not table.rating(name).ci_low <= value <= table.rating(name).ci_high
            for name, value in zip(MODELS, truth, strict=True)
        )
    # 60 intervals at 95%: about 3 misses expected; 9 or more would be very unlikely.
    assert missed <= 8


def test_mirrored_battles_give_the_same_intervals() -> None:
    battles = draw_battles_with_ties(2000, seed=3)
    mirror = {0: "B", 1: "A", 2: "TIE", 3: "BOTH_BAD"}
    mirrored = battles_from_arrays(
        battles.models,
        battles.model_b.tolist(),
        battles.model_a.tolist(),
        [mirror[code] for code in battles.outcome.tolist()],
    )
    table = rate_battles(battles, seed=0, n_rounds=50, method="sandwich")
    other = rate_battles(mirrored, seed=0, n_rounds=50, method="sandwich")
    for rating in table.ratings:
        twin = other.rating(rating.model)
        assert (twin.score, twin.ci_low, twin.ci_high) == pytest.approx(
            (rating.score, rating.ci_low, rating.ci_high), abs=1e-6
        )


def test_anchor_interval_is_the_difference_to_the_anchor() -> None:
    battles = draw_battles(3000, seed=9)
    config = BradleyTerryConfig(anchor="model-0", anchor_rating=800.0)
    table = rate_battles(battles, seed=0, n_rounds=200, method="sandwich", config=config)
    anchor = table.rating("model-0")
    assert anchor.score == anchor.ci_low == anchor.ci_high == pytest.approx(800.0)
    plain = rate_battles(battles, seed=0, n_rounds=200, method="sandwich")
    # A difference to one model is less certain than a distance to the mean of six.
    for name in MODELS[1:]:
        anchored, free = table.rating(name), plain.rating(name)
        assert anchored.ci_high - anchored.ci_low > free.ci_high - free.ci_low


def test_sandwich_rank_intervals_are_seeded() -> None:
    battles = draw_battles(400, seed=2, logits=np.array([0.0, 0.05, 0.1, 1.5]))
    table = rate_battles(battles, seed=4, n_rounds=300, method="sandwich")
    assert table == rate_battles(battles, seed=4, n_rounds=300, method="sandwich")
    close = [table.rating(name) for name in MODELS[:3]]
    assert all(rating.rank_high - rating.rank_low >= 1 for rating in close)


def test_unknown_method_and_bad_options_are_config_errors() -> None:
    battles = draw_battles(100, seed=1)
    with pytest.raises(ConfigError, match=r"unknown interval method 'sandwitch'.*Did you mean"):
        rate_battles(battles, seed=0, method="sandwitch")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="confidence must lie in"):
        rate_battles(battles, seed=0, method="sandwich", confidence=1.5)
    with pytest.raises(ConfigError, match="n_rounds must be 0 or more"):
        rate_battles(battles, seed=0, n_rounds=-1)
