"""Vote limits per client address, beside the voter's, in a real SQLite workspace: a new
voter per vote stays within its address's allowance, and a refusal says when to retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evalatlas.errors import VoteLimited
from evalatlas.store import Store, VoteLimits, VoteRequest, VoteResult

from .conftest import new_battle

NOON = datetime(2025, 5, 6, 12, 0, 0, tzinfo=UTC)
ADDRESS_ONLY = VoteLimits(per_minute=None, per_day=None, client_per_minute=3, client_per_day=5)


def _one(store: Store, request: VoteRequest, limits: VoteLimits, now: datetime) -> VoteResult:
    (result,) = store.arena().record_votes([request], limits, now=now)
    return result


def test_a_new_voter_per_vote_is_held_to_its_address_limit(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(6)])
    requests = [VoteRequest(f"b{i}", "A", f"made-up-{i}", client="a-one") for i in range(5)]
    results = records.record_votes(requests, ADDRESS_ONLY, now=NOON)
    assert [r.error is None for r in results] == [True, True, True, False, False]
    refused = results[3].error
    assert isinstance(refused, VoteLimited)
    assert "address voter limit of 3 votes a minute" in str(refused)
    assert refused.retry_after_s == 61 and "in 61 s" in str(refused)
    # Another address is not held back, and the stored votes carry their address key.
    other = _one(store, VoteRequest("b4", "A", "made-up-9", client="a-two"), ADDRESS_ONLY, NOON)
    assert other.error is None and other.vote is not None and other.vote.client == "a-two"


def test_retry_after_counts_from_the_oldest_vote_of_the_minute(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(5)])
    limits = VoteLimits(per_minute=2, per_day=None, client_per_minute=None, client_per_day=None)
    _one(store, VoteRequest("b0", "A", "carol"), limits, NOON)
    _one(store, VoteRequest("b1", "A", "carol"), limits, NOON + timedelta(seconds=20))
    limited = _one(store, VoteRequest("b2", "A", "carol"), limits, NOON + timedelta(seconds=45))
    assert isinstance(limited.error, VoteLimited) and limited.error.retry_after_s == 16
    # A vote exactly 60 seconds old still counts; just after, the window has room again.
    still = _one(store, VoteRequest("b2", "A", "carol"), limits, NOON + timedelta(seconds=60))
    assert isinstance(still.error, VoteLimited) and still.error.retry_after_s == 1
    allowed = _one(store, VoteRequest("b2", "A", "carol"), limits, NOON + timedelta(seconds=61))
    assert allowed.error is None


def test_the_address_daily_cap_says_when_the_utc_day_ends(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(7)])
    evening = datetime(2025, 5, 6, 23, 0, tzinfo=UTC)
    for index in range(5):
        moment = evening + timedelta(minutes=index)
        request = VoteRequest(f"b{index}", "B", f"voter-{index}", client="a-one")
        assert _one(store, request, ADDRESS_ONLY, moment).error is None
    late = evening + timedelta(minutes=30)
    capped = _one(store, VoteRequest("b5", "B", "voter-5", client="a-one"), ADDRESS_ONLY, late)
    assert isinstance(capped.error, VoteLimited) and "5 votes a day" in str(capped.error)
    assert capped.error.retry_after_s == 30 * 60
    tomorrow = evening + timedelta(hours=1, minutes=1)
    request = VoteRequest("b5", "B", "voter-5", client="a-one")
    assert _one(store, request, ADDRESS_ONLY, tomorrow).error is None


def test_votes_without_a_client_meet_only_the_voter_limits(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(4)])
    strict_address = VoteLimits(per_minute=None, per_day=None, client_per_minute=1)
    requests = [VoteRequest(f"b{i}", "A", f"judge-{i}") for i in range(4)]
    results = records.record_votes(requests, strict_address, now=NOON)
    assert all(result.error is None for result in results)
