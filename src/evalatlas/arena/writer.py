"""The arena's one writer: a thread that records votes in batches.

Requests from any number of web workers are queued; the writer takes whatever is waiting
(up to ``max_batch``) and records it in one transaction, so a burst of votes costs one
commit instead of one each, and only this thread ever holds the write lock for votes.
Each caller gets a ``Future`` that resolves to its own ``VoteResult``.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass

from evalatlas.errors import AtlasError
from evalatlas.store import ArenaRecords, VoteLimits, VoteRequest, VoteResult

DEFAULT_MAX_BATCH = 256


@dataclass(frozen=True, slots=True)
class _Pending:
    request: VoteRequest
    limits: VoteLimits
    future: Future[VoteResult]


class VoteWriter:
    """Started on creation; ``close()`` records what is queued, then stops the thread."""

    def __init__(self, records: ArenaRecords, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        self._records = records
        self._max_batch = max_batch
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="arena-vote-writer", daemon=True)
        self._closed = False
        self._thread.start()

    def submit(self, request: VoteRequest, limits: VoteLimits) -> Future[VoteResult]:
        """Queue one vote; the future holds its result once its batch is committed."""
        future: Future[VoteResult] = Future()
        if self._closed:
            future.set_exception(AtlasError("arena: the vote writer is closed"))
            return future
        self._queue.put(_Pending(request, limits, future))
        return future

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = self._drain_into(batch)
            self._commit(batch)
            if stop:
                return

    def _drain_into(self, batch: list[_Pending]) -> bool:
        """Add what is already queued to ``batch``; True when the stop marker was seen."""
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return False
            if item is None:
                return True
            batch.append(item)
        return False

    def _commit(self, batch: list[_Pending]) -> None:
        # Limits may differ between requests (votes versus judge verdicts): one call per
        # distinct limits keeps each batch a single transaction in the common case.
        groups: dict[VoteLimits, list[_Pending]] = {}
        for pending in batch:
            groups.setdefault(pending.limits, []).append(pending)
        for limits, group in groups.items():
            try:
                results = self._records.record_votes([p.request for p in group], limits)
            except Exception as exc:
                for pending in group:
                    pending.future.set_exception(exc)
                continue
            for pending, result in zip(group, results, strict=True):
                pending.future.set_result(result)
