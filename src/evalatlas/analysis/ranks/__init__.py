"""Every ranking source side by side: the benchmark leaderboard, each benchmark, the
arena, each judge and published tables, with rank intervals, rank correlations (Kendall's
tau, Spearman's rho, bootstrap intervals over models) and clear disagreements.

    from evalatlas.analysis.ranks import board_sources, compare_sources, rating_source

Pure over what the store returns; the CLI (``evalatlas ranks``) and the web app
(``/ranks``) gather the sources and show the comparison.
"""

from evalatlas.analysis.ranks.board_sources import (
    LEADERBOARD,
    board_sources,
    published_source,
    shadowed_references,
)
from evalatlas.analysis.ranks.correlation import (
    DEFAULT_BOOT,
    MIN_MODELS,
    Estimate,
    RankCorrelation,
    rank_correlation,
)
from evalatlas.analysis.ranks.disagreement import Disagreement, disagreements
from evalatlas.analysis.ranks.gather import ARENA, VotedRatings, gather_sources
from evalatlas.analysis.ranks.published import KnownModels, PublishedTable, read_published
from evalatlas.analysis.ranks.report import comparison_json, published_json
from evalatlas.analysis.ranks.side_by_side import RankComparison, compare_sources
from evalatlas.analysis.ranks.sources import RankEntry, RankSource, SourceKind, rating_source

__all__ = [
    "ARENA",
    "DEFAULT_BOOT",
    "LEADERBOARD",
    "MIN_MODELS",
    "Disagreement",
    "Estimate",
    "KnownModels",
    "PublishedTable",
    "RankComparison",
    "RankCorrelation",
    "RankEntry",
    "RankSource",
    "SourceKind",
    "VotedRatings",
    "board_sources",
    "compare_sources",
    "comparison_json",
    "disagreements",
    "gather_sources",
    "published_json",
    "published_source",
    "rank_correlation",
    "rating_source",
    "read_published",
    "shadowed_references",
]
