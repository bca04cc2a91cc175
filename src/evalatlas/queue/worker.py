"""The worker: claims the oldest PENDING submission, runs it with the runner in a child
process (``evalatlas.queue.sandbox``), records the verdict, and goes on (or stops after one
with ``once``).

A submission that raises is FAILED with the error's public one line and the log (the full
error and a traceback go to the worker's console only, see ``evalatlas.queue.public``); a
child that crashes, runs out of memory or time is FAILED with how it ended. An interrupted
worker (Ctrl+C, SIGTERM turned into KeyboardInterrupt by the CLI) marks its submission
FAILED before it stops. A worker killed outright leaves its row RUNNING, but its
heartbeat stops: the next worker to start or poll marks that row FAILED, at once when
the dead worker ran on the same host (its process is gone), else once the heartbeat is
older than ``STALE_AFTER_SECONDS``. Results are stored in the worker's workspace as
``evalatlas eval`` stores them, so the leaderboard shows them as soon as they are saved.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evalatlas.errors import AtlasError, ConfigError
from evalatlas.queue.log import SubmissionLog
from evalatlas.queue.public import STOPPED
from evalatlas.queue.sandbox import ChildJob, SandboxLimits, run_child
from evalatlas.queue.validation import QueueLimits
from evalatlas.store import (
    Store,
    Submission,
    SubmissionQueue,
    SubmissionStatus,
    WorkerIdentity,
)
from evalatlas.store.submissions import HEARTBEAT_SECONDS

Say = Callable[[str], None]


@dataclass(frozen=True)
class WorkerOptions:
    once: bool = False  # run at most one submission, then return
    poll_seconds: float = 5.0  # wait between looks at an empty queue
    data_dir: Path | None = None  # local data instead of the Hugging Face hub
    limits: QueueLimits = field(default_factory=QueueLimits)  # re-checked in the child
    sandbox: SandboxLimits = field(default_factory=SandboxLimits)  # memory and time per run
    heartbeat_seconds: float = HEARTBEAT_SECONDS


@dataclass(frozen=True)
class Verdict:
    """How one submission ended, as recorded."""

    submission_id: int
    status: SubmissionStatus
    error: str | None = None


def new_identity() -> WorkerIdentity:
    return WorkerIdentity(socket.gethostname(), os.getpid(), secrets.token_hex(4))


def run_worker(store: Store, options: WorkerOptions, say: Say) -> list[Verdict]:
    """Run submissions until interrupted (or one, or none when the queue is empty, with
    ``options.once``); the verdicts, in order."""
    if options.poll_seconds <= 0:
        raise ConfigError(f"--poll-seconds must be above 0, got {options.poll_seconds:g}")
    identity = new_identity()
    queue = store.submissions()
    say(f"worker {identity.name} on {store.root}")
    say(f"accepts {options.limits.allow.describe()}")
    verdicts: list[Verdict] = []
    while True:
        reap_stale(queue, identity, say)
        claimed = queue.claim(identity)
        if claimed is not None:
            verdicts.append(run_submission(store, claimed, identity, options, say))
        if options.once:
            if claimed is None:
                say("no pending submission")
            return verdicts
        if claimed is None:
            time.sleep(options.poll_seconds)


def reap_stale(queue: SubmissionQueue, identity: WorkerIdentity, say: Say) -> list[int]:
    """Mark FAILED every RUNNING submission whose worker is gone; their ids. The stored
    reason names no worker (host and pid are no business of the public queue)."""
    reaped = []
    now = datetime.now(UTC)
    for running in queue.recent(SubmissionStatus.RUNNING):
        gone = stale_reason(running, identity, now)
        if gone is not None and queue.fail_stale(running, gone.public):
            say(f"submission {running.id}: {gone.detail}")
            reaped.append(running.id)
    return reaped


@dataclass(frozen=True)
class GoneWorker:
    """Why a submission's worker is taken for gone: for the queue, and for the console."""

    public: str
    detail: str


def stale_reason(running: Submission, identity: WorkerIdentity, now: datetime) -> GoneWorker | None:
    """Why ``running``'s worker is taken for gone, or None while it may still run."""
    if running.worker == identity.name:
        return None
    if _process_gone(running, identity):
        return GoneWorker(
            "its worker stopped without finishing; marked FAILED by the next worker",
            f"worker {running.worker} stopped without finishing (process "
            f"{running.worker_pid} is gone); marked FAILED by worker {identity.name}",
        )
    if running.is_stale(now):
        beat = running.heartbeat_at or running.started_at
        since = f"sent no heartbeat since {beat:%Y-%m-%d %H:%M:%S} UTC"
        return GoneWorker(
            f"its worker {since}; marked FAILED by the next worker",
            f"worker {running.worker} {since}; marked FAILED by worker {identity.name}",
        )
    return None


def _process_gone(running: Submission, identity: WorkerIdentity) -> bool:
    """The worker ran on this host and its process no longer runs. Our own pid under
    another worker name is such a worker too: it was this pid before us."""
    pid = running.worker_pid
    if running.worker_host != identity.host or pid is None:
        return False
    return pid == identity.pid or not _process_exists(pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def run_submission(
    store: Store,
    submission: Submission,
    identity: WorkerIdentity,
    options: WorkerOptions,
    say: Say,
) -> Verdict:
    """Run one claimed submission in a child process and record FINISHED or FAILED
    (re-raising an interrupt once the submission is recorded)."""
    queue = store.submissions()
    log = SubmissionLog(say)
    log.line(
        f"submission {submission.id}: {submission.model_reference} on {submission.tasks} "
        f"(requested by {submission.requested_by})"
    )
    log.operator(f"worker {identity.name} runs submission {submission.id}")
    heartbeat = _Heartbeat(queue, submission.id, identity, log, options.heartbeat_seconds)
    heartbeat.start()
    try:
        outcome = run_child(child_job(store, submission, options), options.sandbox, log)
    except BaseException:
        heartbeat.stop()
        log.line(f"FAILED: {STOPPED}")
        queue.fail(submission.id, identity, STOPPED, log.text())
        raise  # an interrupt stops the worker once its submission is recorded
    heartbeat.stop()
    if outcome.error is not None:
        log.line(f"FAILED: {outcome.error}")
        queue.fail(submission.id, identity, outcome.error, log.text())
        return Verdict(submission.id, SubmissionStatus.FAILED, outcome.error)
    log.line(f"FINISHED: {len(outcome.run_ids)} results stored")
    if not queue.finish(submission.id, identity, outcome.run_ids, outcome.fingerprint, log.text()):
        # Declared gone by another worker while it ran: that verdict stands.
        lost = "was marked FAILED by another worker meanwhile; its results are stored"
        say(f"submission {submission.id}: {lost}")
        return Verdict(submission.id, SubmissionStatus.FAILED, lost)
    return Verdict(submission.id, SubmissionStatus.FINISHED)


def child_job(store: Store, submission: Submission, options: WorkerOptions) -> ChildJob:
    """The child's job: absolute paths, since the child runs in an empty folder."""
    allow = options.limits.allow
    return ChildJob(
        workspace=str(Path(store.root).resolve()),
        submission_id=submission.id,
        data_dir=str(options.data_dir.resolve()) if options.data_dir else None,
        max_model_bytes=options.limits.max_model_bytes,
        model_roots=[str(root) for root in allow.model_roots],
        hub_patterns=list(allow.hub_patterns),
        endpoints=[rule.text for rule in allow.endpoints],
        memory_bytes=options.sandbox.memory_bytes,
    )


class _Heartbeat:
    """Refreshes the submission's heartbeat and stored log every ``interval`` seconds from
    a daemon thread, while the runner keeps the main thread busy."""

    def __init__(
        self,
        queue: SubmissionQueue,
        submission_id: int,
        identity: WorkerIdentity,
        log: SubmissionLog,
        interval: float,
    ) -> None:
        self._queue = queue
        self._submission_id = submission_id
        self._identity = identity
        self._log = log
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _beat(self) -> bool:
        return self._queue.heartbeat(self._submission_id, self._identity, self._log.text())

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                if not self._beat():
                    self._log.line("this submission was marked FAILED by another worker")
                    return
            except AtlasError as error:  # a busy database: the next beat tries again
                self._log.line(f"heartbeat not recorded: {error}")
