"""How far two sources of battles (people and a judge, two judges) rank models alike.

    agreement = rank_agreement(human_battles, judge_battles, n_rounds=200, seed=0)
    print(agreement.spearman, agreement.ci_low, agreement.ci_high, agreement.n_models)

Spearman's rank correlation of the two Bradley-Terry fits over the models both sources
rated. Its interval comes from bootstrap rounds of each source, redrawn independently (the
two sources are separate samples): round i correlates source one's round i with source
two's round i, and the percentiles of those correlations bound it. With fewer than three
shared models a rank correlation says nothing, so none is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from evalatlas.errors import ConfigError
from evalatlas.ratings.battles import BattleTable
from evalatlas.ratings.likelihood import BattleLikelihood

FloatArray = NDArray[np.float64]
MIN_SHARED_MODELS = 3


@dataclass(frozen=True)
class RankAgreement:
    spearman: float  # NaN when fewer than MIN_SHARED_MODELS are shared
    ci_low: float
    ci_high: float
    n_models: int  # models rated by both sources
    n_rounds: int
    confidence: float


def rank_agreement(
    first: BattleTable,
    second: BattleTable,
    *,
    n_rounds: int = 200,
    seed: int = 0,
    confidence: float = 0.95,
    l2: float = 1e-6,
) -> RankAgreement:
    """Spearman's correlation of the two sources' ratings on their shared models."""
    if n_rounds < 1 or not 0.0 < confidence < 1.0:
        raise ConfigError("rank agreement: n_rounds must be at least 1, confidence in (0, 1)")
    shared = sorted(set(first.models) & set(second.models))
    if len(shared) < MIN_SHARED_MODELS:
        return RankAgreement(math.nan, math.nan, math.nan, len(shared), n_rounds, confidence)
    rng = np.random.default_rng(seed)
    point_one, rounds_one = _logits_on(first, shared, n_rounds, rng, l2)
    point_two, rounds_two = _logits_on(second, shared, n_rounds, rng, l2)
    correlations = _row_spearman(rounds_one, rounds_two)
    correlations = correlations[np.isfinite(correlations)]
    tail = (1.0 - confidence) / 2.0
    low, high = (
        (float(np.quantile(correlations, tail)), float(np.quantile(correlations, 1.0 - tail)))
        if correlations.size
        else (math.nan, math.nan)
    )
    value = float(_row_spearman(point_one[None, :], point_two[None, :])[0])
    return RankAgreement(value, low, high, len(shared), n_rounds, confidence)


def _logits_on(
    battles: BattleTable, shared: list[str], n_rounds: int, rng: np.random.Generator, l2: float
) -> tuple[FloatArray, FloatArray]:
    """The point logits and the bootstrap rounds' logits of the shared models."""
    likelihood = BattleLikelihood.from_matchups(battles.compress())
    fitted = likelihood.fit(l2)
    rounds = likelihood.bootstrap(fitted, n_rounds, rng, l2)
    columns = [battles.models.index(model) for model in shared]
    return fitted[columns], rounds[:, columns]


def _row_spearman(first: FloatArray, second: FloatArray) -> FloatArray:
    """Spearman's rho of each row pair (average ranks for ties); NaN for a constant row."""
    ranks_one = rankdata(first, axis=1)
    ranks_two = rankdata(second, axis=1)
    centred_one = ranks_one - ranks_one.mean(axis=1, keepdims=True)
    centred_two = ranks_two - ranks_two.mean(axis=1, keepdims=True)
    numerator = (centred_one * centred_two).sum(axis=1)
    denominator = np.sqrt((centred_one**2).sum(axis=1) * (centred_two**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(numerator / denominator, dtype=np.float64)
