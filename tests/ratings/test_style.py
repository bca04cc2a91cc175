from __future__ import annotations

import math

import numpy as np
import pytest

from evalatlas.errors import ConfigError
from evalatlas.ratings import (
    STYLE_FEATURES,
    BattleTable,
    fit_bradley_terry,
    rate_battles,
)
from evalatlas.ratings.battles import BattleRecord
from evalatlas.ratings.likelihood import BattleLikelihood
from evalatlas.ratings.solver import lbfgs_fit
from evalatlas.ratings.style import normalised_differences, standardised, style_features

from .synthetic import LENGTH_EFFECT, STYLE_LOGITS, draw_battles, draw_style_battles

POINTS_PER_LOGIT = 400 / math.log(10)


def test_normalised_difference_and_standardising_by_hand() -> None:
    a = np.array([[3.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    b = np.array([[1.0, 0.0], [1.0, 0.0], [6.0, 0.0]])
    difference = normalised_differences(a, b)
    # (3-1)/4, (1-1)/2, (2-6)/8; both counts 0 gives 0.
    np.testing.assert_allclose(difference, [[0.5, 0.0], [0.0, 0.0], [-0.5, 0.0]])
    z = standardised(difference)
    spread = math.sqrt((0.25 + 0.25) / 3)  # population sd of (0.5, 0, -0.5)
    np.testing.assert_allclose(z[:, 0], [0.5 / spread, 0.0, -0.5 / spread])
    np.testing.assert_array_equal(z[:, 1], 0.0)  # a constant column stays 0


def test_style_counts_from_records_by_position_or_name() -> None:
    records: list[BattleRecord] = [("x", "y", "A"), ("y", "x", "B", "code")]
    by_position = BattleTable.from_records(
        records, style=[((10, 1, 0, 2), (5, 0, 0, 0)), ((7, 0, 3, 0), (8, 1, 1, 1))]
    )
    by_name = BattleTable.from_records(
        records,
        style=[
            (dict(zip(STYLE_FEATURES, (10, 1, 0, 2), strict=True)), (5, 0, 0, 0)),
            ((7, 0, 3, 0), {"bold": 1, "lists": 1, "headers": 1, "length": 8}),
        ],
    )
    for table in (by_position, by_name):
        assert table.style_names == STYLE_FEATURES
        assert table.style_a is not None and table.style_b is not None
        np.testing.assert_array_equal(table.style_a, [[10, 1, 0, 2], [7, 0, 3, 0]])
        np.testing.assert_array_equal(table.style_b, [[5, 0, 0, 0], [8, 1, 1, 1]])
    coded = by_position.for_category("code")
    assert coded.style_a is not None and coded.style_a.tolist() == [[7, 0, 3, 0]]
    both_bad_free = by_position.without_both_bad()
    assert both_bad_free.style_b is not None and both_bad_free.style_b.shape == (2, 4)


@pytest.mark.parametrize(
    ("style_a", "style_b", "message"),
    [
        (np.ones((3, 4)), np.ones((2, 4)), r"style_a has shape \(3, 4\), expected \(2, 4\)"),
        (np.ones((2, 3)), np.ones((2, 4)), r"style_a has shape \(2, 3\), expected \(2, 4\)"),
        (np.ones((2, 4)), np.ones(8), r"style_b has shape \(8,\)"),
        (-np.ones((2, 4)), np.ones((2, 4)), "finite, non-negative"),
        (np.ones((2, 4)), np.full((2, 4), np.nan), "finite, non-negative"),
        (np.ones((2, 4)), np.full((2, 4), np.inf), "finite, non-negative"),
        ([["a"] * 4] * 2, np.ones((2, 4)), "must hold numbers"),
    ],
)
def test_bad_style_arrays_are_config_errors(style_a: object, style_b: object, message: str) -> None:
    table = BattleTable.from_records([("x", "y", "A"), ("y", "x", "TIE")])
    with pytest.raises(ConfigError, match=message):
        table.with_style(STYLE_FEATURES, style_a, style_b)  # type: ignore[arg-type]


def test_bad_style_names_and_counts_are_config_errors() -> None:
    table = BattleTable.from_records([("x", "y", "A")])
    with pytest.raises(ConfigError, match="distinct non-empty names"):
        table.with_style(("length", "length"), np.ones((1, 2)), np.ones((1, 2)))
    with pytest.raises(ConfigError, match="distinct non-empty names"):
        table.with_style((), np.ones((1, 0)), np.ones((1, 0)))
    with pytest.raises(ConfigError, match="style has 2 entries for 1 battles"):
        BattleTable.from_records([("x", "y", "A")], style=[((1,), (1,)), ((1,), (1,))])
    with pytest.raises(ConfigError, match="style counts have 3 values for 4 style names"):
        BattleTable.from_records([("x", "y", "A")], style=[((1, 0, 0), (1, 0, 0, 0))])
    with pytest.raises(ConfigError, match="style counts lack 'bold'"):
        BattleTable.from_records(
            [("x", "y", "A")], style=[({"length": 1, "headers": 0, "lists": 0}, (1, 0, 0, 0))]
        )
    with pytest.raises(ConfigError) as raised:
        table.with_style(("n",), [[-1]], [[1]])
    assert "\n" not in str(raised.value)


def test_style_control_needs_style_counts() -> None:
    with pytest.raises(ConfigError, match="battles carry no style features; "):
        rate_battles(draw_battles(200, seed=1), seed=0, n_rounds=5, style_control=True)


def test_style_control_recovers_a_planted_length_effect() -> None:
    battles = draw_style_battles(20000, seed=3)
    truth = (STYLE_LOGITS - STYLE_LOGITS.mean()) * POINTS_PER_LOGIT + 1000
    plain = fit_bradley_terry(battles)
    controlled = rate_battles(battles, seed=0, n_rounds=100, style_control=True)
    scores = np.array([controlled.rating(name).score for name in battles.models])
    # Without control the long-winded weak models gain; with it they fall back into place.
    assert np.abs(scores - truth).max() < 25
    assert np.abs(plain - truth).max() > 3 * np.abs(scores - truth).max()
    assert np.argsort(scores).tolist() == list(range(len(battles.models)))
    assert controlled.method == "bootstrap"
    coefficients = {c.name: c for c in controlled.style_coefficients}
    assert list(coefficients) == list(STYLE_FEATURES)
    length = coefficients["length"]
    assert length.ci_low > 0 and length.ci_low <= LENGTH_EFFECT <= length.ci_high
    headers = coefficients["headers"]  # drawn independently of the outcome
    assert headers.ci_low < 0 < headers.ci_high
    # Features that never vary carry no information: coefficient 0, point interval.
    assert coefficients["lists"].value == coefficients["lists"].ci_high == 0


def test_style_bootstrap_rounds_are_exact_fits() -> None:
    battles = draw_style_battles(800, seed=5)
    likelihood = BattleLikelihood.from_battles(battles, style_control=True)
    fitted = likelihood.fit(1e-6)
    samples = likelihood.bootstrap(fitted, 6, seed=9, l2=1e-6)
    counts = likelihood.bootstrap_counts(6, seed=9)
    for round_counts, sample in zip(counts, samples, strict=True):
        weights = likelihood.fit_weights(round_counts[:, None])
        reference = lbfgs_fit(likelihood.fit_rows, weights, np.zeros(fitted.shape[0]), 1e-6)
        np.testing.assert_allclose(sample, reference, atol=1e-6)


def test_style_rows_merge_a_battle_with_its_mirror_image() -> None:
    short_long, long_short, even = (
        ((10, 0, 0, 0), (30, 0, 0, 0)),
        ((30, 0, 0, 0), (10, 0, 0, 0)),
        ((20, 0, 0, 0), (20, 0, 0, 0)),
    )
    table = BattleTable.from_records(
        [("x", "y", "A"), ("y", "x", "B"), ("x", "y", "B")], style=[short_long, long_short, even]
    )
    # Normalised differences -0.5, 0.5, 0 (mean 0): the first two are one battle seen from
    # both sides (x wins with the shorter answer); the third has another result and style.
    np.testing.assert_allclose(style_features(table)[:, 0], [-math.sqrt(1.5), math.sqrt(1.5), 0])
    likelihood = BattleLikelihood.from_battles(table, style_control=True)
    assert sorted(likelihood.count.tolist()) == [1.0, 2.0]


def test_sandwich_works_with_style_control() -> None:
    battles = draw_style_battles(6000, seed=8)
    boot = rate_battles(battles, seed=0, n_rounds=300, style_control=True)
    sandwich = rate_battles(battles, seed=0, n_rounds=300, style_control=True, method="sandwich")
    assert sandwich.method == "sandwich"
    for mine, theirs in zip(sandwich.style_coefficients, boot.style_coefficients, strict=True):
        assert mine.value == pytest.approx(theirs.value)
        width, reference = mine.ci_high - mine.ci_low, theirs.ci_high - theirs.ci_low
        if reference > 0:
            assert width == pytest.approx(reference, rel=0.25)
    for rating in sandwich.ratings:
        other = boot.rating(rating.model)
        assert rating.ci_high - rating.ci_low == pytest.approx(
            other.ci_high - other.ci_low, rel=0.25
        )
