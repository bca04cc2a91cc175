"""What keeps a 10,000-model board fast gives the same answers as the plain computation:
filter masks, rows sorted once per board, rows serialised and rendered once per board."""

from __future__ import annotations

import gc
import itertools
import json
import math
import random
import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow, ModelCard, ScoreCell
from evalatlas.jsonio import json_ready
from evalatlas.web.app import template_environment
from evalatlas.web.board_export import board_json, board_json_text
from evalatlas.web.board_memo import _VALUES, memoised
from evalatlas.web.board_query import SIZE_PRESETS, BoardQuery, select_rows, sort_rows
from evalatlas.web.errors import NotFound
from evalatlas.web.leaderboard.page import row_view, rows_html

TYPES = ("pretrained", "instruction-tuned", "merge", "unknown")
NAMES = ("Alpha", "beta", "Straße", "GAMMA", "delta-7b", "Ωmega")


def synthetic_board(n_models: int, seed: int = 0) -> Leaderboard:
    """Cards of every kind (unknown size, licence or quantisation too), some without a
    score on the second task, some with a missing average."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_models):
        card = ModelCard(
            key=f"m{i}",
            reference=f"org-{i % 7}/{rng.choice(NAMES)}-{i}",
            name=f"{rng.choice(NAMES)} {i % 13}",
            parameters=rng.choice([None, 10**8, 999_999_999, 10**9, 8 * 10**9, 7 * 10**10]),
            quantisation=rng.choice([None, "Q4_1", "q8_0", "F16"]),
            licence=rng.choice([None, "MIT", "apache-2.0", "llama2"]),
            model_type=rng.choice(TYPES),
        )
        cells = {"t1": _cell("t1", rng.random())}
        if rng.random() < 0.8:
            cells["t2"] = _cell("t2", rng.random())
        average = _cell("average", rng.random()) if "t2" in cells else None
        rank = i + 1 if average else None
        rows.append(LeaderboardRow(card, cells, average, rank, rank, rank, rank))
    return Leaderboard(("t1", "t2"), tuple(rows), {"t1": 0.25, "t2": 0.5}, "f" * 16)


def _cell(task: str, value: float) -> ScoreCell:
    low, high = max(0.0, value - 0.1), min(1.0, value + 0.1)
    return ScoreCell(task, "acc", value, low, high, 0.05, 100, None, None, "0" * 32)


def plainly_selected(board: Leaderboard, query: BoardQuery) -> list[LeaderboardRow]:
    """Every row that matches, tested one by one, then sorted: the rules as written."""

    def matches(row: LeaderboardRow) -> bool:
        card = row.card
        folded = query.text.casefold() if query.text else ""
        size = card.parameters
        low, high = SIZE_PRESETS[query.size_preset] if query.size_preset else (None, None)
        return (
            (folded in card.name.casefold() or folded in card.reference.casefold())
            and (not query.types or card.model_type in query.types)
            and (not query.licences or (card.licence or "").casefold() in query.licences)
            and (
                not query.quantisations
                or (card.quantisation or "").casefold() in query.quantisations
            )
            and (low is None or (size is not None and size >= low))
            and (high is None or (size is not None and size < high))
            and (query.params_min is None or (size is not None and size >= query.params_min))
            and (query.params_max is None or (size is not None and size <= query.params_max))
        )

    return sort_rows([row for row in board.rows if matches(row)], query.sort, query.order)


QUERIES = [
    BoardQuery(),
    BoardQuery(text="straSSe"),  # case-folded: ß matches ss
    BoardQuery(text="org-3/"),
    BoardQuery(text="ω", sort="name", order="asc"),
    BoardQuery(types=("merge", "unknown"), sort="t2"),
    BoardQuery(licences=("mit", "llama2"), sort="parameters", order="asc"),
    BoardQuery(quantisations=("q4_1",), sort="licence"),
    BoardQuery(size_preset="edge"),
    BoardQuery(size_preset="consumer", sort="rank", order="desc"),
    BoardQuery(params_min=10**9, params_max=8 * 10**9, sort="quantisation"),
    BoardQuery(params_max=999_999_999, types=("pretrained",), text="a"),
    BoardQuery(text="no such model"),
]


@pytest.mark.parametrize("query", QUERIES)
def test_masks_and_memoised_orders_select_what_the_rules_say(query: BoardQuery) -> None:
    board = synthetic_board(400)
    expected = plainly_selected(board, query)
    everything = select_rows(board, replace(query, per_page=None))
    assert everything.rows == tuple(expected) and everything.total == len(expected)
    pages = max(1, math.ceil(len(expected) / 30))
    for page in sorted({1, min(2, pages), pages}):
        paged = select_rows(board, replace(query, page=page, per_page=30))
        assert paged.rows == tuple(expected[(page - 1) * 30 : page * 30])
        assert paged.total == len(expected)
    with pytest.raises(NotFound):  # a page past the last is refused
        select_rows(board, replace(query, page=pages + 1, per_page=30))
    again = select_rows(board, replace(query, per_page=None))  # now from the memo
    assert again.rows == everything.rows


def test_a_memo_belongs_to_one_board_and_goes_with_it() -> None:
    first, second = synthetic_board(5), synthetic_board(5)
    counter = itertools.count()
    assert memoised(first, "n", lambda: next(counter)) == 0
    assert memoised(first, "n", lambda: next(counter)) == 0
    assert memoised(second, "n", lambda: next(counter)) == 1
    assert memoised(first, "other", lambda: next(counter)) == 2
    gone = id(first)
    del first
    gc.collect()
    assert gone not in _VALUES and id(second) in _VALUES


@pytest.mark.parametrize(
    "query",
    [BoardQuery(), BoardQuery(columns=("t2",)), BoardQuery(text="beta", page=2, per_page=7)],
)
def test_rows_written_once_per_board_are_the_rows_written_afresh(query: BoardQuery) -> None:
    board = synthetic_board(60)
    selection = select_rows(board, query)
    payload = json_ready(board_json(board, query, selection))
    for _ in range(2):  # the second time from the memo
        assert json.loads(board_json_text(board, query, selection)) == payload
    empty = select_rows(board, replace(query, text="no such model", page=1))
    assert json.loads(board_json_text(board, query, empty))["rows"] == []


def test_rows_rendered_once_per_board_are_the_rows_rendered_afresh() -> None:
    board = synthetic_board(40)
    macro = template_environment().get_template("_macros.html").module.model_row  # type: ignore[attr-defined]
    rows = select_rows(board, BoardQuery()).rows
    baselines = board.random_baseline
    fresh = [str(macro(row_view(row, board.columns, baselines=baselines))) for row in rows]
    for _ in range(2):
        assert [str(html) for html in rows_html(board, rows, board.columns, macro)] == fresh
    narrow = rows_html(board, rows, ("t1",), macro)
    assert [str(html) for html in narrow] == [
        str(macro(row_view(r, ("t1",), baselines=baselines))) for r in rows
    ]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/api/leaderboard?sort=name", 200),
        ("/static/atlas.css", 200),
        ("/api/leaderboard?page=0", 422),
        ("/api/models/no-such-model", 404),
    ],
)
def test_every_response_says_how_long_the_app_took(
    client: TestClient, path: str, status: int
) -> None:
    response = client.get(path)
    assert response.status_code == status
    timing = re.fullmatch(r"app;dur=(\d+\.\d{3})", response.headers["server-timing"])
    assert timing is not None and 0.0 < float(timing[1]) < 60_000
