from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from evalatlas.errors import ConfigError, DataError
from evalatlas.scoring.stats import (
    bootstrap_ci,
    bootstrap_replicates,
    discordant_counts,
    mcnemar,
    mean_metric,
    paired_difference,
    ratio_metric,
)


def test_binary_scores_get_a_wilson_interval() -> None:
    result = mean_metric([1.0] * 50 + [0.0] * 50)
    assert result.value == 0.5
    assert result.n == 100
    assert result.n_unscored == 0
    assert (result.ci_low, result.ci_high) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert result.stderr == pytest.approx(np.std([1.0] * 50 + [0.0] * 50, ddof=1) / 10.0)


def test_all_correct_binary_interval_stays_inside_zero_one() -> None:
    result = mean_metric([1.0] * 10)
    assert result.value == 1.0
    assert result.stderr == 0.0
    assert result.ci_high == 1.0
    assert result.ci_low == pytest.approx(0.7225, abs=1e-4)


def test_continuous_scores_get_a_t_interval_like_scipy() -> None:
    values = [0.12, 0.55, 0.91, 0.33, 0.47, 0.68, 0.05, 0.77]
    result = mean_metric(values, confidence=0.9)
    assert result.value == pytest.approx(np.mean(values))
    assert result.stderr == pytest.approx(stats.sem(values))
    expected = stats.t.interval(0.9, df=7, loc=np.mean(values), scale=stats.sem(values))
    assert (result.ci_low, result.ci_high) == pytest.approx(expected)


def test_nan_values_are_counted_as_unscored_not_dropped_silently() -> None:
    result = mean_metric([1.0, 0.0, math.nan, 1.0, math.nan])
    assert result.value == pytest.approx(2.0 / 3.0)
    assert result.n == 3
    assert result.n_unscored == 2
    low, high = (result.ci_low, result.ci_high)
    expected = stats.binomtest(2, 3).proportion_ci(0.95, method="wilson")
    assert (low, high) == pytest.approx((expected.low, expected.high))


def test_nothing_scored_gives_nan_with_the_count() -> None:
    result = mean_metric([math.nan, math.nan])
    assert math.isnan(result.value)
    assert math.isnan(result.ci_low) and math.isnan(result.ci_high)
    assert (result.n, result.n_unscored) == (0, 2)
    empty = mean_metric([])
    assert math.isnan(empty.value)
    assert (empty.n, empty.n_unscored) == (0, 0)


def test_single_value() -> None:
    binary = mean_metric([1.0])
    assert (binary.value, binary.stderr, binary.n) == (1.0, 0.0, 1)
    assert binary.ci_low == pytest.approx(0.2065, abs=1e-4)
    continuous = mean_metric([0.4])
    assert (continuous.value, continuous.stderr) == (0.4, 0.0)
    assert math.isnan(continuous.ci_low) and math.isnan(continuous.ci_high)


def test_bad_confidence_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        mean_metric([1.0, 0.0], confidence=95)


def test_bootstrap_is_reproducible_with_the_same_seed() -> None:
    values = np.random.default_rng(0).normal(size=200).tolist()
    first = bootstrap_ci(values, np.mean, np.random.default_rng(42))
    second = bootstrap_ci(values, np.mean, np.random.default_rng(42))
    other = bootstrap_ci(values, np.mean, np.random.default_rng(43))
    assert first == second
    assert first != other


def test_bootstrap_interval_of_a_mean_is_close_to_the_t_interval() -> None:
    values = np.random.default_rng(1).normal(loc=3.0, scale=2.0, size=400)
    low, high = bootstrap_ci(values.tolist(), np.mean, np.random.default_rng(5), n_boot=2000)
    t_low, t_high = stats.t.interval(0.95, df=399, loc=values.mean(), scale=stats.sem(values))
    assert low == pytest.approx(t_low, abs=0.05)
    assert high == pytest.approx(t_high, abs=0.05)
    assert low < values.mean() < high


def test_bootstrap_with_a_custom_statistic_and_edge_cases() -> None:
    low, high = bootstrap_ci([5.0] * 30, np.median, np.random.default_rng(0), n_boot=50)
    assert (low, high) == (5.0, 5.0)
    assert all(math.isnan(b) for b in bootstrap_ci([], np.mean, np.random.default_rng(0)))
    with pytest.raises(ConfigError, match="n_boot"):
        bootstrap_ci([1.0], np.mean, np.random.default_rng(0), n_boot=0)


def test_bootstrap_replicates_shape_for_vector_statistics() -> None:
    data = np.arange(10.0)
    replicates = bootstrap_replicates(
        10, lambda idx: np.array([data[idx].min(), data[idx].max()]), np.random.default_rng(0), 7
    )
    assert replicates.shape == (7, 2)
    assert np.all(replicates[:, 0] <= replicates[:, 1])


def test_paired_difference_of_a_constant_shift_is_exact() -> None:
    rng = np.random.default_rng(0)
    b = rng.uniform(size=50)
    diff, low, high = paired_difference((b + 0.1).tolist(), b.tolist(), rng)
    assert diff == pytest.approx(0.1)
    assert (low, high) == pytest.approx((0.1, 0.1))


def test_paired_interval_is_narrower_than_unpaired_for_correlated_systems() -> None:
    rng = np.random.default_rng(2)
    difficulty = rng.uniform(size=300)
    a = (difficulty + 0.05 + rng.normal(scale=0.02, size=300)).tolist()
    b = (difficulty + rng.normal(scale=0.02, size=300)).tolist()
    diff, low, high = paired_difference(a, b, np.random.default_rng(9))
    assert low < diff < high
    assert low > 0.0  # the pairing makes a 0.05 gain clearly visible
    a_ci, b_ci = mean_metric(a), mean_metric(b)
    assert a_ci.ci_low < b_ci.ci_high  # unpaired intervals overlap


def test_paired_difference_skips_pairs_with_an_unscored_side() -> None:
    diff, _, _ = paired_difference(
        [1.0, math.nan, 0.0, 1.0], [0.0, 1.0, math.nan, 1.0], np.random.default_rng(0)
    )
    assert diff == pytest.approx(0.5)  # pairs (1, 0) and (1, 1)
    assert all(
        math.isnan(x) for x in paired_difference([math.nan], [1.0], np.random.default_rng(0))
    )
    with pytest.raises(DataError, match="same samples"):
        paired_difference([1.0, 0.0], [1.0], np.random.default_rng(0))


def table(only_a: int, only_b: int, both: int = 5, neither: int = 3) -> tuple[list[float], ...]:
    a = [1.0] * only_a + [0.0] * only_b + [1.0] * both + [0.0] * neither
    b = [0.0] * only_a + [1.0] * only_b + [1.0] * both + [0.0] * neither
    return a, b


@pytest.mark.parametrize(
    ("only_a", "only_b", "p_value"),
    [
        (10, 2, 158 / 4096),  # 2 * P(X <= 2), X ~ Bin(12, 1/2)
        (2, 10, 158 / 4096),
        (5, 0, 2 / 32),
        (1, 0, 1.0),
        (4, 4, 1.0),
        (0, 0, 1.0),
        (7, 3, 2 * (1 + 10 + 45 + 120) / 1024),
    ],
)
def test_mcnemar_exact_p_values(only_a: int, only_b: int, p_value: float) -> None:
    a, b = table(only_a, only_b)
    assert discordant_counts(a, b) == (only_a, only_b)
    assert mcnemar(a, b) == pytest.approx(p_value, rel=1e-9)


def test_mcnemar_uses_only_pairs_scored_on_both_sides() -> None:
    a, b = table(10, 2)
    assert mcnemar([*a, math.nan, 1.0], [*b, 0.0, math.nan]) == pytest.approx(158 / 4096)


def test_mcnemar_rejects_non_binary_scores() -> None:
    with pytest.raises(DataError, match="0/1 scores"):
        mcnemar([0.5, 1.0], [1.0, 0.0])


def _clustered_counts(seed: int, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Units of 1-3 items sharing one success probability, as IFEval's instructions share
    one response: items of a unit mostly pass or fail together."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 4, size=n_units).astype(np.float64)
    abilities = rng.beta(0.3, 0.2, size=n_units)
    followed = rng.binomial(sizes.astype(np.int64), abilities).astype(np.float64)
    return followed, sizes


def test_ratio_metric_pools_items_over_units() -> None:
    # One unit 1 of 1, another 0 of 3: a quarter of the items, not the mean of 1.0 and 0.0.
    result = ratio_metric([1.0, 0.0], [1.0, 3.0], np.random.default_rng(0))
    assert result.value == 0.25
    assert result.n == 2


def test_ratio_metric_with_one_item_per_unit_has_the_mean_stderr() -> None:
    values = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    ratio = ratio_metric(values, [1.0] * len(values), np.random.default_rng(0))
    mean = mean_metric(values)
    assert ratio.value == pytest.approx(mean.value)
    assert ratio.stderr == pytest.approx(mean.stderr)


def test_ratio_metric_matches_a_brute_force_cluster_bootstrap() -> None:
    followed, sizes = _clustered_counts(seed=7, n_units=300)
    result = ratio_metric(followed, sizes, np.random.default_rng(5), n_boot=4000)
    brute_rng = np.random.default_rng(99)
    replicates = []
    for _ in range(4000):
        picked = brute_rng.integers(0, 300, size=300)
        replicates.append(followed[picked].sum() / sizes[picked].sum())
    assert result.value == followed.sum() / sizes.sum()
    # The delta-method standard error agrees with the bootstrap's spread ...
    assert result.stderr == pytest.approx(np.std(replicates, ddof=1), rel=0.08)
    # ... and so does the interval, drawn with another seed.
    low, high = np.percentile(replicates, [2.5, 97.5])
    assert result.ci_low == pytest.approx(low, abs=0.01)
    assert result.ci_high == pytest.approx(high, abs=0.01)
    # Items of a unit are not independent: treating them as such understates the error.
    items = sizes.sum()
    naive = math.sqrt(result.value * (1.0 - result.value) / items)
    assert result.stderr > 1.15 * naive


def test_ratio_metric_interval_resamples_whole_units_with_the_given_generator() -> None:
    followed, sizes = _clustered_counts(seed=3, n_units=40)
    result = ratio_metric(followed, sizes, np.random.default_rng(21), n_boot=500)
    assert result == ratio_metric(followed, sizes, np.random.default_rng(21), n_boot=500)
    # The same draws, one unit index vector per replicate, by hand.
    rng = np.random.default_rng(21)
    by_hand = []
    for _ in range(500):
        picked = rng.integers(0, 40, size=40)
        by_hand.append(followed[picked].sum() / sizes[picked].sum())
    assert (result.ci_low, result.ci_high) == pytest.approx(np.percentile(by_hand, [2.5, 97.5]))


def test_ratio_metric_counts_unscored_units_and_needs_two_for_an_interval() -> None:
    result = ratio_metric([2.0, math.nan, 1.0], [3.0, 2.0, 1.0], np.random.default_rng(0))
    assert (result.value, result.n, result.n_unscored) == (0.75, 2, 1)
    single = ratio_metric([1.0, math.nan], [2.0, 1.0], np.random.default_rng(0))
    assert (single.value, single.stderr, single.n, single.n_unscored) == (0.5, 0.0, 1, 1)
    assert math.isnan(single.ci_low) and math.isnan(single.ci_high)
    empty = ratio_metric([math.nan], [1.0], np.random.default_rng(0))
    assert math.isnan(empty.value) and (empty.n, empty.n_unscored) == (0, 1)


def test_ratio_metric_refuses_mismatched_or_empty_units() -> None:
    with pytest.raises(DataError, match="one denominator per numerator"):
        ratio_metric([1.0, 0.0], [1.0], np.random.default_rng(0))
    with pytest.raises(DataError, match="positive denominator"):
        ratio_metric([0.0, 1.0], [0.0, 1.0], np.random.default_rng(0))
