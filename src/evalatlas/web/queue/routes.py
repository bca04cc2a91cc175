"""``/submit``: the form that queues an evaluation; ``/queue``: every submission with its
status and log. JSON twins: ``POST /api/submissions``, ``GET /api/submissions[/{id}]``.

The app only checks and queues submissions (with the check it was handed); ``evalatlas
worker`` runs them, in another process.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from evalatlas.errors import SubmissionRefused
from evalatlas.store import SubmissionStatus
from evalatlas.web.bodies import body_schema, read_form, read_json
from evalatlas.web.errors import InvalidParameter, NotFound
from evalatlas.web.jsonable import AtlasJSONResponse
from evalatlas.web.pages import RowId, documented, query_reader, render, web_state
from evalatlas.web.queue.view import (
    FORM_FIELDS,
    SubmissionBody,
    queue_submission,
    request_from_body,
    request_from_form,
    submission_json,
    submission_view,
)

router = APIRouter()
STATUSES = tuple(status.value for status in SubmissionStatus)
QUEUE_PARAMETERS = {"status": "Only submissions with this status: " + ", ".join(STATUSES) + "."}


@router.get("/submit", response_class=HTMLResponse, include_in_schema=False)
def submit_page(request: Request) -> HTMLResponse:
    query_reader(request, ())
    return _form(request, {}, {})


@router.post("/submit", response_class=HTMLResponse, include_in_schema=False)
async def submit_form(request: Request) -> Response:
    """Queue the form's submission and go to the queue; a refusal re-renders the form with
    the message next to the field to change (status 422)."""
    query_reader(request, ())
    fields = await read_form(request, FORM_FIELDS)
    try:
        submission_request = request_from_form(fields)
        state = web_state(request)
        queued = await run_in_threadpool(queue_submission, state, submission_request)
    except InvalidParameter as error:
        return _form(request, fields, {error.parameter: error.message}, status=422)
    except SubmissionRefused as error:
        return _form(request, fields, {error.field: error.message}, status=422)
    return RedirectResponse(f"/queue#submission-{queued.id}", status_code=303)


def _form(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    enabled = web_state(request).submission_check is not None
    context: dict[str, Any] = {
        "title": "Submit a model",
        "values": values,
        "errors": errors,
        "enabled": enabled,
    }
    page = render(request, "submit.html", context)
    page.status_code = status
    return page


@router.post("/api/submissions", status_code=201, openapi_extra=body_schema(SubmissionBody))
async def submit_api(request: Request) -> AtlasJSONResponse:
    """Check and queue an evaluation: 201 with the PENDING submission and the checks'
    notes (what the worker still has to verify), or 422 saying what to change."""
    body = await read_json(request, SubmissionBody)
    submission_request = request_from_body(body)
    state = web_state(request)
    queued = await run_in_threadpool(queue_submission, state, submission_request)
    return AtlasJSONResponse(submission_json(queued), status_code=201)


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
def queue_page(request: Request) -> HTMLResponse:
    status = _status(request)
    queue = web_state(request).store.submissions()
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "title": "Queue",
        "submissions": [submission_view(s, now) for s in queue.recent(status)],
        "counts": queue.counts(),
        "status": status,
        "statuses": STATUSES,
    }
    return render(request, "queue.html", context)


@router.get("/api/submissions", openapi_extra=documented(QUEUE_PARAMETERS))
def queue_api(request: Request) -> AtlasJSONResponse:
    """Submissions, newest first (the latest 200), with status, notes, error and log, and
    how many there are of each status."""
    status = _status(request)
    queue = web_state(request).store.submissions()
    now = datetime.now(UTC)
    return AtlasJSONResponse(
        {
            "counts": {str(k): v for k, v in queue.counts().items()},
            "submissions": [submission_json(s, now) for s in queue.recent(status)],
        }
    )


@router.get("/api/submissions/{submission_id}")
def submission_api(request: Request, submission_id: RowId) -> AtlasJSONResponse:
    """One submission with its status, notes, one-line error and log."""
    query_reader(request, ())
    found = web_state(request).store.submissions().get(submission_id)
    if found is None:
        raise NotFound(f"no submission {submission_id}; see /api/submissions")
    return AtlasJSONResponse(submission_json(found))


def _status(request: Request) -> SubmissionStatus | None:
    chosen = query_reader(request, QUEUE_PARAMETERS).choice("status", STATUSES, None)
    return SubmissionStatus(chosen) if chosen else None
