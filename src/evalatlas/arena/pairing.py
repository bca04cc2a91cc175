"""Which two contestants answer the next prompt, and in which order.

``uniform`` draws every pair equally often. ``uncertain`` favours pairs whose order the
current ratings leave open: a pair's weight is the two-sided p-value of the difference of
its two ratings (normal approximation from their 95% intervals), so two models that are
far apart with narrow intervals are rarely paired again, and a model without battles is
always worth pairing. A floor keeps every pair possible. Positions A and B are then drawn
at random, so neither slot tells a voter anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from enum import StrEnum

import numpy as np
from scipy.stats import norm

from evalatlas.errors import ArenaError
from evalatlas.ratings import RatingTable

WEIGHT_FLOOR = 0.05
Z_95 = 1.959963984540054


class PairingMode(StrEnum):
    UNIFORM = "uniform"
    UNCERTAIN = "uncertain"


def pair_weights(
    contestants: Sequence[str], ratings: RatingTable | None
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Every unordered pair of contestants and its (unnormalised) weight."""
    pairs = list(itertools.combinations(contestants, 2))
    weights = np.ones(len(pairs))
    if ratings is None:
        return pairs, weights
    known = {rating.model: rating for rating in ratings.ratings}
    for index, (first, second) in enumerate(pairs):
        if first in known and second in known:
            one, two = known[first], known[second]
            spread = np.hypot(
                (one.ci_high - one.ci_low) / (2 * Z_95), (two.ci_high - two.ci_low) / (2 * Z_95)
            )
            gap = abs(one.score - two.score)
            p_value = 2 * norm.sf(gap / spread) if spread > 0 else float(gap == 0)
            weights[index] = max(float(p_value), WEIGHT_FLOOR)
    return pairs, weights


def choose_pair(
    contestants: Sequence[str],
    rng: np.random.Generator,
    mode: PairingMode = PairingMode.UNIFORM,
    ratings: RatingTable | None = None,
) -> tuple[str, str]:
    """Two different contestants as (model_a, model_b), in random order."""
    unique = list(dict.fromkeys(contestants))
    if len(unique) < 2:
        raise ArenaError(
            f"arena: a battle needs at least two contestants, got {len(unique)}; "
            "start the arena with two or more models"
        )
    pairs, weights = pair_weights(unique, ratings if mode == PairingMode.UNCERTAIN else None)
    first, second = pairs[int(rng.choice(len(pairs), p=weights / weights.sum()))]
    return (first, second) if rng.random() < 0.5 else (second, first)
