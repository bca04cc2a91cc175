"""Every ranking source side by side: the models, each source's rank with its interval,
the rank correlation of every pair of sources and the pairs of models they clearly
disagree on.

    sources = board_sources(board) + [rating_source("arena", SourceKind.ARENA, ratings)]
    comparison = compare_sources(sources, n_boot=1000, seed=0)

Pure: the caller gathers the sources (the leaderboard, the arena's and each judge's
ratings, published tables) from the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalatlas.analysis.ranks.correlation import DEFAULT_BOOT, RankCorrelation, correlations
from evalatlas.analysis.ranks.disagreement import Disagreement, all_disagreements
from evalatlas.analysis.ranks.sources import RankSource
from evalatlas.errors import ConfigError


@dataclass(frozen=True)
class RankComparison:
    sources: tuple[RankSource, ...]
    models: tuple[str, ...]  # by how many sources rank them, then by their first rank
    correlations: tuple[RankCorrelation, ...]
    disagreements: tuple[Disagreement, ...]
    n_boot: int
    seed: int
    notes: tuple[str, ...] = ()  # what a reader must know (e.g. a model left out)


def compare_sources(
    sources: Sequence[RankSource],
    *,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
    notes: Sequence[str] = (),
) -> RankComparison:
    """The side-by-side view of ``sources`` (empty ones left out)."""
    if n_boot < 1:
        raise ConfigError(f"n_boot must be at least 1 bootstrap resample, got {n_boot}")
    kept = tuple(source for source in sources if source.entries)
    return RankComparison(
        sources=kept,
        models=model_order(kept),
        correlations=tuple(correlations(kept, n_boot, seed)),
        disagreements=tuple(all_disagreements(kept)),
        n_boot=n_boot,
        seed=seed,
        notes=tuple(notes),
    )


def model_order(sources: Sequence[RankSource]) -> tuple[str, ...]:
    """Every ranked model: those in most sources first, then best first by the first
    source that ranks them, then by reference."""
    models = {model for source in sources for model in source.entries}

    def order(model: str) -> tuple[int, int, float, str]:
        ranked = [i for i, source in enumerate(sources) if model in source.entries]
        first = ranked[0]
        return (-len(ranked), first, -sources[first].entries[model].score, model)

    return tuple(sorted(models, key=order))
