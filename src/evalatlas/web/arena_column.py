"""The leaderboard's "Arena" column: a model's arena rating, when it fought in the arena.

A leaderboard model has an arena rating when its stored reference or its display name is
the name of a model in the arena's battles (contestants are named by their reference, as
``evalatlas serve --arena-model REF`` was given them). The ratings are the arena ratings
page's default ones, computed once per vote-state; the board looks for new votes at most
once a second (``arena_state.COLUMN_CHECK_S``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evalatlas.analysis.leaderboard import Leaderboard, ModelCard
from evalatlas.analysis.model_cards import contestant_display_name
from evalatlas.ratings import Rating
from evalatlas.web.board_memo import memoised
from evalatlas.web.cells import MISSING, finite

VoteState = tuple[int, int]


@dataclass(frozen=True)
class ArenaColumn:
    """Arena ratings by model name at one vote-state (``None``: there are no votes)."""

    state: VoteState | None = None
    ratings: Mapping[str, Rating] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        """The page shows the column only when some model has an arena rating."""
        return bool(self.ratings)

    def rating_of(self, card: ModelCard) -> Rating | None:
        return self.ratings.get(card.reference) or self.ratings.get(card.name)


NO_ARENA = ArenaColumn()
ShownNames = Mapping[str, str]  # arena contestant (a stored reference) -> display name


def names_by_reference(board: Leaderboard) -> dict[str, str]:
    """Each stored model's display name by its reference: arena contestants are named by
    reference, and the arena and judges pages show the name the board shows. A contestant
    that is no stored model keeps its own name."""
    return memoised(
        board,
        "names by reference",
        lambda: {row.card.reference: row.card.name for row in board.rows},
    )


def shown_name(model: str, names: ShownNames | None) -> str:
    return contestant_display_name(model, names or {})


CSV_COLUMNS = ("arena", "arena_ci_low", "arena_ci_high", "arena_n")


@dataclass(frozen=True)
class ArenaCellView:
    text: str
    interval: str
    n: str
    title: str


EMPTY_ARENA_CELL = ArenaCellView(MISSING, "", "", "not rated in the arena")


def arena_cell_view(rating: Rating | None) -> ArenaCellView:
    if rating is None:
        return EMPTY_ARENA_CELL
    interval = f"{rating.ci_low:.0f}–{rating.ci_high:.0f}"
    title = (
        f"arena rating {rating.score:.0f}, 95% CI {interval}, arena rank {rating.rank}, "
        f"n = {rating.n} battles"
    )
    return ArenaCellView(f"{rating.score:.0f}", interval, f"n {rating.n}", title)


def arena_json(rating: Rating | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    return {
        "rating": finite(rating.score),
        "ci_low": finite(rating.ci_low),
        "ci_high": finite(rating.ci_high),
        "rank": rating.rank,
        "n": rating.n,
    }


def arena_csv_fields(rating: Rating | None) -> list[object]:
    if rating is None:
        return [None, None, None, None]
    return [finite(rating.score), finite(rating.ci_low), finite(rating.ci_high), rating.n]
