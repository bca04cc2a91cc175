"""Each submission is evaluated in a child process with memory and time limits.

A model can crash its process (a segfault in native code, an abort, the kernel's OOM
killer) or run forever. In a child, that ends the child only: the worker reads how it
ended and records the submission FAILED with a reason, then takes the next one.

The child (``python -m evalatlas.queue.child``) gets its job as JSON on stdin and sends
JSON lines back on a pipe of its own (not stdout: native libraries print there): log
lines, operator-only lines, and its verdict. It caps its own address space
(``RLIMIT_AS``) before it loads a model, runs in a new session (a Ctrl+C meant for the
worker reaches the worker, which then stops the child) and in an empty working folder,
so a relative name never reaches a file of the server.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from evalatlas.errors import ConfigError
from evalatlas.queue.log import SubmissionLog
from evalatlas.queue.validation import parse_size

MEMORY_VARIABLE = "EVALATLAS_WORKER_MEMORY"
TIME_VARIABLE = "EVALATLAS_WORKER_TIME_LIMIT"
DEFAULT_MEMORY_BYTES = 32 * 2**30
DEFAULT_SECONDS = 24 * 3600.0
_CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL, signal.SIGFPE}


@dataclass(frozen=True)
class SandboxLimits:
    """``memory_bytes`` of address space and ``seconds`` of wall time per evaluation."""

    memory_bytes: int = DEFAULT_MEMORY_BYTES
    seconds: float = DEFAULT_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SandboxLimits:
        """``$EVALATLAS_WORKER_MEMORY`` (``32G``, ``8G``…) and ``$EVALATLAS_WORKER_TIME_LIMIT``
        (seconds), or the defaults (32 GiB, 24 hours)."""
        env = os.environ if environ is None else environ
        memory = env.get(MEMORY_VARIABLE, "").strip()
        seconds = env.get(TIME_VARIABLE, "").strip()
        return cls(
            memory_bytes=parse_size(memory, MEMORY_VARIABLE) if memory else DEFAULT_MEMORY_BYTES,
            seconds=positive_seconds(seconds, TIME_VARIABLE) if seconds else DEFAULT_SECONDS,
        )


def positive_seconds(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{what}={text!r} must be a positive number of seconds, e.g. 3600")
    return value


class ChildJob(BaseModel):
    """What the child evaluates and under which rules (sent as JSON on its stdin)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace: str
    submission_id: int
    data_dir: str | None = None
    max_model_bytes: int
    model_roots: list[str] = []
    hub_patterns: list[str] = []
    endpoints: list[str] = []
    memory_bytes: int
    channel_fd: int = -1


@dataclass
class ChildOutcome:
    """How the child ended: ``error`` is None when it finished."""

    run_ids: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    error: str | None = None
    reported: bool = False  # the child sent its own verdict


def run_child(job: ChildJob, limits: SandboxLimits, log: SubmissionLog) -> ChildOutcome:
    """Evaluate ``job`` in a child process; its lines go to ``log``. An interrupt of the
    worker stops the child before it is raised on."""
    read_end, write_end = os.pipe()
    outcome = ChildOutcome()
    with tempfile.TemporaryDirectory(prefix="evalatlas-eval-") as empty:
        process = subprocess.Popen(
            [sys.executable, "-m", "evalatlas.queue.child"],
            stdin=subprocess.PIPE,
            pass_fds=(write_end,),
            cwd=empty,
            start_new_session=True,
            text=True,
        )
        os.close(write_end)
        reader = threading.Thread(target=_read, args=(read_end, log, outcome), daemon=True)
        reader.start()
        log.operator(f"evaluating in process {process.pid}")
        try:
            _send_job(process, job.model_copy(update={"channel_fd": write_end}))
            timed_out = not _ended_in_time(process, limits)
        finally:
            _stop(process)  # after an interrupt too: never leave the child's processes
            reader.join(timeout=10)
    if not outcome.reported:  # a verdict it sent stands, even if it hung afterwards
        outcome.error = (
            time_reason(limits) if timed_out else crash_reason(process.returncode, limits)
        )
    return outcome


def _send_job(process: subprocess.Popen[str], job: ChildJob) -> None:
    assert process.stdin is not None  # Popen(stdin=PIPE) always has one
    try:
        process.stdin.write(job.model_dump_json())
        process.stdin.close()
    except BrokenPipeError:  # it died at once; its exit status says how
        pass


def _ended_in_time(process: subprocess.Popen[str], limits: SandboxLimits) -> bool:
    try:
        process.wait(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop(process: subprocess.Popen[str]) -> None:
    """Kill the child's whole process group (it leads its own session), then reap it."""
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def time_reason(limits: SandboxLimits) -> str:
    return (
        f"the evaluation took longer than the worker's time limit of {limits.seconds:g} s "
        "(--time-limit) and was stopped"
    )


def _read(read_end: int, log: SubmissionLog, outcome: ChildOutcome) -> None:
    with os.fdopen(read_end, encoding="utf-8", errors="replace") as channel:
        for raw in channel:
            try:
                message = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if not isinstance(message, dict):
                continue
            _take(message, log, outcome)


def _take(message: dict[str, object], log: SubmissionLog, outcome: ChildOutcome) -> None:
    kind, text = message.get("kind"), str(message.get("text", ""))
    if kind == "line":
        log.relay(text)
    elif kind == "operator":
        log.operator(text)
    elif kind == "finished":
        run_ids = message.get("run_ids")
        outcome.run_ids = [str(r) for r in run_ids] if isinstance(run_ids, list) else []
        outcome.fingerprint = str(message.get("fingerprint") or "") or None
        outcome.reported = True
    elif kind == "failed":
        outcome.error = text or "the evaluation failed"
        outcome.reported = True


def crash_reason(returncode: int, limits: SandboxLimits) -> str:
    """Why a child that sent no verdict ended, from its exit status."""
    memory = f"{limits.memory_bytes / 2**30:.1f} GiB"
    if returncode < 0:
        number = -returncode
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        if number == signal.SIGKILL:
            return (
                f"the evaluation process was killed ({name}), most often for using more memory "
                f"than the machine has (the worker allows {memory}); no result was stored"
            )
        if number in _CRASH_SIGNALS:
            return f"the evaluation process crashed ({name}) in the model's native code"
        return f"the evaluation process was ended by {name}"
    if returncode == 0:
        return "the evaluation process ended without a verdict"
    return (
        f"the evaluation process exited with status {returncode} before reporting "
        f"(out of memory under the worker's limit of {memory}, or an internal error)"
    )
