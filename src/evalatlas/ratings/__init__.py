"""Ratings from pairwise battles: online Elo and Bradley-Terry with intervals.

    from evalatlas.ratings import BattleTable, Outcome, rate_battles

    battles = BattleTable.from_records([("m1", "m2", Outcome.A), ("m2", "m1", Outcome.TIE)])
    table = rate_battles(battles, seed=0, n_rounds=200)
    for rating in table.ratings:
        print(rating.rank, rating.model, rating.score, rating.ci_low, rating.ci_high)

- Intervals by bootstrap (`method="bootstrap"`, exact refits of every round, batched) or by
  the robust sandwich estimator (`method="sandwich"`).
- Style control (`style_control=True`, battles with style counts from
  `BattleTable.with_style`): ratings net of answer length and markdown, and the fitted style
  coefficients with their intervals.
- `pairwise_matrices`: battle counts, observed and predicted win rates per pair;
  `rate_by_category`: one table per category beside the overall one;
  `disconnected_groups`: the groups of models that battles link (a table warns when there
  are several, as ratings across them are not comparable); `rank_agreement`: how alike two
  sources of battles (people, a judge) rank the models they share, with an interval.

Pure computation over numpy arrays: nothing here reads or writes files or the store.
"""

from evalatlas.outcomes import Outcome  # a rating's input, named here for callers too
from evalatlas.ratings.agreement import RankAgreement, rank_agreement
from evalatlas.ratings.battles import (
    STYLE_FEATURES,
    BattleTable,
    Matchups,
    battles_from_arrays,
)
from evalatlas.ratings.bradley_terry import (
    INTERVAL_METHODS,
    BradleyTerryConfig,
    IntervalMethod,
    bootstrap_counts,
    bootstrap_logits,
    fit_bradley_terry,
    fit_logits,
    rate_battles,
)
from evalatlas.ratings.categories import OVERALL, rate_by_category
from evalatlas.ratings.elo import EloConfig, online_elo
from evalatlas.ratings.graph import disconnected_groups
from evalatlas.ratings.matrices import PairMatrices, pairwise_matrices
from evalatlas.ratings.style import StyleCoefficient
from evalatlas.ratings.table import Rating, RatingTable

__all__ = [
    "INTERVAL_METHODS",
    "OVERALL",
    "STYLE_FEATURES",
    "BattleTable",
    "BradleyTerryConfig",
    "EloConfig",
    "IntervalMethod",
    "Matchups",
    "Outcome",
    "PairMatrices",
    "RankAgreement",
    "Rating",
    "RatingTable",
    "StyleCoefficient",
    "battles_from_arrays",
    "bootstrap_counts",
    "bootstrap_logits",
    "disconnected_groups",
    "fit_bradley_terry",
    "fit_logits",
    "online_elo",
    "pairwise_matrices",
    "rank_agreement",
    "rate_battles",
    "rate_by_category",
]
