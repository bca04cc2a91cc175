"""What the app keeps between requests: the open store, the built leaderboard (rebuilt only
when the stored results change), the per-sample records of recently viewed runs, the
submission check it was handed, the admin token, and the arena (its vote writer, and what
its pages derive from the votes, kept per vote-state)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from jinja2 import Environment

from evalatlas.analysis.leaderboard import Leaderboard, build_leaderboard, leaderboard_fingerprint
from evalatlas.arena import Arena
from evalatlas.store import SampleRecord, Store, SubmissionRequest
from evalatlas.web.admin.access import AdminAccess
from evalatlas.web.arena.voter import VoterIdentity
from evalatlas.web.arena_state import ArenaViews

RECENT_RUNS = 4


class BoardCache:
    """The leaderboard of ``store``, built once per ``leaderboard_fingerprint``: with every
    model, and (built when first asked for) without the flagged ones.

    Building bootstraps rank intervals, so it is far slower than the fingerprint; one lock
    keeps concurrent requests from building the same board twice.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._boards: dict[bool, Leaderboard] = {}
        self._fingerprint: str | None = None

    def get(self, hide_flagged: bool = False) -> Leaderboard:
        """The board of every model, or with ``hide_flagged`` of the unflagged ones only
        (ranked among themselves)."""
        fingerprint = leaderboard_fingerprint(self._store)
        with self._lock:
            if fingerprint != self._fingerprint:
                self._boards.clear()
                self._fingerprint = fingerprint
            if hide_flagged not in self._boards:
                self._boards[hide_flagged] = build_leaderboard(
                    self._store, hide_flagged=hide_flagged
                )
            return self._boards[hide_flagged]


class SampleCache:
    """Per-sample records of the last few runs viewed: a stored run never changes, and
    paging through one should not re-read its Parquet file for every page."""

    def __init__(self, store: Store, size: int = RECENT_RUNS) -> None:
        self._store = store
        self._size = size
        self._lock = threading.Lock()
        self._runs: OrderedDict[str, list[SampleRecord]] = OrderedDict()

    def get(self, run_id: str) -> list[SampleRecord]:
        with self._lock:
            if run_id in self._runs:
                self._runs.move_to_end(run_id)
                return self._runs[run_id]
        records = self._store.load_samples(run_id)
        with self._lock:
            self._runs[run_id] = records
            while len(self._runs) > self._size:
                self._runs.popitem(last=False)
        return records


SubmissionCheck = Callable[[SubmissionRequest], list[str]]
"""Refuses (``AtlasError``) a submission that cannot run, else returns notes about it; the
app is handed one (``evalatlas.queue.check_submission``) so the web layer never imports
models, tasks or the runner."""


@dataclass
class WebState:
    store: Store
    templates: Environment
    arena: Arena
    submission_check: SubmissionCheck | None = None  # None: submissions are refused
    admin: AdminAccess = field(default_factory=AdminAccess)
    voters: VoterIdentity = field(default_factory=VoterIdentity)
    boards: BoardCache = field(init=False)
    samples: SampleCache = field(init=False)
    arena_views: ArenaViews = field(init=False)

    def __post_init__(self) -> None:
        self.boards = BoardCache(self.store)
        self.samples = SampleCache(self.store)
        self.arena_views = ArenaViews(self.arena)
