"""Statistics over per-sample scores: means with intervals, bootstrap, paired tests.

Unscored samples are NaN. ``mean_metric`` leaves them out of the mean and reports how many
there were (``MetricValue.n_unscored``); ``ratio_metric`` does the same for a ratio of
sums pooled over units (items per prompt), with an interval clustered by unit. The paired
functions compare two systems on the same samples and use only the pairs where both sides
were scored. Every random function
takes an explicit ``numpy.random.Generator``, so a seeded generator reproduces the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from evalatlas.errors import ConfigError, DataError
from evalatlas.scoring.intervals import check_confidence, t_interval, wilson_interval
from evalatlas.scoring.types import MetricValue

FloatArray = NDArray[np.float64]
# Per-sample values: a list, or an array straight from a previous computation.
Values = Sequence[float] | FloatArray
IndexStatistic = Callable[[NDArray[np.intp]], float | FloatArray]


def _as_array(values: Values) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(-1)


def _is_binary(values: FloatArray) -> bool:
    return bool(np.all((values == 0.0) | (values == 1.0)))


def mean_metric(values: Values, *, confidence: float = 0.95) -> MetricValue:
    """Mean of the scored values with its standard error and a confidence interval.

    NaN values are unscored: excluded and counted in ``n_unscored``; ``n`` is the scored
    count. ``stderr`` is the sample standard deviation (ddof=1) over sqrt(n), 0 below two
    values. The interval is Wilson's when every value is 0 or 1, else Student's t.
    With nothing scored, value and interval are NaN.
    """
    check_confidence(confidence)
    array = _as_array(values)
    scored = array[~np.isnan(array)]
    n = int(scored.size)
    n_unscored = int(array.size) - n
    if n == 0:
        return MetricValue(math.nan, math.nan, math.nan, math.nan, 0, n_unscored)
    mean = float(scored.mean())
    stderr = float(scored.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    if _is_binary(scored):
        low, high = wilson_interval(int(scored.sum()), n, confidence)
    else:
        low, high = t_interval(mean, stderr, n, confidence)
    return MetricValue(mean, stderr, low, high, n, n_unscored)


def _check_n_boot(n_boot: int) -> None:
    if n_boot < 1:
        raise ConfigError(f"n_boot must be at least 1 bootstrap resample, got {n_boot}")


def bootstrap_replicates(
    n_items: int, statistic: IndexStatistic, rng: np.random.Generator, n_boot: int = 1000
) -> FloatArray:
    """``statistic`` of ``n_boot`` resamples of ``range(n_items)`` drawn with replacement.

    ``statistic`` receives the resampled indices, so several arrays can be resampled
    together (documents with their log-probabilities and lengths). Returns an array of
    shape ``(n_boot,)``, or ``(n_boot, k)`` when the statistic returns k numbers.
    """
    _check_n_boot(n_boot)
    # One index draw per replicate keeps memory at O(n_items) whatever n_boot is.
    replicates = [
        np.asarray(statistic(rng.integers(0, n_items, size=n_items)), dtype=np.float64)
        for _ in range(n_boot)
    ]
    return np.stack(replicates)


def percentile_interval(replicates: FloatArray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(replicates, [100.0 * alpha, 100.0 * (1.0 - alpha)])
    return (float(low), float(high))


def ratio_metric(
    numerators: Values,
    denominators: Values,
    rng: np.random.Generator,
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> MetricValue:
    """``sum(numerators) / sum(denominators)`` over units, with an interval clustered by unit.

    For items pooled over units — IFEval's instructions over its prompts — where the items
    of one unit are not independent draws: unit ``i`` has ``numerators[i]`` successes out
    of ``denominators[i]`` items. ``stderr`` is the ratio estimator's delta-method
    (linearisation) standard error, ``sqrt(sum((y_i - R x_i)^2) / (n (n - 1))) / mean(x)``;
    with one item per unit it equals ``mean_metric``'s. The interval is a percentile
    bootstrap that resamples whole units, so it too treats the unit as the independent
    draw. ``n`` counts scored units, not items. A unit with a NaN numerator or denominator
    is unscored: left out and counted. Below two scored units there is no spread to
    measure: ``stderr`` 0 and a NaN interval.
    """
    check_confidence(confidence)
    _check_n_boot(n_boot)
    tops, bottoms = _as_array(numerators), _as_array(denominators)
    if tops.size != bottoms.size:
        raise DataError(
            f"a ratio metric needs one denominator per numerator, got {tops.size} numerators"
            f" and {bottoms.size} denominators"
        )
    scored = ~(np.isnan(tops) | np.isnan(bottoms))
    tops, bottoms = tops[scored], bottoms[scored]
    n, n_unscored = int(tops.size), int(scored.size - tops.size)
    if np.any(bottoms <= 0.0):
        raise DataError("every unit of a ratio metric needs a positive denominator (items > 0)")
    if n == 0:
        return MetricValue(math.nan, math.nan, math.nan, math.nan, 0, n_unscored)
    ratio = float(tops.sum() / bottoms.sum())
    if n < 2:
        return MetricValue(ratio, 0.0, math.nan, math.nan, n, n_unscored)
    residuals = tops - ratio * bottoms
    variance = float(np.sum(residuals**2)) / (n * (n - 1)) / float(bottoms.mean()) ** 2
    replicates = bootstrap_replicates(
        n, lambda indices: float(tops[indices].sum() / bottoms[indices].sum()), rng, n_boot
    )
    low, high = percentile_interval(replicates, confidence)
    return MetricValue(ratio, math.sqrt(variance), low, high, n, n_unscored)


def bootstrap_ci(
    values: Values,
    statistic: Callable[[FloatArray], float],
    rng: np.random.Generator,
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(values)``; ``(nan, nan)`` when empty.

    Values are resampled as given: remove unscored (NaN) values first, or the statistic
    will see them (``mean_metric`` does that and counts them).
    """
    check_confidence(confidence)
    _check_n_boot(n_boot)
    array = _as_array(values)
    if array.size == 0:
        return (math.nan, math.nan)
    replicates = bootstrap_replicates(
        array.size, lambda indices: statistic(array[indices]), rng, n_boot
    )
    return percentile_interval(replicates, confidence)


def _scored_pairs(a: Values, b: Values) -> tuple[FloatArray, FloatArray]:
    first, second = _as_array(a), _as_array(b)
    if first.size != second.size:
        raise DataError(
            f"paired scores need the same samples on both sides, got {first.size} and"
            f" {second.size} values; compare results of the same task and sample limit"
        )
    both_scored = ~(np.isnan(first) | np.isnan(second))
    return first[both_scored], second[both_scored]


def paired_difference(
    a: Values,
    b: Values,
    rng: np.random.Generator,
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> tuple[float, float, float]:
    """``(mean(a - b), ci_low, ci_high)`` by a paired bootstrap over the samples.

    Resampling per-sample differences keeps the pairing, so the interval is much
    narrower than comparing two independent intervals when both systems find the same
    samples hard. Pairs where either side is unscored (NaN) are left out.
    """
    first, second = _scored_pairs(a, b)
    differences = first - second
    if differences.size == 0:
        return (math.nan, math.nan, math.nan)
    low, high = bootstrap_ci(differences, _mean, rng, n_boot, confidence)
    return (float(differences.mean()), low, high)


def _mean(values: FloatArray) -> float:
    return float(values.mean())


def discordant_counts(a: Values, b: Values) -> tuple[int, int]:
    """``(a right and b wrong, a wrong and b right)`` over the pairs scored on both sides."""
    first, second = _scored_pairs(a, b)
    if not (_is_binary(first) and _is_binary(second)):
        raise DataError("McNemar's test needs 0/1 scores (accuracy-like metrics) on both sides")
    only_a = int(np.sum((first == 1.0) & (second == 0.0)))
    only_b = int(np.sum((first == 0.0) & (second == 1.0)))
    return only_a, only_b


def mcnemar(a: Values, b: Values) -> float:
    """Two-sided exact McNemar p-value: a binomial test (p = 1/2) on the discordant pairs.

    1.0 when no pair is discordant (no evidence of a difference).
    """
    only_a, only_b = discordant_counts(a, b)
    discordant = only_a + only_b
    if discordant == 0:
        return 1.0
    result = stats.binomtest(min(only_a, only_b), discordant, 0.5, alternative="two-sided")
    return float(min(1.0, result.pvalue))
