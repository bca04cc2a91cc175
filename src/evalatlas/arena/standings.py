"""Arena ratings from the stored votes: which battles count, and the ratings over them.

Only counted votes enter (a vote on a battle whose answer revealed a model is kept but
left out); a caller may also leave out named voters (those the consistency test flagged)
and keep only one vote source (human or judge). BOTH_BAD counts as a tie, as in the
public Chatbot Arena ratings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from evalatlas.errors import ArenaError
from evalatlas.outcomes import VoteSource
from evalatlas.ratings import (
    STYLE_FEATURES,
    BattleTable,
    IntervalMethod,
    PairMatrices,
    RatingTable,
    pairwise_matrices,
    rate_battles,
)
from evalatlas.store import ArenaRecords, DecidedBattle

DEFAULT_ROUNDS = 200


@dataclass(frozen=True)
class RatingOptions:
    """What to rate: ``n_rounds`` bootstrap rounds (seeded), with style control or not,
    one category or all, without some voters, one vote source or all, and only some
    voters (``voters``: one judge's, say) or all."""

    n_rounds: int = DEFAULT_ROUNDS
    seed: int = 0
    style_control: bool = False
    category: str | None = None
    exclude_voters: frozenset[str] = field(default_factory=frozenset)
    source: VoteSource | None = None
    method: IntervalMethod = IntervalMethod.BOOTSTRAP
    voters: frozenset[str] | None = None

    def counts(self, battle: DecidedBattle) -> bool:
        """Whether ``battle``'s vote is rated under these options (category aside: the
        store selects it)."""
        return (
            battle.voter not in self.exclude_voters
            and (self.source is None or battle.source == self.source)
            and (self.voters is None or battle.voter in self.voters)
        )


@dataclass(frozen=True)
class Standings:
    """The ratings and the pairwise matrices of the battles that counted."""

    table: RatingTable
    matrices: PairMatrices
    battles: int
    options: RatingOptions


def select_battles(decided: Iterable[DecidedBattle], options: RatingOptions) -> list[DecidedBattle]:
    """The battles that count under ``options``."""
    return [battle for battle in decided if options.counts(battle)]


def battle_table(battles: list[DecidedBattle], *, with_style: bool) -> BattleTable:
    """A ratings table of ``battles``; with style counts when asked (every battle must
    carry them: imported logs without style metadata cannot be style-controlled)."""
    if not battles:
        raise ArenaError("arena: no counted votes to rate; vote in the arena or import battles")
    records = [(b.model_a, b.model_b, b.outcome, b.category) for b in battles]
    table = BattleTable.from_records(records)
    if not with_style:
        return table
    missing = sum(1 for b in battles if b.style_a is None or b.style_b is None)
    if missing:
        raise ArenaError(
            f"arena: {missing} of {len(battles)} battles carry no style counts; "
            "rate without style control, or import logs with conv_metadata"
        )
    style_a = np.array([[b.style_a[n] for n in STYLE_FEATURES] for b in battles])  # type: ignore[index]
    style_b = np.array([[b.style_b[n] for n in STYLE_FEATURES] for b in battles])  # type: ignore[index]
    return table.with_style(STYLE_FEATURES, style_a, style_b)


def arena_standings(records: ArenaRecords, options: RatingOptions) -> Standings:
    """Ratings with intervals, ranks and tiers, and the win matrices, of the stored votes."""
    battles = select_battles(records.decided_battles(category=options.category), options)
    table = battle_table(battles, with_style=options.style_control)
    ratings = rate_battles(
        table,
        seed=options.seed,
        n_rounds=options.n_rounds,
        style_control=options.style_control,
        method=options.method,
    )
    scores = np.array([ratings.rating(model).score for model in table.models])
    return Standings(ratings, pairwise_matrices(table, scores), len(battles), options)
