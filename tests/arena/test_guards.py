"""Limits on starting battles: per voter and per address in any hour, and a bounded
number of battles answered and waiting at once (real threads, a controllable clock)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from evalatlas.arena import Arena, ArenaConfig, BattleGuard, BattleLimits, WindowLimiter
from evalatlas.errors import ArenaBusy, BattleLimited, ConfigError
from evalatlas.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_limiter_allows_its_limit_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = WindowLimiter(2, 60.0, clock)
    assert limiter.take("k") is None
    clock.now += 10
    assert limiter.take("k") is None
    assert limiter.take("k") == 50  # the first event leaves the window 50 s from now
    assert limiter.take("other") is None  # keys are independent
    clock.now += 50.5
    assert limiter.wait_s("k") is None and limiter.take("k") is None
    assert WindowLimiter(None, 60.0, clock).take("k") is None  # no limit


def test_starts_are_limited_per_voter_and_per_address() -> None:
    clock = Clock()
    guard = BattleGuard(BattleLimits(per_hour=2, client_per_hour=3), clock)
    for voter in ("ann", "ann"):
        with guard.start(voter, "a-home"):
            pass
    with (
        pytest.raises(BattleLimited, match="limit of 2 battles an hour") as voter_limited,
        guard.start("ann", "a-home"),
    ):
        pass
    assert voter_limited.value.retry_after_s == 3600
    with guard.start("bob", "a-home"):
        pass
    # The address has started its 3: a fresh voter from it is refused too...
    with (
        pytest.raises(BattleLimited, match="address limit of 3") as address_limited,
        guard.start("carol", "a-home"),
    ):
        pass
    assert address_limited.value.retry_after_s == 3600
    # ...without using up carol's own allowance, and another address is not held back.
    with guard.start("carol", "a-away"), guard.start("carol", "a-away2"):
        pass
    clock.now += 3600.5
    with guard.start("ann", "a-home"):
        pass
    assert guard.admitted == 0


def test_at_most_answering_battles_run_and_waiting_wait_then_busy() -> None:
    guard = BattleGuard(BattleLimits(per_hour=None, client_per_hour=None, answering=2, waiting=1))
    release = threading.Event()
    running, most = [0], [0]
    lock = threading.Lock()

    def battle(voter: str) -> None:
        with guard.start(voter, None):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            release.wait(10)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=battle, args=(f"v{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while guard.admitted < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert guard.admitted == 3
    busy_message = "2 battles are being answered and 1 are waiting"
    with pytest.raises(ArenaBusy, match=busy_message) as busy, guard.start("v9", None):
        pass
    assert busy.value.retry_after_s is not None and 1 <= busy.value.retry_after_s <= 600
    release.set()
    for thread in threads:
        thread.join(10)
    assert most[0] == 2 and guard.admitted == 0
    with guard.start("v9", None):  # room again
        pass


def test_bad_battle_limits_are_refused() -> None:
    with pytest.raises(ConfigError, match="at least one battle"):
        BattleLimits(answering=0)
    with pytest.raises(ConfigError, match="1 or more"):
        BattleLimits(per_hour=0)


def test_the_arena_counts_a_start_against_its_voter_and_address(tmp_path: Path) -> None:
    limits = BattleLimits(per_hour=1, client_per_hour=None)
    config = ArenaConfig(contestants=("m1", "m2"), battle_limits=limits, seed=0)
    with Store.open(tmp_path / "workspace") as store:
        arena = Arena(store, config, lambda model, prompt: f"{model} says hi")
        try:
            arena.start_battle("Hello?", voter="ann", client="a-home")
            with pytest.raises(BattleLimited):
                arena.start_battle("Hello again?", voter="ann", client="a-home")
            assert arena.records.counts().battles == 1
        finally:
            arena.close()
