"""``/models/{key}/runs/{run_id}/samples``: the per-sample browser, and its JSON twin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.analysis.leaderboard import LeaderboardRow
from evalatlas.store import EvalResult
from evalatlas.web.board_export import card_json, model_url
from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.models.samples_view import (
    DEFAULT_PER_PAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    SamplePage,
    SampleQuery,
    find_run,
    headline_metric,
    parse_sample_query,
    run_metrics,
    sample_json,
    sample_page,
)
from evalatlas.web.models.view import find_row, model_runs, samples_url
from evalatlas.web.pages import documented, query_reader, render, web_state

router = APIRouter()

PARAMETERS = {
    "wrong": "1: only samples scored below 1 on the metric (or not scored); 0: all (default).",
    "metric": "Metric that 'wrong' and the score column use (default: the headline metric).",
    "page": "Page number, from 1.",
    "per_page": "Samples per page, 1-200 (default 20).",
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "wrong": {"type": "string", "enum": ["0", "1"]},
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
}


@dataclass(frozen=True)
class Browsed:
    row: LeaderboardRow
    run: EvalResult
    headline: str | None
    query: SampleQuery
    page: SamplePage


def _browse(request: Request, key: str, run_id: str) -> Browsed:
    state = web_state(request)
    reader = query_reader(request, PARAMETERS)
    row = find_row(state.boards.get(), key)
    run = find_run(model_runs(state.store, row), run_id, row.card.name)
    cited = {cell.run_id: cell.metric for cell in row.cells.values()}
    headline = headline_metric(run, cited)
    query = parse_sample_query(reader, run, headline)
    return Browsed(row, run, headline, query, sample_page(state.samples.get(run.run_id), query))


def _url(browsed: Browsed, *, wrong_only: bool, page: int) -> str:
    """This page's URL with another filter or page; other choices are kept."""
    query = browsed.query
    pairs = [("wrong", "1")] if wrong_only else []
    if query.metric is not None and query.metric != browsed.headline:
        pairs.append(("metric", query.metric))
    if page != 1:
        pairs.append(("page", str(page)))
    if query.per_page != DEFAULT_PER_PAGE:
        pairs.append(("per_page", str(query.per_page)))
    base = samples_url(browsed.row.card.key, browsed.run.run_id)
    return f"{base}?{urlencode(pairs)}" if pairs else base


@router.get(
    "/models/{key}/runs/{run_id}/samples", response_class=HTMLResponse, include_in_schema=False
)
def samples_page(request: Request, key: str, run_id: str) -> HTMLResponse:
    browsed = _browse(request, key, run_id)
    page, query = browsed.page, browsed.query
    context = {
        "title": f"{browsed.row.card.name} · {browsed.run.spec.task}",
        "card": browsed.row.card,
        "model_url": model_url(browsed.row.card),
        "run": browsed.run,
        "query": query,
        "page": page,
        "metrics": run_metrics(browsed.run),
        "headline": browsed.headline,
        "per_page_choices": (10, 20, 50, 100, 200),
        "previous_page": _url(browsed, wrong_only=query.wrong_only, page=query.page - 1)
        if query.page > 1
        else None,
        "next_page": _url(browsed, wrong_only=query.wrong_only, page=query.page + 1)
        if query.page < page.pages
        else None,
        "all_url": _url(browsed, wrong_only=False, page=1),
        "wrong_url": _url(browsed, wrong_only=True, page=1),
    }
    return render(request, "samples.html", context)


@router.get(
    "/api/models/{key}/runs/{run_id}/samples", openapi_extra=documented(PARAMETERS, SCHEMAS)
)
def samples_api(request: Request, key: str, run_id: str) -> AtlasJSONResponse:
    """One page of a run's per-sample records: prompt, choices, answer, gold and score."""
    browsed = _browse(request, key, run_id)
    page, query = browsed.page, browsed.query
    payload = {
        "model": card_json(browsed.row.card),
        "run_id": browsed.run.run_id,
        "task": browsed.run.spec.task,
        "metric": query.metric,
        "wrong_only": query.wrong_only,
        "page": query.page,
        "per_page": query.per_page,
        "pages": page.pages,
        "total": page.total,
        "stored": page.stored,
        "samples": [sample_json(sample) for sample in page.samples],
    }
    return json_response(payload)
