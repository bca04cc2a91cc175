"""The evaluation of one submission, in the child process the worker starts for it.

Run as ``python -m evalatlas.queue.child`` with a ``ChildJob`` as JSON on stdin (see
``evalatlas.queue.sandbox``). It caps its memory, checks the submission again (its files
may have changed since it was queued), loads the model (an endpoint through the
allow-list transport), evaluates and stores the results, and reports on its channel.
"""

from __future__ import annotations

import os
import resource
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from evalatlas.errors import ConfigError
from evalatlas.jsonio import dumps
from evalatlas.models import Model, load_model
from evalatlas.models.refs import parse_model_ref
from evalatlas.queue.allowlist import AllowList
from evalatlas.queue.endpoint import AllowListTransport
from evalatlas.queue.log import SubmissionLog
from evalatlas.queue.public import OPERATOR_HINT, public_reason
from evalatlas.queue.sandbox import ChildJob
from evalatlas.queue.validation import QueueLimits, check_submission
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.suite import evaluate_suite
from evalatlas.store import EvalResult, Store, Submission, SubmissionRequest
from evalatlas.tasks.registry import resolve_tasks
from evalatlas.tasks.suites import suite_in


@dataclass
class Stage:
    """What the child is doing now: a failure says "while <stage>"."""

    now: str = "checking the submission"


class Channel:
    """JSON lines to the worker."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def send(self, kind: str, **fields: object) -> None:
        self._stream.write(dumps({"kind": kind, **fields}) + "\n")
        self._stream.flush()

    def operator(self, text: str) -> None:
        self.send("operator", text=text)  # the worker stamps it


class _EndpointNotes(SubmissionLog):
    """For an endpoint, the runner's free-text notes may quote the endpoint's replies
    (a refused probe, a skipped benchmark's reason): the public log only says one was kept."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(lambda line: channel.send("line", text=line))
        self._channel = channel

    def note(self, message: str) -> None:
        self._channel.operator(message)
        self.line(f"a note on the endpoint's answers was kept for the operator; {OPERATOR_HINT}")


def cap_memory(memory_bytes: int) -> None:
    """Limit this process's address space; no core file from a crash."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory_bytes = min(memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, hard))


def main() -> int:
    job = ChildJob.model_validate_json(sys.stdin.read())
    channel = Channel(os.fdopen(job.channel_fd, "w", encoding="utf-8"))
    allow = AllowList.build(job.model_roots, job.hub_patterns, job.endpoints)
    limits = QueueLimits(max_model_bytes=job.max_model_bytes, allow=allow)
    scheme, stage = "", Stage("opening the workspace")
    try:
        with Store.open(Path(job.workspace)) as store:
            submission = store.submissions().get(job.submission_id)
            if submission is None:
                channel.send("failed", text=f"submission {job.submission_id} is gone")
                return 1
            scheme = submission.model_reference.partition(":")[0].partition("?")[0]
            # Capped once the workspace is open: the limit is for the model's work.
            cap_memory(job.memory_bytes)
            stage.now = "checking the submission"
            log = _log(channel, scheme)
            run_ids, fingerprint = evaluate_submission(store, submission, job, limits, log, stage)
    except Exception as error:  # MemoryError included: reported, then the child exits
        channel.operator(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
        channel.send("failed", text=public_reason(error, scheme, stage.now))
        return 1
    channel.send("finished", run_ids=run_ids, fingerprint=fingerprint)
    return 0


def _log(channel: Channel, scheme: str) -> SubmissionLog:
    if scheme == "openai":
        return _EndpointNotes(channel)
    return SubmissionLog(lambda line: channel.send("line", text=line))


def evaluate_submission(
    store: Store,
    submission: Submission,
    job: ChildJob,
    limits: QueueLimits,
    log: SubmissionLog,
    stage: Stage,
) -> tuple[list[str], str]:
    """Check again, evaluate, store; the run ids and the model's fingerprint. ``stage``
    follows what is being done, for the words of a failure."""
    request = SubmissionRequest(
        model_reference=submission.model_reference,
        tasks=submission.tasks,
        options=submission.options,
        requested_by=submission.requested_by,
    )
    for note in check_submission(request, limits):
        log.line(f"checked: {note}")
    settings = submission.options
    config = EvalConfig(
        limit=settings.limit,
        num_fewshot=settings.num_fewshot,
        apply_chat_template=settings.apply_chat_template,
        data_dir=Path(job.data_dir) if job.data_dir else None,
    )
    stage.now = "loading the model"
    model = _load(submission.model_reference, limits.allow)
    try:
        log.line(f"loaded {model.info.name} ({model.info.backend})")
        stage.now = "evaluating"
        results = _run(store, model, submission.tasks, config, log)
    finally:
        model.close()
    for result in results:
        log.line(_result_line(result))
    return [result.run_id for result in results], model.info.fingerprint


def _load(reference: str, allow: AllowList) -> Model:
    ref = parse_model_ref(reference)
    if ref.scheme != "openai":
        return load_model(ref)
    from evalatlas.models.backends import openai_compat

    transport = AllowListTransport(allow, ref.raw)
    return Model(openai_compat.from_reference(ref, transport=transport))


def _run(
    store: Store, model: Model, tasks: str, config: EvalConfig, log: SubmissionLog
) -> list[EvalResult]:
    """Evaluate ``tasks`` (task and group names, or one suite); every result stored."""
    suite = suite_in(tasks)
    if suite is None:
        outcomes = evaluate(model, resolve_tasks(tasks), config, store, log)
        return [outcome.result for outcome in outcomes]
    ran = evaluate_suite(model, suite, config, store, log)
    if ran.result is None:
        reasons = "; ".join(f"{s.benchmark}: {s.reason}" for s in ran.skipped)
        raise ConfigError(f"no benchmark of suite {suite.name} could run ({reasons})")
    for deviation in ran.deviations:
        log.line(deviation)
    return [outcome.result for outcome in ran.outcomes] + [ran.result]


def _result_line(result: EvalResult) -> str:
    shown = ", ".join(
        f"{m.name} {m.value:.4f} [{m.ci_low:.3f}, {m.ci_high:.3f}] n={m.n}"
        for m in result.metrics[:3]
    )
    return f"{result.spec.task} (run {result.run_id[:12]}): {shown}"


if __name__ == "__main__":
    sys.exit(main())
