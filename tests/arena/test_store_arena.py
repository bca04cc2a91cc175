"""Battles and votes in a real SQLite workspace: one vote per battle, repeats, refusals,
voter limits, and which votes count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evalatlas.errors import BattleDecided, UnknownBattle, VoteLimited
from evalatlas.store import Store, VoteLimits, VoteRequest, VoteResult, VoteSource

from .conftest import new_battle

NO_LIMITS = VoteLimits(per_minute=None, per_day=None)
NOON = datetime(2025, 5, 6, 12, 0, 0, tzinfo=UTC)


def _one(store: Store, request: VoteRequest, limits: VoteLimits, now: datetime) -> VoteResult:
    (result,) = store.arena().record_votes([request], limits, now=now)
    return result


def test_battles_and_votes_round_trip(store: Store) -> None:
    records = store.arena()
    battle = new_battle("b1", category="coding")
    assert records.add_battles([battle]) == (1, 0)
    (result,) = records.record_votes([VoteRequest("b1", "TIE", "carol")], NO_LIMITS, now=NOON)
    assert result.error is None and not result.repeated
    stored = records.get_battle("b1")
    assert stored.model_dump(exclude={"created_at", "vote"}) == battle.model_dump()
    assert stored.vote is not None
    assert (stored.vote.outcome, stored.vote.voter, stored.vote.source) == ("TIE", "carol", "human")
    assert stored.vote.created_at == NOON and stored.vote.excluded_reason is None
    (decided,) = records.decided_battles()
    assert (decided.battle_id, decided.model_a, decided.model_b, decided.outcome) == (
        "b1",
        "alpha",
        "beta",
        "TIE",
    )
    assert decided.category == "coding" and decided.style_b == battle.style_b
    assert records.categories() == ["coding"]
    counts = records.counts()
    assert (counts.battles, counts.votes, counts.counted_votes, counts.voters) == (1, 1, 1, 1)


def test_one_vote_per_battle_a_repeat_returns_it_a_different_one_is_refused(
    store: Store,
) -> None:
    records = store.arena()
    records.add_battles([new_battle("b1")])
    first, again, other_outcome, other_voter = records.record_votes(
        [
            VoteRequest("b1", "A", "carol"),
            VoteRequest("b1", "A", "carol"),
            VoteRequest("b1", "B", "carol"),
            VoteRequest("b1", "A", "dave"),
        ],
        NO_LIMITS,
    )
    assert first.vote is not None and not first.repeated
    assert again.repeated and again.vote == first.vote and again.error is None
    assert isinstance(other_outcome.error, BattleDecided) and other_outcome.vote is None
    assert isinstance(other_voter.error, BattleDecided)
    # A later batch sees the same stored vote.
    (later,) = records.record_votes([VoteRequest("b1", "A", "carol")], NO_LIMITS)
    assert later.repeated and later.vote == first.vote
    assert records.counts().votes == 1


def test_unknown_battle_and_bad_outcome_are_refused(store: Store) -> None:
    records = store.arena()
    unknown, bad = records.record_votes(
        [VoteRequest("nope", "A", "carol"), VoteRequest("nope", "C", "carol")], NO_LIMITS
    )
    assert isinstance(unknown.error, UnknownBattle) and "'nope'" in str(unknown.error)
    assert bad.error is not None and "'C'" in str(bad.error)
    with pytest.raises(UnknownBattle, match="no battle has id 'nope'"):
        records.get_battle("nope")
    assert records.counts().votes == 0


def test_rate_limit_per_minute(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(5)])
    limits = VoteLimits(per_minute=2, per_day=None)
    times = [NOON, NOON + timedelta(seconds=10), NOON + timedelta(seconds=59)]
    results = [
        _one(store, VoteRequest(f"b{i}", "A", "carol"), limits, t) for i, t in enumerate(times)
    ]
    assert [r.error is None for r in results] == [True, True, False]
    assert isinstance(results[2].error, VoteLimited) and "2 votes a minute" in str(results[2].error)
    # Another voter is not held back by carol's votes.
    assert _one(store, VoteRequest("b2", "A", "dave"), limits, times[2]).error is None
    # Once the first vote is more than 60 seconds old, carol may vote again.
    later = _one(store, VoteRequest("b3", "B", "carol"), limits, NOON + timedelta(seconds=61))
    assert later.error is None


def test_daily_cap_resets_at_utc_midnight(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle(f"b{i}") for i in range(4)])
    limits = VoteLimits(per_minute=None, per_day=2)
    evening = datetime(2025, 5, 6, 22, 0, tzinfo=UTC)
    assert _one(store, VoteRequest("b0", "A", "carol"), limits, evening).error is None
    hour = timedelta(hours=1)
    assert _one(store, VoteRequest("b1", "A", "carol"), limits, evening + hour / 2).error is None
    capped = _one(store, VoteRequest("b2", "A", "carol"), limits, evening + hour * 1.5)
    assert isinstance(capped.error, VoteLimited) and "2 votes a day" in str(capped.error)
    next_day = _one(store, VoteRequest("b2", "A", "carol"), limits, evening + hour * 2.5)
    assert next_day.error is None


def test_a_refused_vote_does_not_use_up_the_limit(store: Store) -> None:
    records = store.arena()
    records.add_battles([new_battle("b0"), new_battle("b1")])
    limits = VoteLimits(per_minute=1, per_day=None)
    records.record_votes([VoteRequest("b0", "A", "carol")], limits, now=NOON)
    # A repeat of the stored vote is answered even when the voter is at the limit.
    (repeat,) = records.record_votes([VoteRequest("b0", "A", "carol")], limits, now=NOON)
    assert repeat.repeated and repeat.error is None
    (limited,) = records.record_votes([VoteRequest("b1", "A", "carol")], limits, now=NOON)
    assert isinstance(limited.error, VoteLimited)
    assert records.counts().votes == 1


def test_votes_on_a_battle_that_revealed_a_model_are_kept_but_not_counted(store: Store) -> None:
    records = store.arena()
    records.add_battles(
        [new_battle("blind"), new_battle("leaky", leak="answer A mentions 'Gemma'")]
    )
    records.record_votes(
        [VoteRequest("blind", "A", "carol"), VoteRequest("leaky", "B", "carol")], NO_LIMITS
    )
    vote = records.get_battle("leaky").vote
    assert (
        vote is not None and vote.excluded_reason == "identity revealed: answer A mentions 'Gemma'"
    )
    assert [b.battle_id for b in records.decided_battles()] == ["blind"]
    everything = records.decided_battles(include_excluded=True)
    assert [b.battle_id for b in everything] == ["blind", "leaky"]
    counts = records.counts()
    assert (counts.votes, counts.counted_votes) == (2, 1)


def test_add_battles_skips_stored_ids_with_their_votes(store: Store) -> None:
    records = store.arena()
    first = [new_battle("b1"), new_battle("b2")]
    votes = [
        VoteRequest("b1", "A", "import:log", VoteSource.HUMAN),
        VoteRequest("b2", "BOTH_BAD", "import:log", VoteSource.HUMAN),
    ]
    assert records.add_battles(first, votes) == (2, 0)
    again = [*first, new_battle("b3", "beta", "gamma")]
    changed_votes = [
        VoteRequest("b1", "B", "someone-else"),
        VoteRequest("b3", "B", "import:log", VoteSource.JUDGE),
    ]
    assert records.add_battles(again, changed_votes) == (1, 2)
    outcomes = {b.battle_id: (b.outcome, b.voter, b.source) for b in records.decided_battles()}
    assert outcomes == {
        "b1": ("A", "import:log", "human"),
        "b2": ("BOTH_BAD", "import:log", "human"),
        "b3": ("B", "import:log", "judge"),
    }


def test_category_filter_and_state(store: Store) -> None:
    records = store.arena()
    assert records.state() == (0, 0)
    records.add_battles(
        [new_battle("c1", category="coding"), new_battle("m1", category="math"), new_battle("x")]
    )
    records.record_votes(
        [VoteRequest(b, "A", "carol") for b in ("c1", "m1", "x")], NO_LIMITS, now=NOON
    )
    assert [b.battle_id for b in records.decided_battles(category="math")] == ["m1"]
    assert records.categories() == ["coding", "math"]
    count, newest = records.state()
    assert count == 3 and newest > 0
