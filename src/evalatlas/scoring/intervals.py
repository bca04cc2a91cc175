"""Closed-form confidence intervals for a mean.

- ``wilson_interval``: Wilson score interval for a proportion of successes. Unlike the
  normal ("Wald") interval it stays inside [0, 1] and keeps close to its nominal coverage
  for small n and for proportions near 0 or 1, which is where small benchmarks live.
- ``t_interval``: mean +/- t_{n-1} * stderr, Student's t with n - 1 degrees of freedom,
  for scores that are not all 0 or 1.
"""

from __future__ import annotations

import math

from scipy import stats

from evalatlas.errors import ConfigError


def check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ConfigError(
            f"confidence must lie strictly between 0 and 1 (e.g. 0.95), got {confidence}"
        )


def wilson_interval(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n``; ``(nan, nan)`` when n is 0.
    Both may be fractional: an effective sample size (n over a design effect) and the
    successes it implies."""
    check_confidence(confidence)
    if n == 0:
        return (math.nan, math.nan)
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    proportion = successes / n
    z2_over_n = z * z / n
    centre = (proportion + z2_over_n / 2.0) / (1.0 + z2_over_n)
    half_width = (z * math.sqrt(proportion * (1.0 - proportion) / n + z2_over_n / (4.0 * n))) / (
        1.0 + z2_over_n
    )
    # At 0 or n successes the bound is exactly 0 or 1; rounding would leave 0.9999999999999999.
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == n else min(1.0, centre + half_width)
    return (low, high)


def t_interval(mean: float, stderr: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """``mean +/- t_{n-1} * stderr``; ``(nan, nan)`` below two values (no spread estimate)."""
    check_confidence(confidence)
    if n < 2:
        return (math.nan, math.nan)
    half_width = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1)) * stderr
    return (mean - half_width, mean + half_width)
