"""Online Elo over the stored votes, taken in the order they were cast.

Online Elo moves two ratings after each battle, so the same votes in another order give
other ratings; it has no confidence interval. What it can say honestly is how much the
order alone moves each rating: the same votes are re-rated in ``shuffles`` random orders
(seeded) and the 2.5th to 97.5th percentiles of each model's rating over those orders are
reported as its *order spread*. That spread is not a confidence interval (it does not
resample the votes); Bradley-Terry ratings (``arena_standings``) have one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from evalatlas.arena.standings import RatingOptions, battle_table, select_battles
from evalatlas.errors import ConfigError
from evalatlas.ratings import BattleTable, EloConfig, online_elo
from evalatlas.store import ArenaRecords

SPREAD = (2.5, 97.5)
DEFAULT_SHUFFLES = 100


@dataclass(frozen=True)
class EloRating:
    """One model's online Elo in vote order, its spread over shuffled orders (NaN when
    no shuffles were asked for), its rank by the vote-order rating, and its battles."""

    model: str
    score: float
    order_low: float
    order_high: float
    rank: int
    n: int


@dataclass(frozen=True)
class EloStandings:
    ratings: tuple[EloRating, ...]
    battles: int
    shuffles: int
    config: EloConfig
    options: RatingOptions


def arena_elo(
    records: ArenaRecords,
    options: RatingOptions,
    shuffles: int = DEFAULT_SHUFFLES,
    config: EloConfig | None = None,
) -> EloStandings:
    """Online Elo of the counted votes under ``options`` (oldest vote first), with each
    rating's spread over ``shuffles`` seeded random orders (``options.seed``)."""
    if options.style_control:
        raise ConfigError("arena: online Elo has no style control; rate with Bradley-Terry")
    if shuffles < 0:
        raise ConfigError("arena: the number of shuffled orders must be 0 or more")
    elo = config or EloConfig()
    battles = select_battles(records.decided_battles(category=options.category), options)
    table = battle_table(battles, with_style=False)
    scores = online_elo(table, elo)
    low, high = _order_spread(table, elo, shuffles, options.seed)
    per_model = table.battles_per_model()
    order = np.argsort(-scores, kind="stable")
    ratings = tuple(
        EloRating(
            model=table.models[index],
            score=float(scores[index]),
            order_low=float(low[index]),
            order_high=float(high[index]),
            rank=rank,
            n=int(per_model[index]),
        )
        for rank, index in enumerate(order.tolist(), start=1)
    )
    return EloStandings(ratings, len(battles), shuffles, elo, options)


def _order_spread(
    table: BattleTable, config: EloConfig, shuffles: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    size = len(table.models)
    if shuffles == 0:
        nan = np.full(size, np.nan)
        return nan, nan.copy()
    rng = np.random.default_rng(seed)
    rounds = np.empty((shuffles, size))
    for round_index in range(shuffles):
        order = rng.permutation(len(table))
        shuffled = dataclasses.replace(
            table,
            model_a=table.model_a[order],
            model_b=table.model_b[order],
            outcome=table.outcome[order],
            categories=tuple(table.categories[i] for i in order.tolist()),
        )
        rounds[round_index] = online_elo(shuffled, config)
    low, high = np.percentile(rounds, SPREAD, axis=0)
    return low, high
