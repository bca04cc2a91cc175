"""What the arena pages read, computed once per vote-state.

The votes change only when one is added, and ``ArenaRecords.state()`` (count and newest id)
says when: everything derived from them (counts, counted battles, categories, the voter
consistency test, the leaderboard's arena column) is kept beside that state and rebuilt
only after a vote. Ratings themselves are cached by ``Arena.standings`` the same way.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from evalatlas.arena import Arena, RatingOptions, VoterReport, voter_reports
from evalatlas.ratings import Rating
from evalatlas.store import ArenaCounts, DecidedBattle
from evalatlas.web.arena_column import ArenaColumn

T = TypeVar("T")
VoteState = tuple[int, int]
COLUMN_CHECK_S = 1.0


@dataclass
class ArenaSnapshot:
    """The arena's votes at one vote-state, and values derived from them on first use."""

    state: VoteState
    counts: ArenaCounts
    counted: tuple[DecidedBattle, ...]  # votes that count, oldest first
    _derived: dict[str, object] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def categories(self) -> list[str]:
        return self._once(
            "categories", lambda: sorted({b.category for b in self.counted if b.category})
        )

    @property
    def voter_reports(self) -> list[VoterReport]:
        """The consistency test of every voter with enough decisive votes."""
        return self._once("voters", lambda: voter_reports(self.counted))

    @property
    def flagged_voters(self) -> frozenset[str]:
        return frozenset(report.voter for report in self.voter_reports if report.flagged)

    def battles_counted(self, options: RatingOptions) -> int:
        """How many counted battles ``options`` rate (0: there is nothing to rate)."""
        return sum(
            1
            for battle in self.counted
            if (options.category is None or battle.category == options.category)
            and options.counts(battle)
        )

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """A value derived from these votes: computed on first use, then kept."""
        return self._once(key, compute)

    def _once(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._derived:
                self._derived[key] = compute()
            value: T = self._derived[key]  # type: ignore[assignment]
            return value


class ArenaViews:
    """The current ``ArenaSnapshot`` of ``arena``, and the leaderboard's arena column."""

    def __init__(self, arena: Arena, column_check_s: float = COLUMN_CHECK_S) -> None:
        self.arena = arena
        self._lock = threading.Lock()
        self._snapshot: ArenaSnapshot | None = None
        self._column: ArenaColumn | None = None
        self._column_check_s = column_check_s
        self._column_checked = -math.inf

    def snapshot(self) -> ArenaSnapshot:
        records = self.arena.records
        state = records.state()
        with self._lock:
            if self._snapshot is not None and self._snapshot.state == state:
                return self._snapshot
        snapshot = ArenaSnapshot(state, records.counts(), tuple(records.decided_battles()))
        with self._lock:
            self._snapshot = snapshot
        return snapshot

    def board_column(self) -> ArenaColumn:
        """The leaderboard's arena column (the default ratings by model name) at the
        current vote-state; empty when no vote counts.

        The vote-state is read at most once per ``column_check_s``: reading it is a query,
        a sizeable part of a leaderboard request, and a column a second behind the votes
        is still right for a board."""
        now = time.monotonic()
        with self._lock:
            fresh = now - self._column_checked < self._column_check_s
            if self._column is not None and fresh:
                return self._column
        state = self.arena.records.state()
        with self._lock:
            self._column_checked = now
            if self._column is not None and self._column.state == state:
                return self._column
        ratings: dict[str, Rating] = {}
        if state[0] > 0 and self.snapshot().counted:
            table = self.arena.standings(RatingOptions()).table
            ratings = {rating.model: rating for rating in table.ratings}
        column = ArenaColumn(state, ratings)
        with self._lock:
            self._column = column
        return column
