"""``/judges``: every stored judge's bias audit, and people's and judges' ratings side by
side with their rank agreement; ``/judges/pairs``: one judge's verdicts pair by pair. JSON
twins under ``/api``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.web.arena_column import names_by_reference
from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.judges.pairs_view import (
    PAGE_SIZE,
    PAIR_PARAMETERS,
    PairsQuery,
    pairs_page,
    people_votes,
    read_pairs_query,
)
from evalatlas.web.judges.view import (
    judges_context,
    judges_json,
    judges_page,
    stored_audits,
)
from evalatlas.web.openapi_doc import PAST_LAST_PAGE
from evalatlas.web.pages import documented, query_reader, render, web_state

router = APIRouter()


@router.get("/judges", response_class=HTMLResponse, include_in_schema=False)
def judges_html(request: Request) -> HTMLResponse:
    query_reader(request, ())
    state = web_state(request)
    snapshot = state.arena_views.snapshot()
    names = names_by_reference(state.boards.get())
    context = judges_context(snapshot, judges_page(snapshot, state.arena), names)
    return render(request, "judges.html", context)


@router.get("/api/judges")
def judges_api(request: Request) -> AtlasJSONResponse:
    """Each judge stored in the workspace (judge model and verdict mode) with its bias
    audit from the stored votes: position consistency, first-position win rate, P(longer
    answer wins), self-preference against people's votes (the judge's family guessed from
    its name, shown) and agreement with people on the same prompts; every number with its
    95% interval, n and method. Then the ratings of people and of each judge side by side,
    with each judge's rank agreement with people (Spearman's rho, bootstrap interval)."""
    query_reader(request, ())
    state = web_state(request)
    snapshot = state.arena_views.snapshot()
    names = names_by_reference(state.boards.get())
    return json_response(judges_json(snapshot, judges_page(snapshot, state.arena), names))


def _pairs(request: Request) -> tuple[PairsQuery, dict[str, Any]]:
    reader = query_reader(request, PAIR_PARAMETERS)
    state = web_state(request)
    snapshot = state.arena_views.snapshot()
    audits = stored_audits(snapshot, state.arena.records)
    names = [report.judge.label for report in audits]
    query = read_pairs_query(reader, names)
    if not audits:
        return query, {"judge": None, "total": 0, "page": 1, "pages": 1, "rows": []}
    report = audits[names.index(query.judge)]
    people = people_votes(snapshot, state.arena.records)
    shown = names_by_reference(state.boards.get())
    page = pairs_page(report, query, state.arena.records, people, shown)
    return query, {"judge": query.judge} | page


@router.get("/judges/pairs", response_class=HTMLResponse, include_in_schema=False)
def judge_pairs_html(request: Request) -> HTMLResponse:
    query, payload = _pairs(request)
    context = {"title": "Judge verdicts", "query": query, "page_size": PAGE_SIZE} | payload
    return render(request, "judge_pairs.html", context)


@router.get(
    "/api/judges/pairs", openapi_extra=documented(PAIR_PARAMETERS), responses=PAST_LAST_PAGE
)
def judge_pairs_api(request: Request) -> AtlasJSONResponse:
    """One stored judge's verdicts pair by pair (50 a page): the prompt, the verdict with
    model A shown first and with model B shown first (both restated with A = model A),
    the reconciled outcome, the answers' lengths and people's vote on the same prompt and
    pair of models when there is one."""
    return json_response(_pairs(request)[1])
