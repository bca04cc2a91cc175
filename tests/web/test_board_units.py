"""Pieces of the leaderboard views that the filled workspace cannot reach."""

from __future__ import annotations

import csv
import io
import math

import pytest

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow, ModelCard, ScoreCell
from evalatlas.jsonio import json_ready
from evalatlas.web.board_export import board_csv
from evalatlas.web.board_query import BoardQuery, select_rows
from evalatlas.web.cells import cell_view, format_parameters
from evalatlas.web.errors import InvalidParameter
from evalatlas.web.params import ParamReader


def card(name: str, parameters: int | None = None) -> ModelCard:
    return ModelCard(
        key=name.lower().strip("=+-@") or "model",
        reference=f"local/{name}",
        name=name,
        parameters=parameters,
    )


def cell(value: float, low: float, high: float, normalised: float | None = None) -> ScoreCell:
    return ScoreCell("task", "acc", value, low, high, 0.1, 10, normalised, None, "0" * 32)


def board_of(*rows: LeaderboardRow) -> Leaderboard:
    return Leaderboard(("task",), rows, {"task": 0.25}, "f" * 16)


def row(model: ModelCard, value: float = 0.5) -> LeaderboardRow:
    score = cell(value, value - 0.1, value + 0.1)
    return LeaderboardRow(model, {"task": score}, score, 1, 1, 1, 1)


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_written_as_text() -> None:
    hostile = '=HYPERLINK("http://example.invalid","x")'
    board = board_of(row(card(hostile)), row(card("-1+2")), row(card("plain")))
    query = BoardQuery(per_page=None)
    text = board_csv(board, query, select_rows(board, query))
    names = [line["name"] for line in csv.DictReader(io.StringIO(text))]
    assert sorted(names) == sorted(["'" + hostile, "'-1+2", "plain"])


def test_json_ready_turns_every_non_finite_number_into_null() -> None:
    payload = {"a": math.nan, "b": [1.0, -math.inf, {"c": math.inf}], "d": (2, "x")}
    assert json_ready(payload) == {"a": None, "b": [1.0, None, {"c": None}], "d": [2, "x"]}


@pytest.mark.parametrize(
    ("text", "count"),
    [("135M", 135 * 10**6), ("1.5B", 15 * 10**8), ("7b", 7 * 10**9), ("8000", 8000), ("2k", 2000)],
)
def test_parameter_counts_are_read_with_their_unit(text: str, count: int) -> None:
    assert ParamReader([("params_min", text)], ["params_min"]).size("params_min") == count


@pytest.mark.parametrize("text", ["-1", "7 GB", "B", "1.5.2B", "seven"])
def test_a_parameter_count_without_a_number_is_refused(text: str) -> None:
    with pytest.raises(InvalidParameter, match="params_min"):
        ParamReader([("params_min", text)], ["params_min"]).size("params_min")


def test_parameter_counts_are_shown_short() -> None:
    shown = [format_parameters(n) for n in (None, 950, 135_000_000, 1_700_000_000, 7 * 10**9)]
    assert shown == ["—", "950", "135M", "1.7B", "7B"]
    assert format_parameters(70_000_000_000) == "70B"


def test_the_whisker_spans_the_interval_on_its_scale() -> None:
    raw = cell_view(cell(0.5, 0.25, 0.75)).whisker
    assert raw is not None and (raw.low, raw.point, raw.high) == (16.0, 32.0, 48.0)
    normalised = cell_view(ScoreCell("t", "acc", 0.5, 0.3, 0.7, 0.1, 9, 50.0, (25.0, 75.0), "r"))
    assert normalised.text == "50.0" and normalised.whisker is not None
    assert (normalised.whisker.low, normalised.whisker.high) == (16.0, 48.0)
    assert "n = 9" in normalised.title and "95% CI [25.0, 75.0]" in normalised.title
    # A metric off the 0-1 scale (perplexity) and an unscored one get no whisker.
    assert cell_view(cell(12.5, 11.0, 14.0)).whisker is None
    unscored = cell_view(cell(math.nan, math.nan, math.nan))
    assert unscored.text == "—" and unscored.whisker is None


def test_size_filters_skip_models_of_unknown_size() -> None:
    board = board_of(row(card("small", 10**8)), row(card("unknown")), row(card("big", 10**11)))
    for query, expected in (
        (BoardQuery(size_preset="edge"), ["small"]),
        (BoardQuery(params_min=10**9), ["big"]),
        (BoardQuery(), ["big", "small", "unknown"]),
    ):
        selected = select_rows(board, BoardQuery(**{**vars(query), "sort": "name"}))
        assert sorted(r.card.name for r in selected.rows) == expected
