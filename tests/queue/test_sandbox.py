"""A real ``evalatlas worker`` whose evaluation child crashes (a segfault, a SIGKILL as the
OOM killer sends), exceeds its memory limit or its time limit: the worker stays up, marks
that submission FAILED with how it ended, and runs the next one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_queue_worker import SilentServer, queue, silent_server, start_worker, status_of

from evalatlas.queue.sandbox import SandboxLimits, crash_reason
from evalatlas.store import Store, Submission, SubmissionStatus

__all__ = ["silent_server"]  # the fixture, shared

DONE = (SubmissionStatus.FINISHED, SubmissionStatus.FAILED)


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def wait_for(workspace: Path, submission_id: int, wanted: tuple[SubmissionStatus, ...]) -> None:
    deadline = time.monotonic() + 120
    with Store.open(workspace) as store:
        while status_of(store, submission_id) not in wanted:
            assert time.monotonic() < deadline, f"submission {submission_id} never got {wanted}"
            time.sleep(0.1)


def get(workspace: Path, submission_id: int) -> Submission:
    with Store.open(workspace) as store:
        found = store.submissions().get(submission_id)
    assert found is not None
    return found


@pytest.fixture
def worker_loop(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen[str]]]]:
    """A workspace, and the worker processes a test starts (stopped at the end)."""
    started: list[subprocess.Popen[str]] = []
    yield tmp_path / "ws", started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=60)


def start_loop(workspace: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "evalatlas", "worker", "-w", str(workspace)]
    command += ["--poll-seconds", "0.2", "--allow-endpoint", "127.0.0.1", *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (signal.SIGSEGV, "the evaluation process crashed (SIGSEGV) in the model's native code"),
        (signal.SIGKILL, "the evaluation process was killed (SIGKILL), most often for using"),
    ],
)
def test_a_child_killed_by_a_signal_fails_only_its_submission(
    worker_loop: tuple[Path, list[subprocess.Popen[str]]],
    silent_server: SilentServer,
    sent: signal.Signals,
    reason: str,
) -> None:
    workspace, started = worker_loop
    with Store.open(workspace) as store:
        hung = queue(
            store, f"openai:http://127.0.0.1:{silent_server.port}/v1#m?timeout=120", "arithmetic_mc"
        )
        waiting = queue(store, "random?seed=5", "arithmetic_mc", limit=4)
    worker = start_loop(workspace)
    started.append(worker)
    wait_for(workspace, hung.id, (SubmissionStatus.RUNNING,))
    deadline = time.monotonic() + 60
    while not (silent_server.held and children_of(worker.pid)):
        assert time.monotonic() < deadline, "the child never reached the endpoint"
        time.sleep(0.05)
    [child] = children_of(worker.pid)  # it is loading the model: past its imports and checks
    os.kill(child, sent)
    wait_for(workspace, waiting.id, DONE)
    assert worker.poll() is None  # the worker is still up…
    crashed, next_one = get(workspace, hung.id), get(workspace, waiting.id)
    assert crashed.status == SubmissionStatus.FAILED and crashed.error is not None
    assert crashed.error.startswith(reason)
    assert f"FAILED: {crashed.error}" in crashed.log
    assert next_one.status == SubmissionStatus.FINISHED  # …and ran the next one
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 130 and f"evaluating in process {child}" in output


def test_a_child_over_its_memory_limit_fails_and_the_next_runs(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    with Store.open(workspace) as store:
        heavy = queue(store, "bundled:smollm2-135m-instruct", "arithmetic_mc", limit=2)
    capped = start_worker(workspace, "--memory-limit", "200M")
    output, _ = capped.communicate(timeout=300)
    assert capped.returncode == 0, output
    failed = get(workspace, heavy.id)
    assert failed.status == SubmissionStatus.FAILED and failed.error is not None
    assert "memory" in failed.error, failed.error
    with Store.open(workspace) as store:
        light = queue(store, "random", "arithmetic_mc", limit=3)
    again = start_worker(workspace, "--memory-limit", "4G")
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 0 and get(workspace, light.id).status == SubmissionStatus.FINISHED


def test_a_child_over_its_time_limit_is_stopped(
    tmp_path: Path, silent_server: SilentServer
) -> None:
    workspace = tmp_path / "ws"
    with Store.open(workspace) as store:
        hung = queue(
            store, f"openai:http://127.0.0.1:{silent_server.port}/v1#m?timeout=120", "arithmetic_mc"
        )
    worker = start_worker(workspace, "--time-limit", "3")
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output
    failed = get(workspace, hung.id)
    assert failed.status == SubmissionStatus.FAILED
    assert failed.error == (
        "the evaluation took longer than the worker's time limit of 3 s (--time-limit) "
        "and was stopped"
    )


def test_how_a_child_ended_reads_from_its_exit_status() -> None:
    limits = SandboxLimits(memory_bytes=2 * 2**30)
    assert "crashed (SIGBUS)" in crash_reason(-signal.SIGBUS, limits)
    assert "ended by SIGTERM" in crash_reason(-signal.SIGTERM, limits)
    assert "the worker allows 2.0 GiB" in crash_reason(-signal.SIGKILL, limits)
    assert "exited with status 3 before reporting" in crash_reason(3, limits)


def test_bad_limits_are_one_line_errors(tmp_path: Path) -> None:
    for options, message in (
        (("--memory-limit", "lots"), "--memory-limit='lots' is not a size"),
        (("--time-limit", "0"), "--time-limit must be a positive number of seconds"),
        (("--allow-model-root", str(tmp_path / "none")), "not a folder; give an existing folder"),
        (("--allow-endpoint", "bad host!"), "give HOST[:PORT]"),
        (("--allow-endpoint", "h:99999"), "the port must be a number 1-65535"),
    ):
        result = start_worker(tmp_path / "ws", *options)
        output, _ = result.communicate(timeout=120)
        assert result.returncode == 2 and "Traceback" not in output, output
        assert output.strip().splitlines() == [output.strip()] and message in output, output
