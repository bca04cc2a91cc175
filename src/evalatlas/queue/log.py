"""A submission's log: timestamped lines kept for the queue page and echoed as they come.

``SubmissionLog`` is also the runner's progress reporter, so the log shows what the
evaluation did (requests, reused results, skipped benchmarks) without a terminal. The
heartbeat thread reads it while the runner writes, hence the lock.

The kept lines are public (the queue page shows them): they are stored with the server's
paths cut (``redact_paths``). ``operator`` lines, and every line in full, go only to
``say``, the worker's console.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from evalatlas.queue.public import redact_paths

PROGRESS_STEP = 0.1  # a progress line every tenth of the requests…
PROGRESS_SECONDS = 30.0  # …or every half minute, whichever comes first


class SubmissionLog:
    """Lines of text with their time; ``say`` receives each line as it is written."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._total = 0
        self._done = 0
        self._reported = 0
        self._started = 0.0
        self._last_line = 0.0

    def line(self, message: str) -> None:
        """A line for the public log (paths cut) and, in full, for the console."""
        for part in message.rstrip("\n").split("\n"):
            self.relay(f"[{datetime.now(UTC):%H:%M:%S}] {part}")

    def relay(self, stamped: str) -> None:
        """A line already stamped (by the evaluation's own process), kept as ``line`` keeps."""
        with self._lock:
            self._lines.append(redact_paths(stamped))
        self._say(stamped)

    def operator(self, message: str) -> None:
        """A line for the worker's console only (tracebacks, pids, full error texts)."""
        for part in message.rstrip("\n").split("\n"):
            self._say(f"[{datetime.now(UTC):%H:%M:%S}] {part}")

    def text(self) -> str:
        with self._lock:
            return "\n".join(self._lines) + ("\n" if self._lines else "")

    # -- the runner's ProgressReporter ------------------------------------------------

    def start(self, description: str, total: int) -> None:
        self._total, self._done, self._reported = total, 0, 0
        self._started = self._last_line = time.monotonic()
        self.line(f"{description}")

    def advance(self, n: int) -> None:
        self._done += n
        now = time.monotonic()
        step = max(1, int(self._total * PROGRESS_STEP))
        if self._done - self._reported >= step or now - self._last_line >= PROGRESS_SECONDS:
            self._reported, self._last_line = self._done, now
            self.line(f"{self._done}/{self._total} requests")

    def finish(self) -> None:
        seconds = time.monotonic() - self._started
        self.line(f"{self._done}/{self._total} requests done in {seconds:.1f} s")

    def note(self, message: str) -> None:
        self.line(message)
