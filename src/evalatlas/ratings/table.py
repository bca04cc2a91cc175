"""Ratings with intervals, ranks and tiers, from point scores and bootstrap samples.

- `rank` is 1 + the number of models whose interval lies wholly above this model's interval:
  a model is only placed below those it is clearly worse than.
- `rank_low`..`rank_high` is the central `confidence` range of the model's rank across
  bootstrap rounds (or across draws from the normal approximation, for sandwich intervals),
  widened where needed so that it contains `rank`.
- `tier` groups models whose intervals overlap, chained (a overlaps b and b overlaps c puts all
  three in one tier); tier 1 holds the best models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.ratings.style import StyleCoefficient


@dataclass(frozen=True)
class Rating:
    """One model's rating: score and its interval, rank and rank interval, tier, battles seen."""

    model: str
    score: float
    ci_low: float
    ci_high: float
    rank: int
    rank_low: int
    rank_high: int
    tier: int
    n: int


@dataclass(frozen=True)
class RatingTable:
    """Ratings of every model, best score first.

    `method` says what gave the intervals: "bootstrap" (`n_rounds` refits on redrawn
    battles) or "sandwich" (the robust normal approximation; `n_rounds` draws from it gave
    the rank intervals). `warnings` are one-line notes a reader must see (e.g. models with no
    battles between them); `style_coefficients` are set under style control.
    """

    ratings: tuple[Rating, ...]
    confidence: float
    n_rounds: int
    method: str = "bootstrap"
    warnings: tuple[str, ...] = ()
    style_coefficients: tuple[StyleCoefficient, ...] = ()

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(rating.model for rating in self.ratings)

    def rating(self, model: str) -> Rating:
        """The rating of `model`; ConfigError when it took part in no battle."""
        for rating in self.ratings:
            if rating.model == model:
                return rating
        raise ConfigError(
            f"ratings: no rating for model {model!r}." + did_you_mean(model, self.models)
        )


@dataclass(frozen=True, eq=False)
class TableOptions:
    """What a table says beside the ratings' own numbers: the score intervals (low, high)
    when they do not come from the samples, the method that gave them, one-line warnings
    and the style coefficients (under style control)."""

    intervals: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
    method: str = "bootstrap"
    warnings: tuple[str, ...] = ()
    style_coefficients: tuple[StyleCoefficient, ...] = ()


def build_rating_table(
    models: Sequence[str],
    scores: NDArray[np.float64],
    samples: NDArray[np.float64],
    battles_per_model: NDArray[np.int64],
    confidence: float,
    options: TableOptions | None = None,
) -> RatingTable:
    """Assemble a RatingTable; `samples` has one row of scores per bootstrap round (may be 0).

    The score intervals are the samples' central `confidence` range unless
    `options.intervals` (low, high) gives them; rank intervals always come from the samples.
    """
    options = options or TableOptions()
    check_confidence(confidence)
    ci_low, ci_high = options.intervals or _intervals(scores, samples, confidence)
    ranks = separated_ranks(ci_low, ci_high)
    rank_low, rank_high = _rank_intervals(ranks, samples, confidence)
    tiers = overlap_tiers(ci_low, ci_high)
    ratings = [
        Rating(
            model=name,
            score=float(scores[i]),
            ci_low=float(ci_low[i]),
            ci_high=float(ci_high[i]),
            rank=int(ranks[i]),
            rank_low=int(rank_low[i]),
            rank_high=int(rank_high[i]),
            tier=int(tiers[i]),
            n=int(battles_per_model[i]),
        )
        for i, name in enumerate(models)
    ]
    ratings.sort(key=lambda rating: (-rating.score, rating.model))
    return RatingTable(
        tuple(ratings),
        confidence,
        int(samples.shape[0]),
        method=options.method,
        warnings=options.warnings,
        style_coefficients=options.style_coefficients,
    )


def check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"ratings: confidence must lie in (0, 1), got {confidence}")


def separated_ranks(ci_low: NDArray[np.float64], ci_high: NDArray[np.float64]) -> NDArray[np.int64]:
    """1 + the number of models whose lower bound is above each model's upper bound."""
    above: NDArray[np.bool_] = ci_low[None, :] > ci_high[:, None]
    return np.asarray(1 + above.sum(axis=1), dtype=np.int64)


def overlap_tiers(ci_low: NDArray[np.float64], ci_high: NDArray[np.float64]) -> NDArray[np.int64]:
    """Tier of each model: connected groups of overlapping intervals, numbered from the top."""
    # Walking down by upper bound, a model starts a new tier exactly when its interval ends
    # below every lower bound seen so far in the current tier (the union of a chain is one
    # interval, so touching that union means touching one of its members).
    order = np.argsort(-ci_high, kind="stable")
    tiers = np.empty(ci_low.shape[0], dtype=np.int64)
    tier, floor = 0, np.inf
    for index in order:
        if ci_high[index] < floor:
            tier += 1
            floor = np.inf
        floor = min(floor, ci_low[index])
        tiers[index] = tier
    return tiers


def _intervals(
    scores: NDArray[np.float64], samples: NDArray[np.float64], confidence: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    if samples.shape[0] == 0:
        return scores.copy(), scores.copy()
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(samples, [tail, 1.0 - tail], axis=0)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def _rank_intervals(
    ranks: NDArray[np.int64], samples: NDArray[np.float64], confidence: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    if samples.shape[0] == 0:
        return ranks.copy(), ranks.copy()
    round_ranks = rankdata(-samples, method="min", axis=1)
    tail = (1.0 - confidence) / 2.0
    low = np.quantile(round_ranks, tail, axis=0, method="lower")
    high = np.quantile(round_ranks, 1.0 - tail, axis=0, method="higher")
    return (
        np.minimum(ranks, low).astype(np.int64),
        np.maximum(ranks, high).astype(np.int64),
    )
