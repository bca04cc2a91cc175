"""Geometry of the arena ratings charts, drawn as inline SVG by ``_charts.html``.

The rating chart puts each model on one row, best first: its 95% interval as a line, its
rating as a dot, on a common rating axis. The win matrix is a models x models grid: the
cell in row i, column j holds how often model i beat model j in their direct battles
(ties half), coloured in ten bins from red (lost them all) through white (even) to blue
(won them all), with the battle count in its tooltip; pairs that never met stay blank.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evalatlas.web.charts import (
    IntervalChart,
    IntervalRow,
    RowLayout,
    Tick,
    interval_chart,
    nice_axis,
    short_label,
)

RATING_LAYOUT = RowLayout(width=760, row_height=22, label_width=230)
HEAT_CELL = 38
WIN_BINS = 10
# Labels are 11px system-ui text (atlas.css): no glyph is wider than this on average, so a
# margin sized by it holds the longest label. Column labels are turned by LABEL_ANGLE.
LABEL_CHAR_WIDTH = 6.6
LABEL_FONT = 11.0
LABEL_GAP = 8.0
LABEL_ANGLE = math.radians(50)


@dataclass(frozen=True)
class RatingInput:
    model: str
    score: float
    ci_low: float
    ci_high: float
    title: str


def rating_chart(inputs: Sequence[RatingInput]) -> IntervalChart | None:
    """One row per model in the given order; None when there is no model."""
    if not inputs:
        return None
    box = RATING_LAYOUT.box(len(inputs))
    axis = nice_axis(min(item.ci_low for item in inputs), max(item.ci_high for item in inputs))

    def x_of(value: float) -> float:
        fraction = (value - axis.low) / (axis.high - axis.low)
        return round(box.left + min(max(fraction, 0.0), 1.0) * box.width, 2)

    rows = [
        IntervalRow(item.ci_low, item.ci_high, item.score, item.model, item.title, index)
        for index, item in enumerate(inputs)
    ]
    return interval_chart(RATING_LAYOUT, rows, x_of, axis.ticks)


@dataclass(frozen=True)
class HeatSquare:
    x: float
    y: float
    text: str
    title: str
    heat: str  # CSS class: win-0 .. win-9, win-none (never met) or win-self


@dataclass(frozen=True)
class HeatChart:
    width: int
    height: int
    cell: int
    row_labels: tuple[Tick, ...]  # position: the row's middle y
    column_labels: tuple[Tick, ...]  # position: the column's middle x
    label_x: float
    label_y: float
    squares: tuple[HeatSquare, ...]


def win_class(fraction: float | None) -> str:
    if fraction is None or not math.isfinite(fraction):
        return "win-none"
    return f"win-{min(WIN_BINS - 1, max(0, int(fraction * WIN_BINS)))}"


def win_heatmap(
    models: Sequence[str],
    win_fraction: Sequence[Sequence[float]],
    battle_count: Sequence[Sequence[int]],
) -> HeatChart | None:
    """The models x models grid of direct win fractions; None for fewer than two models."""
    if len(models) < 2:
        return None
    labels = [short_label(model) for model in models]
    longest = max(len(label) for label in labels) * LABEL_CHAR_WIDTH
    # Row labels end LABEL_GAP left of the grid; turned column labels rise from LABEL_GAP
    # above it and lean right past the last column: the margins hold them whole.
    left = math.ceil(longest + 2 * LABEL_GAP)
    top = math.ceil(longest * math.sin(LABEL_ANGLE) + LABEL_FONT + 2 * LABEL_GAP)
    overhang = longest * math.cos(LABEL_ANGLE) + LABEL_FONT - HEAT_CELL / 2
    squares = [
        _square(
            row_model,
            column_model,
            (left + j * HEAT_CELL, top + i * HEAT_CELL),
            i == j,
            (win_fraction[i][j], int(battle_count[i][j])),
        )
        for i, row_model in enumerate(models)
        for j, column_model in enumerate(models)
    ]
    size = len(models) * HEAT_CELL
    middle = [k * HEAT_CELL + HEAT_CELL / 2 for k in range(len(models))]
    return HeatChart(
        width=math.ceil(left + size + max(12.0, overhang + LABEL_GAP)),
        height=int(top + size + 12),
        cell=HEAT_CELL,
        row_labels=tuple(Tick(top + m, label) for m, label in zip(middle, labels, strict=True)),
        column_labels=tuple(Tick(left + m, label) for m, label in zip(middle, labels, strict=True)),
        label_x=left - LABEL_GAP,
        label_y=top - LABEL_GAP,
        squares=tuple(squares),
    )


def _square(
    row_model: str,
    column_model: str,
    at: tuple[float, float],
    same: bool,
    met: tuple[float, int],
) -> HeatSquare:
    """One cell; ``met`` is the row model's win fraction against the column's and their
    number of battles."""
    (x, y), (fraction, n) = at, met
    if same:
        return HeatSquare(x, y, "", row_model, "win-self")
    if n == 0 or not math.isfinite(fraction):
        return HeatSquare(x, y, "", f"{row_model} and {column_model} never met", "win-none")
    title = (
        f"{row_model} beat {column_model} in {fraction:.0%} of their {n} "
        f"battle{'s' if n != 1 else ''} (ties count half)"
    )
    return HeatSquare(x, y, f"{fraction * 100:.0f}", title, win_class(fraction))
