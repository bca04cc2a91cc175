"""Submissions as the queue page and its JSON twin show them, and requests built from what a
form or a JSON body sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evalatlas.analysis.model_cards import model_key
from evalatlas.errors import AtlasError, SubmissionRefused
from evalatlas.store import (
    Submission,
    SubmissionOptions,
    SubmissionRequest,
    SubmissionStatus,
)
from evalatlas.web.bodies import invalid
from evalatlas.web.errors import Unavailable
from evalatlas.web.public_paths import public_text
from evalatlas.web.state import WebState

FORM_FIELDS = (
    "model_reference",
    "tasks",
    "limit",
    "num_fewshot",
    "apply_chat_template",
    "requested_by",
)
_CHECKED = ("1", "on", "true", "yes")


class SubmissionBody(BaseModel):
    """``POST /api/submissions``: what to evaluate, on what, how, and who asks."""

    model_config = ConfigDict(extra="forbid")

    model_reference: str = Field(
        description="llamacpp:PATH.gguf, hf:ID@REVISION or a local folder, "
        "openai:URL#MODEL, bundled:NAME or random"
    )
    tasks: str = Field(description="Comma-separated task or group names, or one suite.")
    limit: int | None = None
    num_fewshot: int | None = None
    apply_chat_template: bool = False
    requested_by: str = "anonymous"


def request_from_body(body: SubmissionBody) -> SubmissionRequest:
    options = {"limit": body.limit, "num_fewshot": body.num_fewshot}
    return _request(
        body.model_reference,
        body.tasks,
        options | {"apply_chat_template": body.apply_chat_template},
        body.requested_by,
    )


def request_from_form(fields: dict[str, str]) -> SubmissionRequest:
    """The form's fields as a request; an empty number field means the default."""
    options: dict[str, Any] = {
        name: fields[name].strip() for name in ("limit", "num_fewshot") if fields.get(name)
    }
    options["apply_chat_template"] = fields.get("apply_chat_template", "") in _CHECKED
    return _request(
        fields.get("model_reference", ""),
        fields.get("tasks", ""),
        options,
        fields.get("requested_by", "") or "anonymous",
    )


def _request(
    reference: str, tasks: str, options: dict[str, Any], requested_by: str
) -> SubmissionRequest:
    try:
        return SubmissionRequest(
            model_reference=reference.strip(),
            tasks=tasks.strip(),
            options=SubmissionOptions.model_validate(options),
            requested_by=requested_by.strip() or "anonymous",
        )
    except ValidationError as error:
        raise invalid(error) from None


def queue_submission(state: WebState, request: SubmissionRequest) -> Submission:
    """Check ``request`` with the app's submission check, then queue it as PENDING."""
    if state.submission_check is None:
        raise Unavailable(
            "submissions are disabled: this app was created without a submission check "
            "('evalatlas serve' provides one)"
        )
    try:
        notes = state.submission_check(request)
    except SubmissionRefused:
        raise
    except AtlasError as error:
        raise SubmissionRefused("model_reference", str(error)) from None
    return state.store.submissions().submit(request, notes)


@dataclass(frozen=True)
class SubmissionView:
    submission: Submission
    status: str  # the status, or "RUNNING (stale)" when its worker is gone
    stale: bool
    model_url: str | None  # the model's page once results are stored
    options: str
    error: str | None  # the one-line error and the log, without server paths
    log: str

    @property
    def anchor(self) -> str:
        return f"submission-{self.submission.id}"


def submission_view(submission: Submission, now: datetime) -> SubmissionView:
    stale = submission.is_stale(now)
    return SubmissionView(
        submission=submission,
        status=f"{submission.status} (stale)" if stale else str(submission.status),
        stale=stale,
        model_url=model_url(submission),
        options=options_text(submission.options),
        error=public_text(submission.error) if submission.error else None,
        log=public_text(submission.log),
    )


def model_url(submission: Submission) -> str | None:
    if submission.status != SubmissionStatus.FINISHED or not submission.model_fingerprint:
        return None
    key = model_key(submission.model_reference, submission.model_fingerprint)
    return f"/models/{quote(key, safe='')}"


def options_text(options: SubmissionOptions) -> str:
    parts = [f"limit {options.limit}" if options.limit else "all samples"]
    if options.num_fewshot is not None:
        parts.append(f"{options.num_fewshot}-shot")
    if options.apply_chat_template:
        parts.append("chat template")
    return ", ".join(parts)


# Which worker process ran a submission (host name, pid) is the operator's business only.
# Workers store public errors and logs; paths are cut again here for rows stored before.
PRIVATE_FIELDS = frozenset({"worker", "worker_host", "worker_pid"})


def submission_json(submission: Submission, now: datetime | None = None) -> dict[str, Any]:
    view = submission_view(submission, now or datetime.now(UTC))
    payload: dict[str, Any] = submission.model_dump(mode="json", exclude=set(PRIVATE_FIELDS))
    payload.update(
        stale=view.stale,
        model_url=view.model_url,
        url=f"/queue#{view.anchor}",
        error=view.error,
        log=view.log,
    )
    return payload
