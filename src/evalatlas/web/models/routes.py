"""``/models/{key}``: a model's card, scores and eval cards; ``/api/models/{key}``: as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.analysis.leaderboard import LeaderboardRow
from evalatlas.store import EvalResult
from evalatlas.store.replays import ReplayVerdict
from evalatlas.web.cells import cell_view, format_parameters
from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.models.card_view import card_url, public_card, replay_json
from evalatlas.web.models.samples_view import find_run
from evalatlas.web.models.view import (
    eval_card_lines,
    find_row,
    latest_runs,
    model_json,
    model_runs,
    samples_url,
    score_lines,
)
from evalatlas.web.pages import query_reader, render, web_state
from evalatlas.web.public_paths import public_reference, public_source

router = APIRouter()


def _model(request: Request, key: str) -> tuple[LeaderboardRow, tuple[str, ...], list[EvalResult]]:
    """The model's row, the board's columns, and the runs its page lists."""
    query_reader(request, ())  # this page takes no query parameters
    state = web_state(request)
    board = state.boards.get()
    row = find_row(board, key)
    cited = {cell.run_id for cell in row.cells.values()}
    return row, board.columns, latest_runs(model_runs(state.store, row), cited)


def _replays(request: Request, runs: list[EvalResult]) -> dict[str, ReplayVerdict]:
    return web_state(request).store.replays().latest([run.run_id for run in runs])


@router.get("/models/{key}", response_class=HTMLResponse, include_in_schema=False)
def model_page(request: Request, key: str) -> HTMLResponse:
    row, columns, runs = _model(request, key)
    replays = _replays(request, runs)
    cited = {cell.run_id for cell in row.cells.values()}
    context: dict[str, Any] = {
        "title": row.card.name,
        "row": row,
        "card": row.card,
        "reference": public_reference(row.card.reference),
        "source": public_source(row.card.source),
        "parameters": format_parameters(row.card.parameters),
        "average": cell_view(row.average),
        "scores": score_lines(row, columns),
        "runs": [
            {
                "result": run,
                "card": eval_card_lines(run),
                "samples_url": samples_url(row.card.key, run.run_id),
                "card_url": card_url(row.card.key, run.run_id),
                "replay": replay_json(replays.get(run.run_id)),
                "cited": run.run_id in cited,
            }
            for run in runs
        ],
    }
    return render(request, "model.html", context)


@router.get("/api/models/{key}")
def model_api(request: Request, key: str) -> AtlasJSONResponse:
    """A model's card, leaderboard cells and its stored runs (the newest of each spec, and
    any the leaderboard cites) with their eval cards."""
    row, _, runs = _model(request, key)
    return json_response(model_json(row, runs, _replays(request, runs)))


@router.get("/api/models/{key}/runs/{run_id}/card")
def card_api(request: Request, key: str, run_id: str) -> AtlasJSONResponse:
    """The complete eval card of one run of this model, as 'evalatlas results card'
    prints it (the server's paths cut to their last part)."""
    query_reader(request, ())
    state = web_state(request)
    row = find_row(state.boards.get(), key)
    run = find_run(model_runs(state.store, row), run_id, row.card.name)
    return json_response(public_card(run))
