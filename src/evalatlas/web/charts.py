"""Chart geometry for server-rendered SVG: positions and labels computed here, drawn by the
``_charts.html`` macros. Templates autoescape, so a label is always text, never markup, and
pages need no chart library (nothing to load from a CDN, nothing for the CSP to allow)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from evalatlas.web.cells import format_parameters

SCATTER_WIDTH = 760
SCATTER_HEIGHT = 420
MAX_LABEL = 32
LABEL_CHAR_WIDTH = 6.6  # at the charts' 11px font (atlas.css), wide enough for any label
LABELLED_TOP = 8  # the best-scoring points labelled beside the outliers, room permitting
MIN_X_TICKS = 4
Y_TICKS = 8
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
Scale = Callable[[float], float]


@dataclass(frozen=True)
class Box:
    """The plotting area inside the chart's margins."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    ticks: tuple[float, ...]


def nice_axis(low: float, high: float, count: int = 5) -> Axis:
    """An axis covering [low, high] with about ``count`` round ticks (1, 2, 2.5, 5 x 10^k)."""
    if not high > low:
        half = abs(high) / 2 or 1.0
        low, high = low - half, high + half
    rough = (high - low) / count
    magnitude = 10.0 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in _STEPS if m * magnitude >= rough * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    ticks = tuple(round(k * step, 10) for k in range(first, last + 1))
    return Axis(ticks[0], ticks[-1], ticks)


def tick_label(value: float) -> str:
    return f"{value:.10g}"


def short_label(text: str) -> str:
    """``text`` cut to ``MAX_LABEL`` characters (the full text goes into the tooltip)."""
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


@dataclass(frozen=True)
class ScatterInput:
    """One model for the score vs parameters chart."""

    name: str
    url: str
    parameters: int
    score: float
    ci_low: float | None
    ci_high: float | None
    flagged: bool
    title: str


@dataclass(frozen=True)
class ScatterPoint:
    x: float
    y: float
    y_low: float | None  # the interval's whisker, when known
    y_high: float | None
    flagged: bool
    label: str  # the model's name, drawn when ``labelled``
    labelled: bool  # outliers always; the best others while their labels do not collide
    label_x: float
    label_anchor: str  # "start" | "end": flagged points near the right edge label leftward
    title: str
    url: str


@dataclass(frozen=True)
class ScatterChart:
    width: int
    height: int
    box: Box
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    boundaries: tuple[Tick, ...]  # size-class edges inside the plotted range
    class_labels: tuple[Tick, ...]  # each visible class's name, at its centre
    points: tuple[ScatterPoint, ...]
    y_title: str


def scatter_chart(
    inputs: Sequence[ScatterInput],
    size_edges: Sequence[tuple[str, int | None]],
    y_title: str,
    y_range: tuple[float, float] | None = None,
) -> ScatterChart | None:
    """Scores against log10(parameters), with the size classes ``size_edges`` (name, first
    count above) drawn as bands; None when there is nothing to plot."""
    if not inputs:
        return None
    box = Box(60.0, 30.0, SCATTER_WIDTH - 24.0, SCATTER_HEIGHT - 48.0)
    logs = [math.log10(max(point.parameters, 1)) for point in inputs]
    x_low, x_high = min(logs) - 0.25, max(logs) + 0.25
    if x_high - x_low < 1.0:
        middle = (x_low + x_high) / 2
        x_low, x_high = middle - 0.5, middle + 0.5
    y_axis = nice_axis(*(y_range or _data_range(inputs)), count=Y_TICKS)

    def x_of(log_count: float) -> float:
        return round(box.left + (log_count - x_low) / (x_high - x_low) * box.width, 2)

    def y_of(value: float) -> float:
        fraction = (value - y_axis.low) / (y_axis.high - y_axis.low)
        return round(box.bottom - min(max(fraction, 0.0), 1.0) * box.height, 2)

    placed = [
        _scatter_point(point, x_of(log_count), y_of, box)
        for point, log_count in zip(inputs, logs, strict=True)
    ]
    scores = [point.score for point in inputs]
    labelled = _labelled(placed, scores)
    points = tuple(
        sorted(  # flagged points last, so they are drawn on top
            (replace(p, labelled=i in labelled) for i, p in enumerate(placed)),
            key=lambda point: point.flagged,
        )
    )
    return ScatterChart(
        width=SCATTER_WIDTH,
        height=SCATTER_HEIGHT,
        box=box,
        x_ticks=tuple(
            Tick(x_of(e), format_parameters(round(10**e))) for e in _x_ticks(x_low, x_high)
        ),
        y_ticks=tuple(Tick(y_of(v), tick_label(v)) for v in y_axis.ticks),
        boundaries=_boundaries(size_edges, x_low, x_high, x_of),
        class_labels=_class_labels(size_edges, x_low, x_high, x_of),
        points=points,
        y_title=y_title,
    )


def _x_ticks(low: float, high: float) -> list[float]:
    """log10 of the parameter counts to tick: every decade, and 2x and 5x each decade when
    fewer than ``MIN_X_TICKS`` decades fall inside the axis."""
    decades = range(math.floor(low), math.ceil(high) + 1)
    ticks = [float(d) for d in decades if low <= d <= high]
    if len(ticks) < MIN_X_TICKS:
        steps = (math.log10(m) + d for d in decades for m in (1, 2, 5))
        ticks = [t for t in steps if low <= t <= high]
    return ticks


Bounds = tuple[float, float, float, float]  # left, top, right, bottom


def _label_bounds(point: ScatterPoint) -> Bounds:
    width = len(point.label) * LABEL_CHAR_WIDTH
    left = point.label_x - width if point.label_anchor == "end" else point.label_x
    return (left, point.y - 8.0, left + width, point.y + 5.0)


def _overlap(a: Bounds, b: Bounds) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _labelled(points: Sequence[ScatterPoint], scores: Sequence[float]) -> set[int]:
    """Which points get a visible name: every outlier, then the best-scoring others
    (at most ``LABELLED_TOP``) whose label would not cover one already placed."""
    chosen = {i for i, point in enumerate(points) if point.flagged}
    taken = [_label_bounds(points[i]) for i in chosen]
    others = sorted((i for i in range(len(points)) if i not in chosen), key=lambda i: -scores[i])
    for i in others[:LABELLED_TOP]:
        bounds = _label_bounds(points[i])
        if not any(_overlap(bounds, other) for other in taken):
            chosen.add(i)
            taken.append(bounds)
    return chosen


def _data_range(inputs: Sequence[ScatterInput]) -> tuple[float, float]:
    values = [p.score for p in inputs]
    values += [v for p in inputs for v in (p.ci_low, p.ci_high) if v is not None]
    return min(0.0, *values), max(values)


def _scatter_point(point: ScatterInput, x: float, y_of: Scale, box: Box) -> ScatterPoint:
    leftward = x > box.left + 0.7 * box.width
    return ScatterPoint(
        x=x,
        y=y_of(point.score),
        y_low=None if point.ci_low is None else y_of(point.ci_low),
        y_high=None if point.ci_high is None else y_of(point.ci_high),
        flagged=point.flagged,
        label=short_label(point.name),
        labelled=point.flagged,
        label_x=x - 9 if leftward else x + 9,
        label_anchor="end" if leftward else "start",
        title=point.title,
        url=point.url,
    )


def _boundaries(
    size_edges: Sequence[tuple[str, int | None]], low: float, high: float, x_of: Scale
) -> tuple[Tick, ...]:
    edges = [math.log10(edge) for _, edge in size_edges if edge is not None]
    return tuple(Tick(x_of(e), format_parameters(round(10**e))) for e in edges if low < e < high)


def _class_labels(
    size_edges: Sequence[tuple[str, int | None]], low: float, high: float, x_of: Scale
) -> tuple[Tick, ...]:
    labels = []
    start = low
    for name, edge in size_edges:
        end = high if edge is None else min(high, math.log10(edge))
        if end > start:
            labels.append(Tick(x_of((start + end) / 2), name))
        start = max(start, end)
    return tuple(labels)


@dataclass(frozen=True)
class RankInput:
    """One ranked model for the rank whisker chart."""

    name: str
    url: str
    rank: int
    rank_low: int
    rank_high: int
    tie_group: int
    title: str


@dataclass(frozen=True)
class IntervalRow:
    """One row of an interval chart, in the axis's units: the interval, its point estimate,
    and the band (rows of one band share a background, consecutive bands alternate)."""

    low: float
    high: float
    point: float
    label: str
    title: str
    band: int
    url: str = ""


@dataclass(frozen=True)
class IntervalBar:
    y: float
    band_top: float
    x_low: float
    x_high: float
    x_point: float
    label: str
    title: str
    url: str
    band: str  # CSS class band-0 or band-1


@dataclass(frozen=True)
class IntervalChart:
    width: int
    height: int
    box: Box
    row_height: int
    x_ticks: tuple[Tick, ...]
    bars: tuple[IntervalBar, ...]


@dataclass(frozen=True)
class RowLayout:
    """One model a row below the x axis's labels, names in the left margin."""

    width: int
    row_height: int
    label_width: int

    def box(self, rows: int) -> Box:
        return Box(float(self.label_width), 30.0, self.width - 24.0, 30.0 + self.row_height * rows)


RANK_LAYOUT = RowLayout(width=760, row_height=20, label_width=230)


def interval_chart(
    layout: RowLayout, rows: Sequence[IntervalRow], x_of: Scale, ticks: Sequence[float]
) -> IntervalChart:
    """The rows top down, each interval a line and its point a dot, placed by ``x_of``
    (which maps into ``layout.box(len(rows))``) with a grid line at each of ``ticks``."""
    box = layout.box(len(rows))
    row = layout.row_height
    bars = tuple(
        IntervalBar(
            y=box.top + row * index + row / 2,
            band_top=box.top + row * index,
            x_low=x_of(item.low),
            x_high=x_of(item.high),
            x_point=x_of(item.point),
            label=short_label(item.label),
            title=item.title,
            url=item.url,
            band=f"band-{item.band % 2}",
        )
        for index, item in enumerate(rows)
    )
    return IntervalChart(
        width=layout.width,
        height=int(box.bottom) + 12,
        box=box,
        row_height=row,
        x_ticks=tuple(Tick(x_of(tick), tick_label(tick)) for tick in ticks),
        bars=bars,
    )


def rank_chart(inputs: Sequence[RankInput]) -> IntervalChart | None:
    """One row per model, best first: its 95% rank interval as a line, its rank as a dot;
    None when no model is ranked. Rows of one tie group share a band."""
    if not inputs:
        return None
    box = RANK_LAYOUT.box(len(inputs))
    worst = max(max(item.rank_high for item in inputs), 2)
    axis = nice_axis(1.0, float(worst), count=min(worst - 1, 10))
    ticks = sorted(
        {1.0, *(tick for tick in axis.ticks if tick == int(tick) and 1 <= tick <= worst)}
    )

    def x_of(rank: float) -> float:
        return round(box.left + (rank - 0.5) / worst * box.width, 2)

    rows = [
        IntervalRow(
            item.rank_low,
            item.rank_high,
            item.rank,
            item.name,
            item.title,
            item.tie_group,
            item.url,
        )
        for item in inputs
    ]
    return interval_chart(RANK_LAYOUT, rows, x_of, ticks)
