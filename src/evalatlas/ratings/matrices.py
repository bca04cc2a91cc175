"""Pairwise matrices of the battles: counts, observed win fractions, predicted win rates.

Row model against column model: `win_fraction[i, j]` is i's wins plus half its ties and
both-bad votes over its battles with j (NaN where they never met); `predicted_win_rate[i, j]`
is what the Bradley-Terry ratings predict, 1 / (1 + base ** ((r_j - r_i) / scale)). Diagonals
are NaN: a model never battles itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evalatlas.errors import ConfigError
from evalatlas.ratings.battles import BattleTable
from evalatlas.ratings.bradley_terry import BradleyTerryConfig, fit_bradley_terry


@dataclass(frozen=True)
class PairMatrices:
    """n x n matrices over `models` (rows and columns in that order)."""

    models: tuple[str, ...]
    battle_count: NDArray[np.int64]
    win_fraction: NDArray[np.float64]
    predicted_win_rate: NDArray[np.float64]


def pairwise_matrices(
    battles: BattleTable,
    scores: NDArray[np.float64] | None = None,
    config: BradleyTerryConfig | None = None,
) -> PairMatrices:
    """The matrices of `battles`; `scores` (one rating per model of `battles.models`, on the
    scale of `config`) default to a Bradley-Terry fit of the same battles."""
    config = config or BradleyTerryConfig()
    battles.validate()
    size = len(battles.models)
    if scores is None:
        scores = fit_bradley_terry(battles, config)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (size,):
        raise ConfigError(
            f"ratings: got {scores.shape[0] if scores.ndim else 1} scores for {size} models; "
            "give one score per model, in the order of battles.models"
        )
    cells = battles.model_a * size + battles.model_b
    ordered = np.bincount(cells, minlength=size * size).reshape(size, size)
    count = ordered + ordered.T
    won = np.bincount(cells, weights=battles.score_a, minlength=size * size).reshape(size, size)
    # won[i, j]: i's share as side a against j; (ordered - won)[j, i]: i's share as side b.
    wins = won + (ordered - won).T
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(count > 0, wins / np.maximum(count, 1), np.nan)
    gap = (scores[None, :] - scores[:, None]) / config.scale
    predicted = 1.0 / (1.0 + np.power(config.base, gap))
    np.fill_diagonal(fraction, np.nan)
    np.fill_diagonal(predicted, np.nan)
    return PairMatrices(battles.models, count.astype(np.int64), fraction, predicted)
