"""Rank agreement of two battle sources: Spearman's rho with a bootstrap interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import spearmanr

from evalatlas.errors import ConfigError
from evalatlas.ratings import BattleTable, Outcome, fit_bradley_terry
from evalatlas.ratings.agreement import rank_agreement

from .synthetic import TRUE_LOGITS, draw_battles


def test_two_samples_of_the_same_strengths_agree() -> None:
    agreement = rank_agreement(draw_battles(3000, seed=1), draw_battles(3000, seed=2), seed=0)
    assert agreement.n_models == len(TRUE_LOGITS)
    assert agreement.spearman > 0.9
    assert agreement.ci_low <= agreement.spearman <= agreement.ci_high
    assert agreement.ci_low > 0.5


def test_reversed_strengths_disagree() -> None:
    reversed_battles = draw_battles(3000, seed=2, logits=-TRUE_LOGITS)
    agreement = rank_agreement(draw_battles(3000, seed=1), reversed_battles, seed=0)
    assert agreement.spearman < -0.9 and agreement.ci_high < 0.0


def test_point_value_is_spearman_of_the_two_fits() -> None:
    first, second = draw_battles(400, seed=3), draw_battles(400, seed=4)
    expected = spearmanr(fit_bradley_terry(first), fit_bradley_terry(second)).statistic
    assert rank_agreement(first, second, n_rounds=20).spearman == pytest.approx(expected)


def test_few_battles_give_a_wide_interval() -> None:
    narrow = rank_agreement(draw_battles(3000, seed=1), draw_battles(3000, seed=2))
    wide = rank_agreement(draw_battles(60, seed=1), draw_battles(60, seed=2))
    assert wide.ci_high - wide.ci_low > narrow.ci_high - narrow.ci_low


def test_only_shared_models_count_and_too_few_give_none() -> None:
    two = BattleTable.from_records([("a", "b", Outcome.A), ("b", "c", Outcome.A)])
    other = BattleTable.from_records([("a", "b", Outcome.B), ("b", "d", Outcome.A)])
    agreement = rank_agreement(two, other, n_rounds=10)
    assert agreement.n_models == 2 and math.isnan(agreement.spearman)


def test_seeded_and_checked() -> None:
    first, second = draw_battles(200, seed=5), draw_battles(200, seed=6)
    assert rank_agreement(first, second, seed=7) == rank_agreement(first, second, seed=7)
    with pytest.raises(ConfigError):
        rank_agreement(first, second, n_rounds=0)
    assert np.isfinite(rank_agreement(first, second, seed=7).ci_low)
