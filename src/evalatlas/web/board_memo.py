"""Values computed once per built leaderboard, for as long as that board is in use.

A board of 10,000 models is rebuilt only when the store changes, yet every request would
otherwise sort its rows again and scan them for the form's choices: tens of milliseconds
each. ``memoised`` keeps such values beside the board (keyed by the board object itself,
so a rebuilt board starts afresh) and drops them when the board is gone.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from evalatlas.analysis.leaderboard import Leaderboard

T = TypeVar("T")

_VALUES: dict[int, dict[Hashable, Any]] = {}
_LOCK = threading.Lock()


def memoised(board: Leaderboard, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, computed once per ``board`` and ``key``.

    Two requests may compute the same value at once; both get an equal value and one is
    kept, which is cheaper than making every request wait on a lock."""
    with _LOCK:
        values = _VALUES.get(id(board))
        if values is not None and key in values:
            found: T = values[key]
            return found
    value = compute()
    with _LOCK:
        if id(board) not in _VALUES:
            _VALUES[id(board)] = {}
            # The id of a dead board may be reused by a new object: forget it at once.
            weakref.finalize(board, _forget, id(board))
        _VALUES[id(board)].setdefault(key, value)
        kept: T = _VALUES[id(board)][key]
        return kept


def _forget(board_id: int) -> None:
    with _LOCK:
        _VALUES.pop(board_id, None)


class RowTexts:
    """Rendered rows (markup or JSON text) of one board, by model key, for one state of
    what else a row shows (the arena column): a new state starts afresh, so a board that
    outlives many votes keeps the rows of the latest one only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: Hashable = None
        self._rows: dict[str, str] = {}

    def at(self, state: Hashable) -> dict[str, str]:
        with self._lock:
            if state != self._state:
                self._state, self._rows = state, {}
            return self._rows
