"""Ranking sources from what the store holds besides votes: the benchmark leaderboard (its
average, then each of its columns) and the published tables imported into the workspace.

The leaderboard's average keeps the board's own ranks and bootstrap rank intervals. A
column is ranked among the models that have a cell in it, by ``normal_ranks`` over its
cells' values and intervals (the board bootstraps averages only). A published table is
ranked the same way over its scores and intervals, when it gives them.

A reference stored with two sets of weights appears once: the row the board ranks higher
stands for it, and a note says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow, ScoreCell
from evalatlas.analysis.ranks.normal_ranks import DEFAULT_DRAWS, normal_ranks
from evalatlas.analysis.ranks.sources import RankEntry, RankSource, SourceKind
from evalatlas.store import PublishedRanking

LEADERBOARD = "leaderboard average"
BOARD_METHOD = "mean over benchmarks, rank interval by bootstrap over samples"
COLUMN_METHOD = "headline metric, rank interval by normal draws from its interval"
PUBLISHED_METHOD = "imported score, rank interval by normal draws from its interval"
PUBLISHED_WITHOUT_INTERVALS = "imported score; the table gives no intervals"


def board_sources(
    board: Leaderboard, seed: int = 0, n_draws: int = DEFAULT_DRAWS
) -> list[RankSource]:
    """The leaderboard's average, then one source per column, in column order."""
    rows = _one_row_per_reference(board.rows)
    average = {
        row.card.reference: _average_entry(row, row.average)
        for row in rows
        if row.average is not None and row.rank is not None
    }
    sources = [RankSource(LEADERBOARD, SourceKind.LEADERBOARD, average, BOARD_METHOD)]
    rng = np.random.default_rng(seed)
    for column in board.columns:
        cells = {row.card.reference: row.cells[column] for row in rows if column in row.cells}
        sources.append(_column_source(column, cells, rng, n_draws))
    return sources


def shadowed_references(board: Leaderboard) -> list[str]:
    """References the board holds with more than one set of weights (only the best-ranked
    row of each is compared)."""
    seen: dict[str, int] = {}
    for row in board.rows:
        seen[row.card.reference] = seen.get(row.card.reference, 0) + 1
    return sorted(reference for reference, count in seen.items() if count > 1)


def published_source(
    ranking: PublishedRanking, seed: int = 0, n_draws: int = DEFAULT_DRAWS
) -> RankSource:
    """A published table as a source; ranks from its scores and intervals."""
    scores = ranking.scores
    value = np.array([s.score for s in scores], dtype=np.float64)
    low = np.array([math.nan if s.ci_low is None else s.ci_low for s in scores])
    high = np.array([math.nan if s.ci_high is None else s.ci_high for s in scores])
    ranks = normal_ranks(value, low, high, np.random.default_rng(seed), n_draws)
    entries = {}
    for i, score in enumerate(scores):
        entries[score.model_reference] = RankEntry(
            score=score.score,
            ci_low=score.ci_low,
            ci_high=score.ci_high,
            rank=int(ranks.rank[i]),
            rank_low=None if ranks.rank_low is None else int(ranks.rank_low[i]),
            rank_high=None if ranks.rank_high is None else int(ranks.rank_high[i]),
            n=score.n,
        )
    method = PUBLISHED_METHOD if ranks.rank_low is not None else PUBLISHED_WITHOUT_INTERVALS
    return RankSource(published_name(ranking.name), SourceKind.PUBLISHED, entries, method)


def published_name(name: str) -> str:
    """How a published table is named among the sources: marked, so that it never takes
    the name of a benchmark or a judge."""
    return f"{name} (published)"


def _one_row_per_reference(rows: Sequence[LeaderboardRow]) -> list[LeaderboardRow]:
    """The first (best-ranked) row of each reference; the board lists ranked rows first."""
    kept: dict[str, LeaderboardRow] = {}
    for row in rows:
        kept.setdefault(row.card.reference, row)
    return list(kept.values())


def _average_entry(row: LeaderboardRow, average: ScoreCell) -> RankEntry:
    return RankEntry(
        score=average.value,
        ci_low=average.ci_low,
        ci_high=average.ci_high,
        rank=int(row.rank or 0),
        rank_low=row.rank_low,
        rank_high=row.rank_high,
        n=average.n,
    )


def _column_source(
    column: str, cells: dict[str, ScoreCell], rng: np.random.Generator, n_draws: int
) -> RankSource:
    models = list(cells)
    value = np.array([cells[m].value for m in models], dtype=np.float64)
    low = np.array([cells[m].ci_low for m in models], dtype=np.float64)
    high = np.array([cells[m].ci_high for m in models], dtype=np.float64)
    ranks = normal_ranks(value, low, high, rng, n_draws)
    entries = {}
    for i, model in enumerate(models):
        cell = cells[model]
        entries[model] = RankEntry(
            score=cell.value,
            ci_low=None if math.isnan(cell.ci_low) else cell.ci_low,
            ci_high=None if math.isnan(cell.ci_high) else cell.ci_high,
            rank=int(ranks.rank[i]),
            rank_low=None if ranks.rank_low is None else int(ranks.rank_low[i]),
            rank_high=None if ranks.rank_high is None else int(ranks.rank_high[i]),
            n=cell.n,
        )
    return RankSource(column, SourceKind.BENCHMARK, entries, COLUMN_METHOD)
