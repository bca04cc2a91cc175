"""``/plots``: score vs parameter count with outliers flagged, and the rank whisker chart,
drawn as inline SVG on the server; each chart's data under ``/api/plots/...``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.analysis.outliers import find_outliers
from evalatlas.web.board_protocols import protocols_json
from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.model_filters import filtered_rows, read_filters
from evalatlas.web.pages import documented, render
from evalatlas.web.plots.view import (
    RANK_PARAMETERS,
    SCATTER_PARAMETERS,
    plots_context,
    ranks_json,
    read_config,
    read_limit,
    score_vs_params_json,
)

router = APIRouter()


@router.get("/plots", response_class=HTMLResponse, include_in_schema=False)
def plots_page(request: Request) -> HTMLResponse:
    board, query, own = read_filters(request, ("z", "limit"))
    report, limit = find_outliers(board, read_config(own)), read_limit(own)
    context = plots_context(board, query, report, filtered_rows(board, query), limit)
    return render(request, "plots.html", context)


@router.get("/api/plots/score-vs-params", openapi_extra=documented(SCATTER_PARAMETERS))
def score_vs_params_api(request: Request) -> AtlasJSONResponse:
    """Each model's average against its parameter count, with its size class, z-score
    within the class (the others' mean and sd) and whether it is flagged as an outlier."""
    board, query, own = read_filters(request, ("z",))
    report = find_outliers(board, read_config(own))
    payload = score_vs_params_json(report, filtered_rows(board, query))
    payload["protocols"] = protocols_json(board, board.columns)
    return json_response(payload)


@router.get("/api/plots/ranks", openapi_extra=documented(RANK_PARAMETERS))
def ranks_api(request: Request) -> AtlasJSONResponse:
    """Ranked models, best first: rank, 95% bootstrap rank interval and tie group."""
    board, query, own = read_filters(request, ("limit",))
    payload = ranks_json(board, filtered_rows(board, query), read_limit(own))
    payload["protocols"] = protocols_json(board, board.columns)
    return json_response(payload)
