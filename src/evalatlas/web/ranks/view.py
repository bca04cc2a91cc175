"""What the ranks page shows, and its JSON twin: every ranking source of the workspace
(the leaderboard's average, each benchmark, the arena, each judge, published tables) side
by side for the models they rank, the rank correlation of every pair of sources and the
pairs of models two sources clearly disagree on.

The arena's and judges' ratings are those of the judges page (the same cached ratings);
the comparison is kept on the arena snapshot, beside the board's fingerprint and the
published tables' state, so it is computed once per change of any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalatlas.analysis.ranks import (
    DEFAULT_BOOT,
    Disagreement,
    RankComparison,
    VotedRatings,
    compare_sources,
    comparison_json,
    gather_sources,
)
from evalatlas.analysis.ranks.report import (
    correlation_note,
    disagreement_texts,
    estimate_text,
    rank_text,
    score_text,
)
from evalatlas.arena.by_source import PEOPLE
from evalatlas.store import PublishedRanking
from evalatlas.web.arena_column import names_by_reference, shown_name
from evalatlas.web.judges.view import judges_page
from evalatlas.web.state import WebState

SEED = 0


@dataclass(frozen=True)
class RanksPage:
    comparison: RankComparison
    names: dict[str, str]  # display names by reference
    published: list[PublishedRanking]


def ranks_page(state: WebState) -> RanksPage:
    """The comparison at the current results, votes and published tables."""
    board = state.boards.get()
    snapshot = state.arena_views.snapshot()
    tables = state.store.published_rankings()
    key = f"ranks:{board.fingerprint}:{tables.state()}"

    # Rated before entering ``derived``: the snapshot's lock is not re-entrant, and the
    # judges page keeps its own ratings on the same snapshot.
    rated = judges_page(snapshot, state.arena).sources

    def compute() -> RanksPage:
        voted = [VotedRatings(s.name, s.name == PEOPLE, s.ratings.values()) for s in rated]
        published = tables.all()
        sources, notes = gather_sources(board, voted, published, seed=SEED)
        comparison = compare_sources(sources, n_boot=DEFAULT_BOOT, seed=SEED, notes=notes)
        shown = names_by_reference(board)
        names = {model: shown_name(model, shown) for model in comparison.models}
        return RanksPage(comparison, names, published)

    return snapshot.derived(key, compute)


def ranks_json(page: RanksPage) -> dict[str, Any]:
    return comparison_json(page.comparison, page.names, page.published)


def ranks_context(page: RanksPage) -> dict[str, Any]:
    comparison = page.comparison
    sources = comparison.sources
    rows = [
        (
            page.names.get(model, model),
            [(rank_text(s.entries.get(model)), score_text(s.entries.get(model))) for s in sources],
        )
        for model in comparison.models
    ]
    correlations = [
        (
            pair.source_a,
            pair.source_b,
            pair.n,
            estimate_text("τ", pair.kendall),
            estimate_text("ρ", pair.spearman),
            correlation_note(pair),
        )
        for pair in comparison.correlations
    ]
    return {
        "title": "Ranks",
        "sources": sources,
        "rows": rows,
        "correlations": correlations,
        "disagreements": [_disagreement_text(d, page.names) for d in comparison.disagreements],
        "published": page.published,
        "notes": comparison.notes,
        "n_boot": comparison.n_boot,
    }


def _disagreement_text(found: Disagreement, names: dict[str, str]) -> dict[str, str]:
    in_a, in_b = disagreement_texts(found, names)
    return {"source_a": found.source_a, "source_b": found.source_b, "in_a": in_a, "in_b": in_b}
