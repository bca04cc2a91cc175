"""The ranking sources of a workspace, in the order every view shows them: the
leaderboard's average, each benchmark, the arena (people's votes), each judge, then the
published tables by name.

The arena's and judges' ratings are rated by the arena itself (``arena.by_source``, the
ratings the judges page shows); the caller hands them in as (name, ratings) pairs,
people's first, so that this package stays pure over what the store and the arena return.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evalatlas.analysis.leaderboard import Leaderboard
from evalatlas.analysis.ranks.board_sources import (
    board_sources,
    published_source,
    shadowed_references,
)
from evalatlas.analysis.ranks.normal_ranks import DEFAULT_DRAWS
from evalatlas.analysis.ranks.sources import RankSource, SourceKind, rating_source
from evalatlas.ratings import Rating
from evalatlas.store import PublishedRanking

ARENA = "arena (people)"


@dataclass(frozen=True)
class VotedRatings:
    """One source of votes rated by the arena: people's (``people``) or one judge's."""

    name: str
    people: bool
    ratings: Iterable[Rating]


def gather_sources(
    board: Leaderboard,
    voted: Sequence[VotedRatings],
    published: Sequence[PublishedRanking],
    *,
    seed: int = 0,
    n_draws: int = DEFAULT_DRAWS,
) -> tuple[list[RankSource], list[str]]:
    """The workspace's sources and the notes a reader must see with them."""
    sources = board_sources(board, seed, n_draws)
    for rated in voted:
        if rated.people:
            sources.append(rating_source(ARENA, SourceKind.ARENA, rated.ratings))
        else:
            sources.append(rating_source(rated.name, SourceKind.JUDGE, rated.ratings))
    sources.extend(published_source(ranking, seed, n_draws) for ranking in published)
    notes = [
        f"{reference} is stored with more than one set of weights; its best-ranked row on "
        "the leaderboard stands for it"
        for reference in shadowed_references(board)
    ]
    return sources, notes
