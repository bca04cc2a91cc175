"""``/``: the leaderboard page; ``/api/leaderboard``: its JSON twin; CSV and JSON downloads."""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from evalatlas.analysis.leaderboard import Leaderboard
from evalatlas.web.arena_column import ArenaColumn
from evalatlas.web.board_export import board_csv, board_json_text
from evalatlas.web.board_protocols import read_protocols
from evalatlas.web.board_query import (
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MODEL_TYPES,
    PARAMETERS,
    SIZE_PRESETS,
    BoardQuery,
    BoardSelection,
    parse_board_query,
    select_rows,
    wants_flagged,
)
from evalatlas.web.jsonable import AtlasJSONResponse, SerialisedJSONResponse
from evalatlas.web.leaderboard.page import RowRenderer, leaderboard_context
from evalatlas.web.openapi_doc import PAST_LAST_PAGE
from evalatlas.web.pages import documented, query_reader, render, web_state
from evalatlas.web.params import MAX_TEXT_LENGTH

router = APIRouter()

_REPEATABLE = {"type": "array", "items": {"type": "string", "maxLength": MAX_TEXT_LENGTH}}
SCHEMAS: dict[str, dict[str, Any]] = {
    "order": {"type": "string", "enum": ["asc", "desc"]},
    "type": {"type": "array", "items": {"type": "string", "enum": list(MODEL_TYPES)}},
    "params": {"type": "string", "enum": list(SIZE_PRESETS)},
    "licence": _REPEATABLE,
    "quantisation": _REPEATABLE,
    "columns": _REPEATABLE,
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
    "show_flagged": {"type": "string", "enum": ["0", "1"]},
    "protocol": _REPEATABLE,
}

Selected = tuple[Leaderboard, BoardQuery, BoardSelection, ArenaColumn]


def _select(request: Request, per_page: int | None) -> Selected:
    reader = query_reader(request, PARAMETERS)
    state = web_state(request)
    board = state.boards.get(
        hide_flagged=not wants_flagged(reader), protocols=read_protocols(reader)
    )
    query = parse_board_query(reader, board, per_page=per_page)
    return board, query, select_rows(board, query), state.arena_views.board_column()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def leaderboard_page(request: Request) -> HTMLResponse:
    board, query, selection, arena = _select(request, DEFAULT_PER_PAGE)
    context = leaderboard_context(board, query, selection, _row_macro(request), arena)
    return render(request, "leaderboard.html", context)


def _row_macro(request: Request) -> RowRenderer:
    """The ``model_row`` macro of _macros.html (autoescaped like every page)."""
    macros: Any = web_state(request).templates.get_template("_macros.html").module
    return cast(RowRenderer, macros.model_row)


@router.get(
    "/api/leaderboard", openapi_extra=documented(PARAMETERS, SCHEMAS), responses=PAST_LAST_PAGE
)
def leaderboard_api(request: Request) -> AtlasJSONResponse:
    """The leaderboard page as JSON: one page of rows with every score's interval and n,
    and each model's arena rating (null unless its reference or name fought in the arena)."""
    board, query, selection, arena = _select(request, DEFAULT_PER_PAGE)
    return SerialisedJSONResponse(board_json_text(board, query, selection, arena))


@router.get(
    "/api/leaderboard.json", openapi_extra=documented(PARAMETERS, SCHEMAS), responses=PAST_LAST_PAGE
)
def leaderboard_json_download(request: Request) -> AtlasJSONResponse:
    """Download every row matching the filters as JSON (paged only when asked)."""
    board, query, selection, arena = _select(request, None)
    text = board_json_text(board, query, selection, arena)
    return SerialisedJSONResponse(text, headers=_attachment("leaderboard.json"))


@router.get(
    "/api/leaderboard.csv",
    openapi_extra=documented(PARAMETERS, SCHEMAS),
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **PAST_LAST_PAGE},
)
def leaderboard_csv_download(request: Request) -> Response:
    """Download every row matching the filters as CSV: shown score, CI bounds and n."""
    board, query, selection, arena = _select(request, None)
    text = board_csv(board, query, selection, arena)
    return Response(text, media_type="text/csv", headers=_attachment("leaderboard.csv"))


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
