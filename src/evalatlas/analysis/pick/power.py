"""How many examples would separate two candidates: a power calculation for paired scores.

For the mean of per-item differences ``d = a - b`` with standard deviation ``sd``, a
two-sided test at level ``alpha`` reaches power ``power`` at about

    n = ((z_{1 - alpha/2} + z_{power}) * sd / |mean d|)^2 + z_{1 - alpha/2}^2 / 2

items: the normal-approximation sample size of the paired t-test, with Guenther's
correction for estimating ``sd`` (Guenther 1981, *The American Statistician* 35(4)). For
0/1 scores the paired difference is McNemar's setting, and this is the usual sample size
of that test from the discordant proportions (Connor 1987, *Biometrics* 43(1)) to within a
few items. The effect is the one observed, so the answer is a rough guide, not a promise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from evalatlas.errors import ConfigError

DEFAULT_ALPHA = 0.05
DEFAULT_POWER = 0.8


@dataclass(frozen=True)
class ExamplesNeeded:
    """Items needed in all (None: no difference was observed to size from)."""

    total: int | None
    observed_difference: float
    difference_sd: float
    n_observed: int

    @property
    def more(self) -> int | None:
        """How many to add to the examples already scored."""
        return None if self.total is None else max(0, self.total - self.n_observed)


def examples_needed(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    alpha: float = DEFAULT_ALPHA,
    power: float = DEFAULT_POWER,
) -> ExamplesNeeded:
    """Paired items needed to tell ``a`` from ``b`` (same items, NaN pairs dropped)."""
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ConfigError(f"alpha and power must lie in (0, 1), got {alpha} and {power}")
    scored = ~(np.isnan(a) | np.isnan(b))
    differences = a[scored] - b[scored]
    n = int(differences.size)
    mean = float(differences.mean()) if n else math.nan
    sd = float(differences.std(ddof=1)) if n > 1 else math.nan
    if n < 2 or mean == 0 or math.isnan(sd) or sd == 0:
        return ExamplesNeeded(None, mean, sd, n)
    return ExamplesNeeded(paired_sample_size(abs(mean) / sd, alpha, power), mean, sd, n)


def paired_sample_size(
    effect: float, alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER
) -> int:
    """Items for a two-sided paired test to detect a standardised effect ``mean / sd``."""
    if effect <= 0:
        raise ConfigError(f"the effect size must be positive, got {effect}")
    z_alpha = float(stats.norm.ppf(1 - alpha / 2))
    z_power = float(stats.norm.ppf(power))
    return math.ceil(((z_alpha + z_power) / effect) ** 2 + z_alpha**2 / 2)
