"""``/ranks``: every ranking source side by side with rank correlations and clear
disagreements; its JSON twin at ``/api/ranks``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.pages import query_reader, render, web_state
from evalatlas.web.ranks.view import ranks_context, ranks_json, ranks_page

router = APIRouter()


@router.get("/ranks", response_class=HTMLResponse, include_in_schema=False)
def ranks_html(request: Request) -> HTMLResponse:
    query_reader(request, ())
    return render(request, "ranks.html", ranks_context(ranks_page(web_state(request))))


@router.get("/api/ranks")
def ranks_api(request: Request) -> AtlasJSONResponse:
    """Every ranking source side by side: the leaderboard's average, each benchmark, the
    arena (people's votes), each judge and each published table, for every model each
    ranks, with score, 95% interval, n, rank and 95% rank interval; the rank correlation
    of every pair of sources on their shared models (Kendall's tau-b and Spearman's rho,
    each with a 95% percentile bootstrap interval over models, n, and the reason when it
    cannot be estimated); and the pairs of models two sources order oppositely with
    non-overlapping 95% intervals in both."""
    query_reader(request, ())
    return json_response(ranks_json(ranks_page(web_state(request))))
