"""What the plots page draws, and the JSON twins of its two charts.

Score vs parameters: every filtered model with an average and a known size, on a log
x-axis, the size classes as bands; models flagged by ``analysis.outliers`` are drawn
larger, in another colour, and labelled. Rank whiskers: the filtered ranked models, best
first (at most ``limit``), each rank interval as a line and the rank as a dot. Ranks and
z-scores are the whole board's: filters choose what is drawn, not how it is scored.
"""

from __future__ import annotations

import math
from typing import Any

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow
from evalatlas.analysis.outliers import (
    SIZE_CLASSES,
    OutlierConfig,
    OutlierPoint,
    OutlierReport,
    class_bounds,
)
from evalatlas.web.board_export import card_json, model_url
from evalatlas.web.board_query import MODEL_TYPES, SIZE_PRESETS, BoardQuery
from evalatlas.web.cells import MISSING, finite, format_parameters
from evalatlas.web.charts import (
    RankInput,
    ScatterInput,
    rank_chart,
    scatter_chart,
)
from evalatlas.web.errors import InvalidParameter
from evalatlas.web.model_filters import FILTER_PARAMETERS
from evalatlas.web.params import ParamReader

THRESHOLD = {
    "z": "Flag a model whose z-score within its size class is at least this, 0-100 (default 2)."
}
LIMIT = {"limit": "Ranked models drawn, best first, 1-500 (default 50)."}
SCATTER_PARAMETERS = {**FILTER_PARAMETERS, **THRESHOLD}
RANK_PARAMETERS = {**FILTER_PARAMETERS, **LIMIT}
DEFAULT_RANK_LIMIT = 50
MAX_RANK_LIMIT = 500
MAX_THRESHOLD = 100.0


def read_config(reader: ParamReader) -> OutlierConfig:
    """The outlier threshold from ``z`` (a number in (0, 100], default 2)."""
    text = reader.text("z")
    if text is None:
        return OutlierConfig()
    try:
        threshold = float(text)
    except ValueError:
        raise InvalidParameter("z", f"{text!r} is not a number") from None
    if not (math.isfinite(threshold) and 0.0 < threshold <= MAX_THRESHOLD):
        raise InvalidParameter("z", f"{text} is outside (0, {MAX_THRESHOLD:g}]")
    return OutlierConfig(threshold=threshold)


def read_limit(reader: ParamReader) -> int:
    return reader.integer("limit", DEFAULT_RANK_LIMIT, 1, MAX_RANK_LIMIT)


def _shown(
    points: tuple[OutlierPoint, ...], rows: tuple[LeaderboardRow, ...]
) -> list[OutlierPoint]:
    keys = {row.card.key for row in rows}
    return [point for point in points if point.card.key in keys and point.score is not None]


def point_title(point: OutlierPoint) -> str:
    low, high = point.ci_low, point.ci_high
    interval = MISSING if low is None or high is None else f"{low:.3g}–{high:.3g}"
    z = MISSING if point.z is None else f"{point.z:.2f}"
    parts = [
        point.card.name,
        f"{format_parameters(point.card.parameters)} parameters ({point.size_class or 'no class'})",
        f"average {point.score:.3g}, 95% CI {interval}",
        f"z = {z}",
    ]
    return "; ".join(parts + ([point.reason] if point.reason else []))


def scatter_inputs(shown: list[OutlierPoint]) -> list[ScatterInput]:
    return [
        ScatterInput(
            name=point.card.name,
            url=model_url(point.card),
            parameters=point.card.parameters,
            score=point.score,
            ci_low=point.ci_low,
            ci_high=point.ci_high,
            flagged=point.flagged,
            title=point_title(point),
        )
        for point in shown
        if point.card.parameters is not None and point.score is not None
    ]


def rank_inputs(rows: tuple[LeaderboardRow, ...], limit: int) -> list[RankInput]:
    ranked = [row for row in rows if row.rank is not None][:limit]
    inputs = []
    for row in ranked:
        rank, low, high = row.rank or 0, row.rank_low or 0, row.rank_high or 0
        title = f"{row.card.name}: rank {rank}, 95% rank interval {low}–{high}"
        inputs.append(
            RankInput(
                row.card.name, model_url(row.card), rank, low, high, row.tie_group or 0, title
            )
        )
    return inputs


def _point_json(point: OutlierPoint) -> dict[str, Any]:
    return {
        "model": card_json(point.card),
        "parameters": point.card.parameters,
        "size_class": point.size_class,
        "score": finite(point.score),
        "ci_low": point.ci_low,
        "ci_high": point.ci_high,
        "z": finite(point.z),
        "flagged": point.flagged,
        "reason": point.reason,
    }


def _classes_json(report: OutlierReport) -> list[dict[str, Any]]:
    classes = []
    for stats in report.classes:
        low, above = class_bounds(stats.name)
        classes.append(
            {
                "name": stats.name,
                "min_parameters": low,
                "below_parameters": above,
                "n": stats.n,
                "mean": finite(stats.mean),
                "sd": finite(stats.sd),
            }
        )
    return classes


def score_vs_params_json(report: OutlierReport, rows: tuple[LeaderboardRow, ...]) -> dict[str, Any]:
    shown = _shown(report.points, rows)
    return {
        "scale": "normalised" if report.normalised else "raw",
        "threshold": report.config.threshold,
        "min_class_size": report.config.min_class_size,
        "classes": _classes_json(report),
        "points": [_point_json(point) for point in shown],
        "flagged": [point.card.key for point in shown if point.flagged],
    }


def ranks_json(board: Leaderboard, rows: tuple[LeaderboardRow, ...], limit: int) -> dict[str, Any]:
    ranked = [row for row in rows if row.rank is not None]
    return {
        "n_boot": board.n_boot,
        "seed": board.seed,
        "total": len(ranked),
        "limit": limit,
        "rows": [
            {
                "model": card_json(row.card),
                "rank": row.rank,
                "rank_low": row.rank_low,
                "rank_high": row.rank_high,
                "tie_group": row.tie_group,
                "average": finite(row.average.value) if row.average is not None else None,
            }
            for row in ranked[:limit]
        ],
    }


def plots_context(
    board: Leaderboard,
    query: BoardQuery,
    report: OutlierReport,
    rows: tuple[LeaderboardRow, ...],
    limit: int,
) -> dict[str, Any]:
    shown = _shown(report.points, rows)
    drawn = scatter_inputs(shown)
    scale = "normalised average (0-100)" if report.normalised else "average (raw)"
    ranks = rank_inputs(rows, limit)
    return {
        "title": "Plots",
        "board": board,
        "query": query,
        "report": report,
        "scatter_chart": scatter_chart(
            drawn, SIZE_CLASSES, scale, (0.0, 100.0) if report.normalised else None
        ),
        "flagged": [point for point in shown if point.flagged],
        "unsized": [point.card.name for point in shown if point.card.parameters is None],
        "rank_chart": rank_chart(ranks),
        "ranked_total": sum(1 for row in rows if row.rank is not None),
        "limit": limit,
        "model_types": MODEL_TYPES,
        "size_presets": tuple(SIZE_PRESETS),
        "licences": sorted(
            {r.card.licence for r in board.rows if r.card.licence}, key=str.casefold
        ),
        "scatter_api_url": query.url("/api/plots/score-vs-params"),
        "ranks_api_url": query.url("/api/plots/ranks"),
    }
