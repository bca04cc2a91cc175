"""The submission queue on real SQLite files: order, ownership, stale rows, racing workers."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from evalatlas.store import (
    Store,
    SubmissionOptions,
    SubmissionRequest,
    SubmissionStatus,
    WorkerIdentity,
)
from evalatlas.store.submissions import LOG_CUT_MARK, MAX_LOG_CHARS, STALE_AFTER_SECONDS

ALICE = WorkerIdentity("host-a", 101, "aaaa")
BOB = WorkerIdentity("host-b", 202, "bbbb")


def request(reference: str = "random", tasks: str = "arithmetic_mc") -> SubmissionRequest:
    return SubmissionRequest(
        model_reference=reference,
        tasks=tasks,
        options=SubmissionOptions(limit=5, apply_chat_template=False),
        requested_by="tester",
    )


def test_a_submission_is_queued_pending_with_its_notes(store: Store) -> None:
    queue = store.submissions()
    queued = queue.submit(request(), ["checked: fine"])
    assert queued.status == SubmissionStatus.PENDING
    assert (queued.model_reference, queued.tasks, queued.requested_by) == (
        "random",
        "arithmetic_mc",
        "tester",
    )
    assert queued.options.limit == 5 and queued.notes == ["checked: fine"]
    assert queued.created_at.tzinfo is not None and queued.started_at is None
    assert queue.get(queued.id) == queued and queue.get(queued.id + 1) is None
    assert queue.counts()[SubmissionStatus.PENDING] == 1
    assert queue.counts()[SubmissionStatus.FAILED] == 0


def test_claims_take_the_oldest_pending_first_and_stop_when_none_is_left(store: Store) -> None:
    queue = store.submissions()
    first, second = queue.submit(request("random?seed=1")), queue.submit(request("random?seed=2"))
    claimed = queue.claim(ALICE)
    assert claimed is not None and claimed.id == first.id
    assert claimed.status == SubmissionStatus.RUNNING
    assert (claimed.worker, claimed.worker_host, claimed.worker_pid) == (ALICE.name, "host-a", 101)
    assert claimed.heartbeat_at == claimed.started_at is not None
    again = queue.claim(BOB)
    assert again is not None and again.id == second.id
    assert queue.claim(BOB) is None
    assert [s.id for s in queue.recent()] == [second.id, first.id]  # newest first
    assert [s.id for s in queue.recent(SubmissionStatus.PENDING)] == []


def test_only_the_claiming_worker_may_record_the_verdict(store: Store) -> None:
    queue = store.submissions()
    queued = queue.submit(request())
    assert queue.claim(ALICE) is not None
    assert not queue.finish(queued.id, BOB, ["r1"], "fp", "log")
    assert not queue.heartbeat(queued.id, BOB, "log")
    assert queue.heartbeat(queued.id, ALICE, "line 1\n")
    assert queue.finish(queued.id, ALICE, ["r1", "r2"], "sha256:ab", "line 1\nline 2\n")
    done = queue.get(queued.id)
    assert done is not None and done.status == SubmissionStatus.FINISHED
    assert (done.run_ids, done.model_fingerprint) == (["r1", "r2"], "sha256:ab")
    assert done.log == "line 1\nline 2\n" and done.finished_at is not None
    # A finished submission is no one's to change any more.
    assert not queue.fail(queued.id, ALICE, "late", "")
    assert not queue.heartbeat(queued.id, ALICE, "")


def test_a_failure_keeps_its_one_line_error_and_the_tail_of_a_long_log(store: Store) -> None:
    queue = store.submissions()
    queued = queue.submit(request())
    queue.claim(ALICE)
    long_log = "".join(f"line {i}\n" for i in range(20_000))
    assert queue.fail(queued.id, ALICE, "model crashed", long_log)
    failed = queue.get(queued.id)
    assert failed is not None and failed.status == SubmissionStatus.FAILED
    assert failed.error == "model crashed"
    assert len(failed.log) == MAX_LOG_CHARS and failed.log.startswith(LOG_CUT_MARK)
    assert failed.log.endswith("line 19999\n")


def test_a_stale_row_is_failed_only_if_its_worker_showed_no_sign_of_life(store: Store) -> None:
    queue = store.submissions()
    queued = queue.submit(request())
    claimed = queue.claim(ALICE)
    assert claimed is not None and not claimed.is_stale()
    later = datetime.now(UTC) + timedelta(seconds=STALE_AFTER_SECONDS + 1)
    assert claimed.is_stale(later)
    queue.heartbeat(queued.id, ALICE, "still here\n")  # the worker lives after all
    assert not queue.fail_stale(claimed, "gone")
    fresh = queue.get(queued.id)
    assert fresh is not None and fresh.status == SubmissionStatus.RUNNING
    assert queue.fail_stale(fresh, "worker gone")
    failed = queue.get(queued.id)
    assert failed is not None and failed.status == SubmissionStatus.FAILED
    assert failed.error == "worker gone" and failed.log.startswith("still here\n")
    assert failed.log.rstrip().endswith("worker gone")
    assert not queue.finish(queued.id, ALICE, [], None, "")  # the verdict stands


def _claim_until_empty(workspace: str, name: str, ready: Any, found: Any) -> None:
    """One racing worker process: claim until the queue is empty; report what it won."""
    identity = WorkerIdentity("race", hash(name) % 10_000, name)
    won = []
    with Store.open(Path(workspace)) as store:
        queue = store.submissions()
        # Every worker has started and opened the store before any claims: a worker that
        # started late would otherwise find the queue already emptied, and nothing raced.
        ready.wait()
        while (claimed := queue.claim(identity)) is not None:
            won.append(claimed.id)
            assert queue.finish(claimed.id, identity, [], None, "")
    found.put((name, won))


def test_racing_workers_never_claim_the_same_submission(workspace: Path) -> None:
    with Store.open(workspace) as store:
        ids = [store.submissions().submit(request(f"random?seed={i}")).id for i in range(120)]
    context = multiprocessing.get_context("spawn")
    ready, found = context.Barrier(3), context.Queue()
    workers = [
        context.Process(target=_claim_until_empty, args=(str(workspace), f"w{i}", ready, found))
        for i in range(3)
    ]
    for process in workers:
        process.start()
    results = dict(found.get(timeout=120) for _ in workers)
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    claimed = [submission for won in results.values() for submission in won]
    assert sorted(claimed) == ids  # every submission once, none twice
    assert sum(1 for won in results.values() if won) >= 2  # they really raced
    with Store.open(workspace) as store:
        assert store.submissions().counts()[SubmissionStatus.FINISHED] == len(ids)
