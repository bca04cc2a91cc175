"""``/pick``: the stored pick reports and each report; JSON twins under ``/api/pick``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from evalatlas.web.jsonable import AtlasJSONResponse, json_response
from evalatlas.web.pages import query_reader, render, web_state
from evalatlas.web.pick.view import (
    pick_list,
    pick_report,
    report_context,
    report_json,
    summary_json,
)

router = APIRouter()


@router.get("/pick", response_class=HTMLResponse, include_in_schema=False)
def pick_html(request: Request) -> HTMLResponse:
    query_reader(request, ())
    reports = [summary_json(r) for r in pick_list(web_state(request))]
    return render(request, "pick.html", {"title": "Pick", "reports": reports})


@router.get("/api/pick")
def pick_api(request: Request) -> AtlasJSONResponse:
    """Every stored pick report, newest first: its examples (file, sha256, kind, n), the
    candidates and the recommendation sentence."""
    query_reader(request, ())
    return json_response({"reports": [summary_json(r) for r in pick_list(web_state(request))]})


@router.get("/pick/{report_id}", response_class=HTMLResponse, include_in_schema=False)
def pick_report_html(request: Request, report_id: str) -> HTMLResponse:
    query_reader(request, ())
    report = pick_report(web_state(request), report_id)
    return render(request, "pick_report.html", report_context(report))


@router.get("/api/pick/{report_id}")
def pick_report_api(request: Request, report_id: str) -> AtlasJSONResponse:
    """One pick report whole: the examples' sha256, the protocol, every candidate (in or
    out and why; score with 95% interval and n; paired test against the best; parameters;
    speed; memory) and the recommendation."""
    query_reader(request, ())
    return json_response(report_json(pick_report(web_state(request), report_id)))
