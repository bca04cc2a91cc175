"""Chart geometry: round axes, a log x-axis, size-class bands, rank whiskers."""

from __future__ import annotations

import pytest

from evalatlas.analysis.outliers import SIZE_CLASSES
from evalatlas.web.charts import (
    RankInput,
    ScatterInput,
    nice_axis,
    rank_chart,
    scatter_chart,
    short_label,
)


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        (0.0, 100.0, (0.0, 20.0, 40.0, 60.0, 80.0, 100.0)),
        (0.0, 0.93, (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)),
        (12.0, 13.0, (12.0, 12.2, 12.4, 12.6, 12.8, 13.0)),
        (5.0, 5.0, (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)),  # a single value gets room around it
    ],
)
def test_axes_have_round_ticks_covering_the_data(
    low: float, high: float, ticks: tuple[float, ...]
) -> None:
    axis = nice_axis(low, high)
    assert axis.ticks == pytest.approx(ticks)
    assert axis.low <= low and axis.high >= high


def point(name: str, parameters: int, score: float, flagged: bool = False) -> ScatterInput:
    return ScatterInput(
        name, f"/models/{name}", parameters, score, score - 5, score + 5, flagged, name
    )


def test_the_scatter_has_a_log_x_axis_and_draws_flagged_points_last() -> None:
    chart = scatter_chart(
        [
            point("a", 10**8, 20.0),
            point("leak", 10**9, 90.0, flagged=True),
            point("b", 10**10, 50.0),
        ],
        SIZE_CLASSES,
        "average",
        (0.0, 100.0),
    )
    assert chart is not None
    by_name = {p.label: p for p in chart.points}
    # Equal ratios of parameters are equal distances.
    assert by_name["leak"].x - by_name["a"].x == pytest.approx(by_name["b"].x - by_name["leak"].x)
    assert [p.flagged for p in chart.points] == [False, False, True]
    assert by_name["leak"].y < by_name["b"].y < by_name["a"].y  # higher scores higher up
    # Two decades hold too few decade ticks: 2x and 5x are ticked too.
    assert [t.label for t in chart.x_ticks] == ["100M", "200M", "500M", "1B", "2B", "5B", "10B"]
    assert [t.label for t in chart.boundaries] == ["1B", "8B"]  # 40B is off the right edge
    assert [t.label for t in chart.class_labels] == ["edge", "consumer", "mid"]
    # A label near the right edge runs leftward so it stays inside the chart.
    assert (by_name["b"].label_anchor, by_name["a"].label_anchor) == ("end", "start")


def test_nothing_to_draw_is_no_chart() -> None:
    assert scatter_chart([], SIZE_CLASSES, "average") is None
    assert rank_chart([]) is None


def test_rank_whiskers_span_each_models_interval() -> None:
    chart = rank_chart(
        [
            RankInput("first", "/m/1", 1, 1, 2, 1, "t"),
            RankInput("second", "/m/2", 1, 1, 3, 1, "t"),
            RankInput("third", "/m/3", 3, 2, 3, 1, "t"),
        ]
    )
    assert chart is not None
    first, second, third = chart.bars
    assert first.x_low == first.x_point < first.x_high == third.x_low  # ranks 1 and 2
    assert second.x_high == third.x_high and second.y < third.y
    assert [t.label for t in chart.x_ticks] == ["1", "2", "3"]
    assert chart.height > third.y


def test_long_labels_are_cut_with_an_ellipsis() -> None:
    assert short_label("x" * 40) == "x" * 31 + "…"
    assert short_label("short") == "short"


def test_the_scatter_names_outliers_and_the_best_models_without_overlap() -> None:
    inputs = [point(f"model {i}", 10 ** (8 + i % 4), 10.0 + 7 * i) for i in range(12)]
    inputs.append(point("leak", 2 * 10**9, 55.0, flagged=True))
    chart = scatter_chart(inputs, SIZE_CLASSES, "average", (0.0, 100.0))
    assert chart is not None
    named = [p for p in chart.points if p.labelled]
    assert any(p.label == "leak" for p in named)  # an outlier is always named
    best = max(inputs, key=lambda item: item.score).name
    assert any(p.label == best for p in named)  # so is the best-scoring model
    assert 2 <= len(named) <= 1 + 8
    boxes = [
        (p.label_x - len(p.label) * 6.6 if p.label_anchor == "end" else p.label_x, p.y)
        for p in named
    ]
    for i, (x, y) in enumerate(boxes):  # no two names share a line of text
        for other_x, other_y in boxes[i + 1 :]:
            width = max(len(p.label) for p in named) * 6.6
            assert abs(y - other_y) >= 13 or abs(x - other_x) >= width
    assert len(chart.y_ticks) >= 6
