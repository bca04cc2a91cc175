"""Ranks and rank intervals of scores known only by their value and 95% interval (one
benchmark column of the leaderboard, a published table).

The rank is ``analysis.rank_intervals.point_ranks``: 1 + the models whose interval lies
wholly above. The rank interval is the central 95% of the model's rank over ``n_draws``
seeded draws, each score drawn from a normal distribution with its value and the stderr
its interval implies; a score without an interval is taken as exact. The interval is
widened where needed to contain the rank, as the leaderboard does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evalatlas.analysis.rank_intervals import point_ranks, rank_intervals, ranks_of
from evalatlas.scoring.normalised import NORMAL_95

FloatArray = NDArray[np.float64]
DEFAULT_DRAWS = 1000


@dataclass(frozen=True)
class NormalRanks:
    rank: NDArray[np.int64]
    rank_low: NDArray[np.int64] | None  # None when no score has an interval
    rank_high: NDArray[np.int64] | None


def normal_ranks(
    value: FloatArray,
    ci_low: FloatArray,
    ci_high: FloatArray,
    rng: np.random.Generator,
    n_draws: int = DEFAULT_DRAWS,
) -> NormalRanks:
    """Ranks of ``value`` (higher is better) with rank intervals from normal draws; NaN
    bounds mean "no interval" for that score."""
    known = ~(np.isnan(ci_low) | np.isnan(ci_high))
    low = np.where(known, ci_low, value)
    high = np.where(known, ci_high, value)
    rank = point_ranks(low, high)
    if not known.any():
        return NormalRanks(rank, None, None)
    stderr = np.where(known, (high - low) / (2.0 * NORMAL_95), 0.0)
    draws = value + stderr * rng.standard_normal((n_draws, len(value)))
    lower, upper = rank_intervals(ranks_of(draws))
    return NormalRanks(rank, np.minimum(lower, rank), np.maximum(upper, rank))
