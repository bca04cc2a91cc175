"""The worker end to end on a real workspace: the random baseline on ``arithmetic_mc`` from
PENDING to FINISHED and onto the leaderboard, failures with their log, and workers that
stop (SIGTERM) or die (SIGKILL) mid-run, as separate processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from queue_files import write_gguf

from evalatlas.analysis import build_leaderboard
from evalatlas.queue import QueueLimits, WorkerOptions, run_worker, submission_request
from evalatlas.queue.allowlist import AllowList
from evalatlas.queue.worker import new_identity, stale_reason
from evalatlas.store import Store, Submission, SubmissionStatus, WorkerIdentity
from evalatlas.store.submissions import STALE_AFTER_SECONDS

ONCE = WorkerOptions(once=True)


def queue(store: Store, reference: str, tasks: str, **options: object) -> Submission:
    request = submission_request(reference, tasks, dict(options), "tester")
    return store.submissions().submit(request, [])


def status_of(store: Store, submission_id: int) -> SubmissionStatus:
    found = store.submissions().get(submission_id)
    assert found is not None
    return found.status


def test_a_submission_runs_from_pending_to_finished_and_reaches_the_board(tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        queued = queue(store, "random?seed=3", "arithmetic_mc", limit=20)
        seen: list[SubmissionStatus] = [status_of(store, queued.id)]
        lines: list[str] = []

        def say(line: str) -> None:
            lines.append(line)
            if "requests" in line:  # the runner is at work
                seen.append(status_of(store, queued.id))

        [verdict] = run_worker(store, ONCE, say)
        done = store.submissions().get(queued.id)
        board = build_leaderboard(store, n_boot=20)
    assert verdict.status == SubmissionStatus.FINISHED and verdict.submission_id == queued.id
    assert seen[0] == SubmissionStatus.PENDING and set(seen[1:]) == {SubmissionStatus.RUNNING}
    assert done is not None and done.status == SubmissionStatus.FINISHED
    assert done.finished_at is not None and done.error is None
    assert len(done.run_ids) == 1 and done.model_fingerprint == "random:seed=3"
    assert "FINISHED: 1 results stored" in done.log and "arithmetic_mc (run " in done.log
    kept = done.log.splitlines()
    assert kept and set(kept) <= set(lines)  # every public line was said too…
    worker_lines = [line for line in lines if " worker " in line and line not in kept]
    assert worker_lines  # …but who ran it (host, pid) only on the worker's console
    assert socket.gethostname() not in done.log and str(os.getpid()) not in done.log
    [row] = [row for row in board.rows if row.card.reference == "random?seed=3"]
    assert row.cells["arithmetic_mc"].run_id == done.run_ids[0]
    assert row.cells["arithmetic_mc"].n == 20


def test_a_submission_that_cannot_run_is_failed_with_its_error_and_log(tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        queued = queue(store, "random", "arithmetic_gen", limit=5)
        [verdict] = run_worker(store, ONCE, lambda line: None)
        failed = store.submissions().get(queued.id)
        assert store.list_results() == []
    assert verdict.status == SubmissionStatus.FAILED
    assert failed is not None and failed.status == SubmissionStatus.FAILED
    assert failed.error is not None and "cannot serve generate_until requests" in failed.error
    assert "\n" not in failed.error
    assert "FAILED: " + failed.error in failed.log
    assert "loaded random baseline" in failed.log


def test_the_worker_checks_again_what_may_have_changed_since_queueing(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    model = write_gguf(models / "m.gguf")
    allowed = WorkerOptions(once=True, limits=QueueLimits(allow=AllowList.build([models])))
    with Store.open(tmp_path / "ws") as store:
        queued = queue(store, f"llamacpp:{model}", "arithmetic_mc")
        model.unlink()
        run_worker(store, allowed, lambda line: None)
        failed = store.submissions().get(queued.id)
    assert failed is not None and failed.status == SubmissionStatus.FAILED
    assert failed.error is not None and "no model this server may evaluate" in failed.error


def test_an_empty_queue_ends_a_worker_run_once(tmp_path: Path) -> None:
    lines: list[str] = []
    with Store.open(tmp_path / "ws") as store:
        assert run_worker(store, ONCE, lines.append) == []
    assert lines[-1] == "no pending submission"


@dataclass
class SilentServer:
    """A TCP port that accepts connections and never answers: a model server that hangs."""

    port: int
    held: list[socket.socket] = field(default_factory=list)  # the connections it accepted


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = SilentServer(int(listener.getsockname()[1]))

    def accept() -> None:
        while True:
            try:
                server.held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server
    listener.close()
    for connection in server.held:
        connection.close()


def start_worker(workspace: Path, *options: str) -> subprocess.Popen[str]:
    """``evalatlas worker --once`` that allows endpoints on 127.0.0.1 (the test servers)."""
    command = [sys.executable, "-m", "evalatlas", "worker", "--once", "-w", str(workspace)]
    command += ["--allow-endpoint", "127.0.0.1", *options]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_until_running(workspace: Path, submission_id: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    with Store.open(workspace) as store:
        while status_of(store, submission_id) != SubmissionStatus.RUNNING:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "the worker never claimed the submission"
            time.sleep(0.1)


def test_a_worker_stopped_by_sigterm_fails_its_submission_first(
    tmp_path: Path, silent_server: SilentServer
) -> None:
    workspace = tmp_path / "ws"
    with Store.open(workspace) as store:
        queued = queue(
            store, f"openai:http://127.0.0.1:{silent_server.port}/v1#m?timeout=120", "arithmetic_mc"
        )
    process = start_worker(workspace)
    wait_until_running(workspace, queued.id, process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "worker stopped" in output
    with Store.open(workspace) as store:
        failed = store.submissions().get(queued.id)
    assert failed is not None and failed.status == SubmissionStatus.FAILED
    assert failed.error == (
        "the worker was stopped (interrupt or SIGTERM) while running this submission"
    )


def test_a_killed_worker_leaves_a_row_the_next_worker_marks_failed(
    tmp_path: Path, silent_server: SilentServer
) -> None:
    workspace = tmp_path / "ws"
    with Store.open(workspace) as store:
        hung = queue(
            store, f"openai:http://127.0.0.1:{silent_server.port}/v1#m?timeout=120", "arithmetic_mc"
        )
        waiting = queue(store, "random", "arithmetic_mc", limit=4)
    process = start_worker(workspace)
    wait_until_running(workspace, hung.id, process)
    process.kill()
    process.communicate(timeout=30)  # reaped: no zombie that would still look alive
    lines: list[str] = []
    with Store.open(workspace) as store:
        assert status_of(store, hung.id) == SubmissionStatus.RUNNING
        [verdict] = run_worker(store, ONCE, lines.append)
        dead = store.submissions().get(hung.id)
    assert dead is not None and dead.status == SubmissionStatus.FAILED
    assert dead.error == "its worker stopped without finishing; marked FAILED by the next worker"
    said = [line for line in lines if line.startswith(f"submission {hung.id}: worker ")]
    assert said and f"(process {process.pid} is gone)" in said[0]  # on the console only
    assert verdict.submission_id == waiting.id and verdict.status == SubmissionStatus.FINISHED


def test_a_worker_on_another_host_is_gone_once_its_heartbeat_is_stale(tmp_path: Path) -> None:
    elsewhere = WorkerIdentity("elsewhere", os.getpid(), "0000")
    me = new_identity()
    with Store.open(tmp_path / "ws") as store:
        queue(store, "random", "arithmetic_mc")
        running = store.submissions().claim(elsewhere)
    assert running is not None
    now = datetime.now(UTC)
    assert stale_reason(running, me, now) is None  # its pid is no business of this host
    later = now + timedelta(seconds=STALE_AFTER_SECONDS + 5)
    reason = stale_reason(running, me, later)
    assert reason is not None and reason.detail.startswith(f"worker {elsewhere.name} sent no")
    assert reason.public.startswith("its worker sent no heartbeat since ")
    assert "elsewhere" not in reason.public
    assert stale_reason(running, elsewhere, later) is None  # a worker never reaps itself


def test_the_heartbeat_keeps_the_log_fresh_and_notices_a_lost_claim(tmp_path: Path) -> None:
    from evalatlas.queue.log import SubmissionLog
    from evalatlas.queue.worker import _Heartbeat

    me = new_identity()
    with Store.open(tmp_path / "ws") as store:
        queued = queue(store, "random", "arithmetic_mc")
        claimed = store.submissions().claim(me)
        assert claimed is not None
        log = SubmissionLog(lambda line: None)
        heartbeat = _Heartbeat(store.submissions(), queued.id, me, log, 0.05)
        heartbeat.start()
        log.line("loading the model")
        deadline = time.monotonic() + 10
        while "loading the model" not in (store.submissions().get(queued.id) or claimed).log:
            assert time.monotonic() < deadline, "the heartbeat never stored the log"
            time.sleep(0.05)
        beating = store.submissions().get(queued.id)
        assert beating is not None and beating.heartbeat_at is not None
        assert claimed.heartbeat_at is not None and beating.heartbeat_at > claimed.heartbeat_at
        # The heartbeat may beat between our read and our write; fail_stale then (rightly)
        # refuses, so read again and retry.
        deadline = time.monotonic() + 10
        while not store.submissions().fail_stale(
            store.submissions().get(queued.id) or beating, "declared gone"
        ):
            assert time.monotonic() < deadline, "never managed to declare the worker gone"
        deadline = time.monotonic() + 10
        while "marked FAILED by another worker" not in log.text():
            assert time.monotonic() < deadline, "the heartbeat never noticed"
            time.sleep(0.05)
        heartbeat.stop()
