"""Which two contestants battle: uniform covers every pair alike, uncertain favours close
pairs, and the A/B order is random."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from evalatlas.arena import PairingMode, choose_pair, pair_weights
from evalatlas.arena.pairing import WEIGHT_FLOOR
from evalatlas.errors import ArenaError
from evalatlas.ratings import Rating, RatingTable

MODELS = ("m1", "m2", "m3", "m4")


def _rating(model: str, score: float, half_width: float, rank: int) -> Rating:
    return Rating(model, score, score - half_width, score + half_width, rank, rank, rank, rank, 100)


def _table(*ratings: Rating) -> RatingTable:
    return RatingTable(ratings=ratings, confidence=0.95, n_rounds=100)


def test_uniform_covers_every_pair_about_equally() -> None:
    rng = np.random.default_rng(3)
    draws = 6_000
    counts = Counter(frozenset(choose_pair(MODELS, rng)) for _ in range(draws))
    assert set(counts) == {frozenset(p) for p in itertools.combinations(MODELS, 2)}
    expected = draws / 6
    # Binomial sd is about 29: every pair within 5 sd of its share.
    assert all(abs(count - expected) < 150 for count in counts.values()), counts


def test_positions_a_and_b_are_random() -> None:
    rng = np.random.default_rng(5)
    firsts = Counter(choose_pair(("x", "y"), rng)[0] for _ in range(4_000))
    assert abs(firsts["x"] - 2_000) < 200


def test_the_same_seed_gives_the_same_pairs() -> None:
    first = [choose_pair(MODELS, np.random.default_rng(9)) for _ in range(3)]
    again = [choose_pair(MODELS, np.random.default_rng(9)) for _ in range(3)]
    assert first == again


def test_uncertain_favours_close_pairs() -> None:
    table = _table(
        _rating("m1", 1200.0, 20.0, 1),
        _rating("m2", 1190.0, 20.0, 1),
        _rating("m3", 900.0, 20.0, 3),
        _rating("m4", 700.0, 20.0, 4),
    )
    pairs, weights = pair_weights(MODELS, table)
    by_pair = dict(zip(pairs, weights, strict=True))
    assert by_pair[("m1", "m2")] > 0.4  # overlapping intervals: still open
    assert by_pair[("m1", "m4")] == WEIGHT_FLOOR  # far apart: rarely paired, never never
    rng = np.random.default_rng(1)
    counts = Counter(
        frozenset(choose_pair(MODELS, rng, PairingMode.UNCERTAIN, table)) for _ in range(3_000)
    )
    assert counts.most_common(1)[0][0] == frozenset(("m1", "m2"))
    assert counts[frozenset(("m1", "m2"))] > 0.6 * 3_000
    assert counts[frozenset(("m1", "m4"))] > 0  # the floor keeps every pair possible


def test_a_model_without_ratings_is_always_worth_pairing() -> None:
    table = _table(_rating("m1", 1200.0, 5.0, 1), _rating("m2", 800.0, 5.0, 2))
    pairs, weights = pair_weights(("m1", "m2", "new"), table)
    by_pair = dict(zip(pairs, weights, strict=True))
    assert by_pair[("m1", "new")] == by_pair[("m2", "new")] == 1.0
    assert by_pair[("m1", "m2")] == WEIGHT_FLOOR


def test_uniform_ignores_ratings() -> None:
    table = _table(_rating("m1", 1200.0, 5.0, 1), _rating("m2", 800.0, 5.0, 2))
    rng = np.random.default_rng(0)
    counts = Counter(
        frozenset(choose_pair(("m1", "m2", "m3"), rng, PairingMode.UNIFORM, table))
        for _ in range(3_000)
    )
    assert all(abs(count - 1_000) < 150 for count in counts.values())


def test_fewer_than_two_contestants_is_an_error() -> None:
    with pytest.raises(ArenaError, match="at least two contestants, got 1"):
        choose_pair(("m1", "m1"), np.random.default_rng(0))
