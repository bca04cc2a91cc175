"""The one vote writer under concurrent submissions from many threads."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

from evalatlas.arena import VoteWriter
from evalatlas.errors import AtlasError, BattleDecided
from evalatlas.store import Store, VoteLimits, VoteRequest, VoteResult

from .conftest import new_battle

NO_LIMITS = VoteLimits(per_minute=None, per_day=None)
THREADS = 16
PER_THREAD = 25


def test_concurrent_votes_are_each_recorded_once(store: Store) -> None:
    records = store.arena()
    battles = [f"b{i}" for i in range(THREADS * PER_THREAD)]
    records.add_battles([new_battle(b) for b in battles])
    writer = VoteWriter(records, max_batch=32)
    futures: dict[tuple[int, int], Future[VoteResult]] = {}
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def vote_from(thread: int) -> None:
        start.wait()
        for k in range(PER_THREAD):
            battle = battles[thread * PER_THREAD + k]
            future = writer.submit(VoteRequest(battle, "AB"[k % 2], f"voter{thread}"), NO_LIMITS)
            with lock:
                futures[(thread, k)] = future

    workers = [threading.Thread(target=vote_from, args=(t,)) for t in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results = {key: future.result(timeout=30) for key, future in futures.items()}
    writer.close()
    assert len(results) == THREADS * PER_THREAD
    assert all(result.error is None and not result.repeated for result in results.values())
    stored = {b.battle_id: b for b in records.decided_battles()}
    assert len(stored) == len(battles)
    for (thread, k), result in results.items():
        assert result.vote is not None
        battle = stored[result.vote.battle_id]
        assert battle.battle_id == battles[thread * PER_THREAD + k]
        assert (battle.outcome, battle.voter) == ("AB"[k % 2], f"voter{thread}")
    assert len({result.vote.id for result in results.values() if result.vote}) == len(battles)


def test_racing_votes_on_one_battle_store_one(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle("contested")])
    writer = VoteWriter(records)
    start = threading.Barrier(THREADS)
    results: list[VoteResult] = []
    lock = threading.Lock()

    def race(thread: int) -> None:
        start.wait()
        # Half the threads send the same vote as the same voter, half a different outcome.
        outcome = "A" if thread % 2 == 0 else "B"
        result = writer.submit(VoteRequest("contested", outcome, "same"), NO_LIMITS).result(30)
        with lock:
            results.append(result)

    workers = [threading.Thread(target=race, args=(t,)) for t in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    writer.close()
    (stored,) = records.decided_battles()
    winners = [r for r in results if r.error is None]
    assert sum(not r.repeated for r in winners) == 1
    assert all(r.vote is not None and r.vote.outcome == stored.outcome for r in winners)
    refused = [r for r in results if r.error is not None]
    assert len(winners) == len(refused) == THREADS // 2
    assert all(isinstance(r.error, BattleDecided) for r in refused)


def test_votes_wait_for_close_and_a_closed_writer_refuses(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(50)])
    writer = VoteWriter(records)
    futures = [writer.submit(VoteRequest(f"b{i}", "TIE", "v"), NO_LIMITS) for i in range(50)]
    writer.close()
    assert all(future.done() for future in futures)
    assert records.counts().votes == 50
    late = writer.submit(VoteRequest("b0", "TIE", "v"), NO_LIMITS)
    with pytest.raises(AtlasError, match="writer is closed"):
        late.result(timeout=1)


def test_the_limits_of_each_request_apply(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(4)])
    writer = VoteWriter(records)
    capped = VoteLimits(per_minute=2, per_day=None)
    futures = [writer.submit(VoteRequest(f"b{i}", "A", "fast"), capped) for i in range(3)]
    unlimited = writer.submit(VoteRequest("b3", "A", "fast"), NO_LIMITS)
    writer.close()
    assert [f.result().error is None for f in futures] == [True, True, False]
    assert unlimited.result().error is None
