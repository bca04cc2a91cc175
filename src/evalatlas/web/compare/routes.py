"""``/compare?a=KEY&b=KEY``: two models on the items both answered, per task;
``/api/compare``: its JSON twin."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.analysis.compare import Comparison, compare_models, summary
from evalatlas.analysis.leaderboard import Leaderboard, LeaderboardRow
from evalatlas.web.board_export import model_url
from evalatlas.web.board_protocols import (
    PROTOCOL,
    PROTOCOL_PARAMETER,
    protocols_json,
    read_protocols,
)
from evalatlas.web.compare.view import (
    API_PATH,
    NOTE,
    compare_url,
    comparison_json,
    picker_options,
    task_lines,
)
from evalatlas.web.errors import InvalidParameter, NotFound
from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.models.view import find_row
from evalatlas.web.pages import documented, query_reader, render, web_state

router = APIRouter()

PARAMETERS = {
    "a": "Key of model A (the 'key' of a leaderboard row, as in /api/leaderboard).",
    "b": "Key of model B, another model than A.",
    PROTOCOL: PROTOCOL_PARAMETER,
}


@dataclass(frozen=True)
class Chosen:
    board: Leaderboard
    a: LeaderboardRow | None
    b: LeaderboardRow | None
    comparison: Comparison | None


def _choose(request: Request, *, required: bool) -> Chosen:
    """The models named by ``a`` and ``b``, and their comparison when both are given."""
    reader = query_reader(request, PARAMETERS)
    state = web_state(request)
    board = state.boards.get(protocols=read_protocols(reader))
    keys = {name: reader.text(name) for name in ("a", "b")}
    rows: dict[str, LeaderboardRow | None] = {}
    for name, key in keys.items():
        if key is None and required:
            raise InvalidParameter(name, "give a model key (the 'key' of a leaderboard row)")
        rows[name] = None if key is None else _row(board, name, key)
    if keys["a"] is not None and keys["a"] == keys["b"]:
        raise InvalidParameter("b", "pick another model than a")
    a, b = rows["a"], rows["b"]
    comparison = None
    if a is not None and b is not None:
        comparison = compare_models(state.store, board, a.card.key, b.card.key)
    return Chosen(board, a, b, comparison)


def _row(board: Leaderboard, name: str, key: str) -> LeaderboardRow:
    try:
        return find_row(board, key)
    except NotFound as exc:
        raise NotFound(f"{name}: {exc}") from exc


@router.get("/compare", response_class=HTMLResponse, include_in_schema=False)
def compare_page(request: Request) -> HTMLResponse:
    chosen = _choose(request, required=False)
    a, b, comparison = chosen.a, chosen.b, chosen.comparison
    key_a, key_b = (a.card.key if a else None), (b.card.key if b else None)
    title = f"{a.card.name} vs {b.card.name}" if a and b else "Compare two models"
    context = {
        "title": title,
        "a": a,
        "b": b,
        "a_url": model_url(a.card) if a else None,
        "b_url": model_url(b.card) if b else None,
        "options": picker_options(chosen.board, [row for row in (a, b) if row is not None]),
        "comparison": comparison,
        "lines": task_lines(comparison) if comparison else [],
        "summary": summary(comparison) if comparison else "",
        "note": NOTE,
        "swap_url": compare_url(key_b, key_a) if a and b else None,
        "api_url": compare_url(key_a, key_b, API_PATH) if a and b else None,
    }
    return render(request, "compare.html", context)


@router.get(
    API_PATH,
    openapi_extra=documented(PARAMETERS),
    responses={404: {"description": "a or b names no model on the leaderboard"}},
)
def compare_api(request: Request) -> AtlasJSONResponse:
    """Models a and b compared on the items both answered, per task: paired difference
    with its 95% CI, McNemar's test for 0/1 scores or a paired bootstrap otherwise, and
    a verdict at alpha 0.05 after Holm's correction across tasks."""
    chosen = _choose(request, required=True)
    if chosen.comparison is None:  # required=True: both were given
        raise InvalidParameter("a", "give both a and b")
    payload = comparison_json(chosen.comparison, chosen.board)
    payload["protocols"] = protocols_json(chosen.board, chosen.board.columns)
    return json_response(payload)
