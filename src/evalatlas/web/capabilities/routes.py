"""``/capabilities``: models x task categories as a heatmap; ``/discover``: the best models
for a category within a size and licence, ranked with CIs and a note on ties. Each has a
JSON twin under ``/api``."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.analysis.capability import CapabilityMap, Discovery, capability_map, discover
from evalatlas.analysis.leaderboard import Leaderboard
from evalatlas.web.board_protocols import protocols_json, read_protocols
from evalatlas.web.board_query import wants_flagged
from evalatlas.web.capabilities.view import (
    CAPABILITY_PARAMETERS,
    DISCOVER_PARAMETERS,
    HeatmapPage,
    HeatmapQuery,
    capabilities_json,
    discovery_context,
    discovery_form_context,
    discovery_json,
    heatmap_context,
    heatmap_page,
    parse_discovery,
    parse_heatmap_query,
)
from evalatlas.web.errors import InvalidParameter
from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.model_filters import filtered_rows, read_filters
from evalatlas.web.openapi_doc import PAST_LAST_PAGE
from evalatlas.web.pages import documented, query_reader, render, web_state

router = APIRouter()
_maps: dict[int, CapabilityMap] = {}
_maps_lock = threading.Lock()


def board_capabilities(board: Leaderboard) -> CapabilityMap:
    """The board's capability map, computed once per board: the app keeps one board until
    the stored results change, and a map of 10,000 models takes most of a second."""
    with _maps_lock:
        found = _maps.get(id(board))
        if found is None:
            found = _maps[id(board)] = capability_map(board)
            # Forget the map with its board, so an id reused later cannot find it.
            weakref.finalize(board, _maps.pop, id(board), None)
        return found


def _heatmap(request: Request) -> tuple[Leaderboard, CapabilityMap, HeatmapQuery, HeatmapPage]:
    board, filters, own = read_filters(request, ("sort", "page", "per_page"))
    query = parse_heatmap_query(filters, own)
    capabilities = board_capabilities(board)
    return (
        board,
        capabilities,
        query,
        heatmap_page(capabilities, filtered_rows(board, filters), query),
    )


@router.get("/capabilities", response_class=HTMLResponse, include_in_schema=False)
def capabilities_page(request: Request) -> HTMLResponse:
    board, capabilities, query, shown = _heatmap(request)
    context = heatmap_context(capabilities, query, shown, board.hidden_flagged)
    return render(request, "capabilities.html", context)


@router.get(
    "/api/capabilities",
    openapi_extra=documented(CAPABILITY_PARAMETERS),
    responses=PAST_LAST_PAGE,
)
def capabilities_api(request: Request) -> AtlasJSONResponse:
    """Each model's score per task category (0-100) with its 95% CI, n and tasks covered."""
    board, capabilities, query, shown = _heatmap(request)
    payload = capabilities_json(capabilities, query, shown)
    payload["protocols"] = protocols_json(board, board.columns)
    return json_response(payload)


@dataclass(frozen=True)
class _Found:
    board: Leaderboard
    capabilities: CapabilityMap
    discovery: Discovery
    show_flagged: bool


def _discovery(request: Request) -> _Found:
    reader = query_reader(request, DISCOVER_PARAMETERS)
    show_flagged = wants_flagged(reader)
    board = web_state(request).boards.get(
        hide_flagged=not show_flagged, protocols=read_protocols(reader)
    )
    capabilities = board_capabilities(board)
    discovery = discover(capabilities, parse_discovery(reader, capabilities))
    return _Found(board, capabilities, discovery, show_flagged)


@router.get("/discover", response_class=HTMLResponse, include_in_schema=False)
def discover_page(request: Request) -> HTMLResponse:
    try:
        found = _discovery(request)
    except InvalidParameter as error:
        return _form_with_error(request, error)
    board = found.board
    context = discovery_context(
        found.capabilities,
        found.discovery,
        _licences(board),
        found.show_flagged,
        board.hidden_flagged,
    )
    return render(request, "discover.html", context)


def _licences(board: Leaderboard) -> list[str]:
    return sorted({r.card.licence for r in board.rows if r.card.licence}, key=str.casefold)


def _form_with_error(request: Request, error: InvalidParameter) -> HTMLResponse:
    """The discovery form as the user filled it, with the message beside the field it
    is about, and no ranking (status 422): a bad value is for the user to correct, not a
    dead end on an error page."""
    values = request.query_params.multi_items()
    show_flagged = ("show_flagged", "1") in values
    board = web_state(request).boards.get(hide_flagged=not show_flagged)
    capabilities = board_capabilities(board)
    context = discovery_form_context(capabilities, values, _licences(board), error)
    response = render(request, "discover.html", context)
    response.status_code = 422
    return response


@router.get("/api/discover", openapi_extra=documented(DISCOVER_PARAMETERS))
def discover_api(request: Request) -> AtlasJSONResponse:
    """The best models for a category: ranked by category score with 95% CIs, models
    covering only some of its tasks apart, and a note when the leaders are tied."""
    found = _discovery(request)
    payload = discovery_json(found.discovery)
    payload["protocols"] = protocols_json(found.board, found.board.columns)
    return json_response(payload)
