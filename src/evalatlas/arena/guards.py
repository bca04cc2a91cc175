"""Limits on starting battles: how many a voter and an address may start, and how many
are answered at once.

Answering a battle runs two models for tens of seconds, so starting one is the costly
request of the arena. ``BattleGuard`` admits a start only when

- the server has room: at most ``answering`` battles are answered at once and at most
  ``waiting`` more wait for a turn; beyond that a start is refused at once (``ArenaBusy``)
  rather than queued without end, with an estimate of when a turn frees up;
- neither its voter nor its client address has started its allowance within the last hour
  (``BattleLimited``, saying when the oldest start leaves the window).

Starts are counted in memory: a restart forgets them, which costs at most one more hour's
allowance, unlike votes, whose limits the store checks because they move the ratings.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from evalatlas.errors import ArenaBusy, BattleLimited, ConfigError

HOUR_S = 3600.0
FIRST_GUESS_S = 30.0  # how long a battle takes before one has been timed
_SMOOTHING = 0.3  # weight of the newest battle in the running duration
_SWEEP_EVERY = 1024  # forget idle keys after this many events

Clock = Callable[[], float]


@dataclass(frozen=True)
class BattleLimits:
    """Battles a voter (``per_hour``) and a client address (``client_per_hour``) may start
    in any hour (None: no limit), battles answered at once (``answering``) and waiting
    for a turn (``waiting``)."""

    per_hour: int | None = 20
    client_per_hour: int | None = 60
    answering: int = 2
    waiting: int = 4

    def __post_init__(self) -> None:
        if self.answering < 1 or self.waiting < 0:
            raise ConfigError("arena: at least one battle must be answered at a time")
        for limit in (self.per_hour, self.client_per_hour):
            if limit is not None and limit < 1:
                raise ConfigError("arena: a battle limit must be 1 or more (None: no limit)")


class WindowLimiter:
    """At most ``limit`` events per key in any ``window_s`` seconds (``limit`` None: no
    limit). Thread-safe; keys without recent events are forgotten."""

    def __init__(self, limit: int | None, window_s: float, clock: Clock = time.monotonic) -> None:
        self._limit, self._window_s, self._clock = limit, window_s, clock
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()
        self._since_sweep = 0

    @property
    def limit(self) -> int | None:
        return self._limit

    def wait_s(self, key: Hashable) -> int | None:
        """Whole seconds until ``key`` may have another event; None when it may now."""
        with self._lock:
            return self._wait_locked(key, self._clock())

    def take(self, key: Hashable) -> int | None:
        """Record an event of ``key`` when allowed (None); else the seconds to wait."""
        with self._lock:
            now = self._clock()
            wait = self._wait_locked(key, now)
            if wait is None:
                self._events.setdefault(key, deque()).append(now)
                self._sweep(now)
            return wait

    def give_back(self, key: Hashable) -> None:
        """Forget ``key``'s newest event (one taken for a start that did not happen)."""
        with self._lock:
            events = self._events.get(key)
            if events:
                events.pop()

    def _wait_locked(self, key: Hashable, now: float) -> int | None:
        if self._limit is None:
            return None
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self._window_s:
            events.popleft()
        if len(events) < self._limit:
            return None
        return max(1, math.ceil(events[-self._limit] + self._window_s - now))

    def _sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < _SWEEP_EVERY:
            return
        self._since_sweep = 0
        stale = [key for key, events in self._events.items() if events[-1] <= now - self._window_s]
        for key in stale:
            del self._events[key]


class BattleGuard:
    """Admits battle starts under ``BattleLimits`` (see the module's docstring)."""

    def __init__(self, limits: BattleLimits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self._voters = WindowLimiter(limits.per_hour, HOUR_S, clock)
        self._clients = WindowLimiter(limits.client_per_hour, HOUR_S, clock)
        self._turns = threading.Semaphore(limits.answering)
        self._lock = threading.Lock()
        self._admitted = 0
        self._typical_s = FIRST_GUESS_S

    @property
    def admitted(self) -> int:
        """Battles being answered or waiting for a turn."""
        with self._lock:
            return self._admitted

    @contextmanager
    def start(self, voter: str, client: str | None) -> Iterator[None]:
        """Hold a turn to answer one battle of ``voter`` from ``client``; raises
        ``ArenaBusy`` or ``BattleLimited`` (before any wait) when it may not start."""
        self._admit()
        try:
            self._count_start(voter, client)
            with self._turns:
                began = time.monotonic()
                yield
                self._time_battle(time.monotonic() - began)
        finally:
            with self._lock:
                self._admitted -= 1

    def _admit(self) -> None:
        limits = self.limits
        with self._lock:
            if self._admitted >= limits.answering + limits.waiting:
                # A turn frees when a running battle ends: about a battle's time over
                # the number answered at once.
                wait = max(1, min(600, math.ceil(self._typical_s / limits.answering)))
                raise ArenaBusy(
                    f"arena: busy: {limits.answering} battles are being answered and "
                    f"{limits.waiting} are waiting; retry in {wait} s",
                    retry_after_s=wait,
                )
            self._admitted += 1

    def _count_start(self, voter: str, client: str | None) -> None:
        wait = self._voters.take(voter)
        if wait is not None:
            raise _battle_limited("", self.limits.per_hour, wait)
        if client is None:
            return
        wait = self._clients.take(client)
        if wait is not None:
            self._voters.give_back(voter)
            raise _battle_limited("address ", self.limits.client_per_hour, wait)

    def _time_battle(self, seconds: float) -> None:
        with self._lock:
            self._typical_s += _SMOOTHING * (seconds - self._typical_s)


def _battle_limited(whose: str, limit: int | None, wait: int) -> BattleLimited:
    return BattleLimited(
        f"arena: {whose}limit of {limit} battles an hour reached; "
        f"you may start another in {wait} s",
        retry_after_s=wait,
    )
