"""What the app keeps between requests: the open store, the built leaderboard (rebuilt only
when the stored results change), the per-sample records of recently viewed runs, the
submission check it was handed, the admin token, and the arena (its vote writer, and what
its pages derive from the votes, kept per vote-state)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from jinja2 import Environment

from evalatlas.analysis.leaderboard import Leaderboard, build_leaderboard, leaderboard_fingerprint
from evalatlas.arena import Arena
from evalatlas.errors import ConfigError
from evalatlas.store import SampleRecord, Store, SubmissionRequest
from evalatlas.web.admin.access import AdminAccess
from evalatlas.web.arena.voter import VoterIdentity
from evalatlas.web.arena_state import ArenaViews
from evalatlas.web.errors import InvalidParameter

RECENT_RUNS = 4
MAX_CHOSEN_BOARDS = 8  # boards with user-chosen protocols kept at once
_BoardKey = tuple[bool, tuple[tuple[str, str], ...]]


class BoardCache:
    """The leaderboard of ``store``, built once per ``leaderboard_fingerprint``: with every
    model, and (built when first asked for) without the flagged ones.

    Building bootstraps rank intervals, so it is far slower than the fingerprint; one lock
    keeps concurrent requests from building the same board twice.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._boards: dict[_BoardKey, Leaderboard] = {}
        self._fingerprint: str | None = None

    def get(
        self, hide_flagged: bool = False, protocols: Mapping[str, str] | None = None
    ) -> Leaderboard:
        """The board of every model, or with ``hide_flagged`` of the unflagged ones only
        (ranked among themselves); ``protocols`` chooses some columns' protocols
        (``protocol`` parameter: InvalidParameter when it names none of the board's)."""
        fingerprint = leaderboard_fingerprint(self._store)
        key = (hide_flagged, tuple(sorted((protocols or {}).items())))
        with self._lock:
            if fingerprint != self._fingerprint:
                self._boards.clear()
                self._fingerprint = fingerprint
            if key not in self._boards:
                self._boards[key] = self._build(hide_flagged, dict(key[1]))
            return self._boards[key]

    def _build(self, hide_flagged: bool, protocols: dict[str, str]) -> Leaderboard:
        try:
            board = build_leaderboard(self._store, hide_flagged=hide_flagged, protocols=protocols)
        except ConfigError as exc:
            if not protocols:
                raise
            raise InvalidParameter("protocol", str(exc)) from exc
        if protocols:
            # Boards of chosen protocols come from the query string: keep only a few.
            chosen = [k for k in self._boards if k[1]]
            for old in chosen[: max(0, len(chosen) - MAX_CHOSEN_BOARDS + 1)]:
                del self._boards[old]
        return board


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
