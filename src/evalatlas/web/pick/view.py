"""What the pick pages show: the stored pick reports, newest first, and one report whole
(its candidates with score, interval, n, paired test against the best, size, speed and
memory, and the recommendation sentence), from the document ``evalatlas pick`` stored."""

from __future__ import annotations

import re
from typing import Any

from evalatlas.analysis.pick.report import COLUMNS, report_rows
from evalatlas.errors import StoreError
from evalatlas.store.pick_reports import PickReport
from evalatlas.web.errors import InvalidParameter, NotFound
from evalatlas.web.state import WebState

_REPORT_ID = re.compile(r"^[0-9a-f]{4,64}$")


def pick_list(state: WebState) -> list[PickReport]:
    return state.store.pick_reports().newest_first()


def pick_report(state: WebState, report_id: str) -> PickReport:
    """The report ``report_id`` names (a unique prefix of at least 4 hex digits)."""
    if not _REPORT_ID.match(report_id):
        raise InvalidParameter("report_id", "a report id is 4 to 64 hex digits")
    try:
        return state.store.pick_reports().get(report_id)
    except StoreError as error:
        raise NotFound(str(error)) from None


def summary_json(report: PickReport) -> dict[str, Any]:
    document = report.report
    recommendation = document.get("recommendation") or {}
    return {
        "report_id": report.report_id,
        "created_at": report.created_at.isoformat(),
        "task": report.task,
        "examples": document["examples"],
        "candidates": [c["name"] for c in document["candidates"]],
        "sentence": recommendation.get("sentence"),
        "url": f"/pick/{report.report_id}",
    }


def report_json(report: PickReport) -> dict[str, Any]:
    return {
        "report_id": report.report_id,
        "created_at": report.created_at.isoformat(),
        **report.report,
    }


def report_context(report: PickReport) -> dict[str, Any]:
    document = report.report
    recommendation = document.get("recommendation")
    return {
        "title": f"Pick report {report.report_id[:12]}",
        "report": report,
        "document": document,
        "columns": COLUMNS,
        "rows": report_rows(document),
        "sentence": recommendation["sentence"] if recommendation else None,
    }
