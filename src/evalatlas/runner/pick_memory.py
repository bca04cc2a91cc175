"""Peak resident memory of this process while a block runs, sampled by a thread.

What it measures: the resident set size (RSS, physical memory the process holds) read every
``interval_s`` seconds while the block runs, its peak, and that peak minus the RSS just
before the block. A model loaded and run in the block is what adds to it; memory the
process already held (another model not yet returned to the system) is not counted again.
A spike shorter than the interval can be missed, so the peak is a lower bound.
"""

from __future__ import annotations

import threading
from types import TracebackType

import psutil

DEFAULT_INTERVAL_S = 0.02


class PeakMemory:
    """``with PeakMemory() as watch: ...``, then ``watch.peak_bytes`` and ``added_bytes``."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self._process = psutil.Process()
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.before_bytes = 0
        self.peak_bytes = 0

    @property
    def added_bytes(self) -> int:
        return max(0, self.peak_bytes - self.before_bytes)

    def __enter__(self) -> PeakMemory:
        self.before_bytes = self._rss()
        self.peak_bytes = self.before_bytes
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self._rss())

    def sample_now(self) -> int:
        """Take a sample now (the peak so far, including it)."""
        self.peak_bytes = max(self.peak_bytes, self._rss())
        return self.peak_bytes

    def _rss(self) -> int:
        return int(self._process.memory_info().rss)

    def _sample(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.sample_now()
