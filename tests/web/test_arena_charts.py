"""Geometry of the arena charts: the rating whiskers and the win matrix."""

from __future__ import annotations

import math

from evalatlas.web.arena.charts import (
    LABEL_ANGLE,
    LABEL_CHAR_WIDTH,
    RatingInput,
    rating_chart,
    win_class,
    win_heatmap,
)


def test_rating_whiskers_place_better_ratings_further_right() -> None:
    inputs = [
        RatingInput("strong", 1100.0, 1060.0, 1150.0, "strong"),
        RatingInput("weak", 900.0, 850.0, 960.0, "weak"),
    ]
    chart = rating_chart(inputs)
    assert chart is not None
    strong, weak = chart.bars
    assert strong.x_point > weak.x_point
    for bar in chart.bars:
        assert chart.box.left <= bar.x_low <= bar.x_point <= bar.x_high <= chart.box.right
    labels = [float(tick.label) for tick in chart.x_ticks]
    assert labels[0] <= 850.0 and labels[-1] >= 1150.0
    assert strong.y < weak.y  # best first, top down
    assert rating_chart([]) is None


def test_the_win_matrix_colours_fractions_and_leaves_unmet_pairs_blank() -> None:
    models = ["a", "b", "c"]
    fraction = [[math.nan, 0.73, 0.0], [0.27, math.nan, math.nan], [1.0, math.nan, math.nan]]
    count = [[0, 11, 4], [11, 0, 0], [4, 0, 0]]
    chart = win_heatmap(models, fraction, count)
    assert chart is not None
    cells = {(s.x, s.y): s for s in chart.squares}
    assert len(cells) == 9
    grid = [[cells[(x, y)] for x in sorted({s.x for s in chart.squares})] for y in
            sorted({s.y for s in chart.squares})]  # fmt: skip
    assert [grid[i][i].heat for i in range(3)] == ["win-self"] * 3
    assert grid[0][1].heat == "win-7" and grid[0][1].text == "73"
    assert "a beat b in 73% of their 11 battles" in grid[0][1].title
    assert grid[1][2].heat == "win-none" and "never met" in grid[1][2].title
    assert grid[0][2].heat == "win-0" and grid[2][0].heat == "win-9"
    assert [label.label for label in chart.row_labels] == models
    assert win_heatmap(["a"], [[math.nan]], [[0]]) is None
    assert win_class(0.5) == "win-5" and win_class(None) == "win-none"


def test_the_win_matrix_margins_hold_its_longest_label() -> None:
    long_names = ["x" * 40, "organisation/model-" + "y" * 30, "z"]
    chart = win_heatmap(long_names, [[0.5] * 3] * 3, [[4] * 3] * 3)
    assert chart is not None
    longest = max(len(label.label) for label in chart.row_labels) * LABEL_CHAR_WIDTH
    # Row labels end at label_x and run leftwards: they start inside the chart.
    assert chart.label_x - longest >= 0
    # Column labels rise at LABEL_ANGLE from label_y and lean right past the grid.
    assert chart.label_y - longest * math.sin(LABEL_ANGLE) - 11 >= 0
    last = max(label.position for label in chart.column_labels)
    assert last + 4 + longest * math.cos(LABEL_ANGLE) <= chart.width
    short = win_heatmap(["a", "b"], [[0.5] * 2] * 2, [[4] * 2] * 2)
    assert short is not None and short.width < chart.width  # margins follow the labels
