"""A ranking source: one way of ordering models (the leaderboard's average, one benchmark,
the arena's ratings from people, one judge's ratings, a published table), each model with
its score, the score's 95% interval and its rank with the rank's 95% interval.

Models are named by their stored reference (what arena battles and judge verdicts name
them by too), so the same model lines up across sources. Higher scores are better in
every source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from evalatlas.ratings import Rating


class SourceKind(StrEnum):
    LEADERBOARD = "leaderboard"  # the benchmark leaderboard's average over its columns
    BENCHMARK = "benchmark"  # one column of the leaderboard
    ARENA = "arena"  # Bradley-Terry ratings from people's votes
    JUDGE = "judge"  # Bradley-Terry ratings from one judge's votes
    PUBLISHED = "published"  # a table imported with ``evalatlas ranks import``


@dataclass(frozen=True)
class RankEntry:
    """One model in one source. An interval that the source does not give is None; a rank
    interval is always whole ranks and contains ``rank``."""

    score: float
    ci_low: float | None
    ci_high: float | None
    rank: int
    rank_low: int | None
    rank_high: int | None
    n: int | None  # what the score rests on: samples, battles, or the table's own n

    def clearly_above(self, other: RankEntry) -> bool:
        """Whether this score's interval lies wholly above ``other``'s (False when either
        has no interval: without one nothing is significant)."""
        if self.ci_low is None or other.ci_high is None:
            return False
        if math.isnan(self.ci_low) or math.isnan(other.ci_high):
            return False
        return self.ci_low > other.ci_high


@dataclass(frozen=True)
class RankSource:
    """One ranking: ``entries`` by model reference; ``method`` says in a few words where
    the scores and the rank intervals come from."""

    name: str
    kind: SourceKind
    entries: Mapping[str, RankEntry]
    method: str

    def scores(self, models: Iterable[str]) -> list[float]:
        return [self.entries[model].score for model in models]


def rating_source(name: str, kind: SourceKind, ratings: Iterable[Rating]) -> RankSource:
    """A source from Bradley-Terry ratings (the arena's or a judge's): their own intervals,
    ranks and bootstrap rank intervals, n = battles."""
    entries = {
        rating.model: RankEntry(
            score=rating.score,
            ci_low=rating.ci_low,
            ci_high=rating.ci_high,
            rank=rating.rank,
            rank_low=rating.rank_low,
            rank_high=rating.rank_high,
            n=rating.n,
        )
        for rating in ratings
    }
    return RankSource(name, kind, entries, "Bradley-Terry rating, bootstrap over battles")
