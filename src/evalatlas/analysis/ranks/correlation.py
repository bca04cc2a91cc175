"""How alike two sources rank the models they share: Kendall's tau-b and Spearman's rho,
each with a 95% bootstrap interval over models.

The point estimates are ``scipy.stats.kendalltau`` and ``scipy.stats.spearmanr`` of the
two sources' scores on the shared models (ties handled as scipy does: tau-b, average
ranks). The intervals are percentile intervals over ``n_boot`` resamples of the shared
models with replacement (seeded): each resample is one row of
``rng.integers(0, n, (n_boot, n))``. Both statistics are computed for all resamples at
once with the same formulas scipy uses, so a test can check them replicate by replicate;
an interval is widened where needed to contain its point estimate.
A resample in which either source scores every drawn model alike has no correlation; it
is left out and counted (``degenerate``).

With fewer than ``MIN_MODELS`` shared models, or when either source scores every shared
model alike, no correlation is estimated and ``reason`` says why. With fewer than
``FEW_MODELS`` the percentile bootstrap over models is known to give intervals that are
too narrow (four models ranked alike by both sources resample to tau = 1 every time), and
the views say so beside the interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import kendalltau, rankdata, spearmanr

from evalatlas.analysis.ranks.sources import RankSource

FloatArray = NDArray[np.float64]
MIN_MODELS = 3
FEW_MODELS = 10  # below this, every view says the interval understates the uncertainty
DEFAULT_BOOT = 1000
COVERAGE = 0.95
_CHUNK_CELLS = 2_000_000  # resamples x models^2 computed at once (about 16 MB of floats)


@dataclass(frozen=True)
class Estimate:
    value: float  # NaN when not estimated
    ci_low: float
    ci_high: float

    @property
    def includes_zero(self) -> bool:
        """Whether the interval cannot rule out no association at all."""
        return self.ci_low <= 0.0 <= self.ci_high


@dataclass(frozen=True)
class RankCorrelation:
    source_a: str
    source_b: str
    n: int  # shared models
    kendall: Estimate | None  # None when not estimated (``reason`` says why)
    spearman: Estimate | None
    n_boot: int
    degenerate: int  # resamples left out: one source scored every drawn model alike
    reason: str = ""


def rank_correlation(
    a: RankSource, b: RankSource, n_boot: int = DEFAULT_BOOT, seed: int = 0
) -> RankCorrelation:
    """Kendall's tau and Spearman's rho of ``a`` and ``b`` over their shared models."""
    shared = sorted(set(a.entries) & set(b.entries))
    x = np.array(a.scores(shared), dtype=np.float64)
    y = np.array(b.scores(shared), dtype=np.float64)
    reason = _why_not_estimated(x, y)
    if reason:
        return RankCorrelation(a.name, b.name, len(shared), None, None, n_boot, 0, reason)
    resamples = np.random.default_rng(seed).integers(0, len(shared), (n_boot, len(shared)))
    taus = kendall_tau_b(x[resamples], y[resamples])
    rhos = spearman_rho(x[resamples], y[resamples])
    kept = ~np.isnan(taus)
    kendall = _estimate(float(kendalltau(x, y).statistic), taus[kept])
    spearman = _estimate(float(spearmanr(x, y).statistic), rhos[kept])
    degenerate = int((~kept).sum())
    return RankCorrelation(a.name, b.name, len(shared), kendall, spearman, n_boot, degenerate)


def kendall_tau_b(x: FloatArray, y: FloatArray) -> FloatArray:
    """Kendall's tau-b of each row pair of ``x`` and ``y`` (resamples x models): the sum of
    concordances over all pairs, over the root of the untied pairs in each (NaN when a row
    is all ties)."""
    rows, n = x.shape
    out = np.empty(rows, dtype=np.float64)
    step = max(1, _CHUNK_CELLS // max(1, n * n))
    for start in range(0, rows, step):
        xs, ys = x[start : start + step], y[start : start + step]
        sx = np.sign(xs[:, :, None] - xs[:, None, :])
        sy = np.sign(ys[:, :, None] - ys[:, None, :])
        untied = np.sqrt((sx * sx).sum(axis=(1, 2)) * (sy * sy).sum(axis=(1, 2)))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + step] = np.where(
                untied > 0, (sx * sy).sum(axis=(1, 2)) / untied, math.nan
            )
    return out


def spearman_rho(x: FloatArray, y: FloatArray) -> FloatArray:
    """Spearman's rho of each row pair: Pearson's correlation of the rows' average ranks
    (NaN when a row is all ties)."""
    rx = rankdata(x, axis=1)
    ry = rankdata(y, axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    spread = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(spread > 0, (rx * ry).sum(axis=1) / spread, math.nan)
    return np.clip(rho, -1.0, 1.0)


def correlations(
    sources: Sequence[RankSource], n_boot: int = DEFAULT_BOOT, seed: int = 0
) -> list[RankCorrelation]:
    """Every pair of ``sources``, in their order (first with second, first with third…)."""
    return [
        rank_correlation(a, b, n_boot, seed)
        for i, a in enumerate(sources)
        for b in sources[i + 1 :]
    ]


def _why_not_estimated(x: FloatArray, y: FloatArray) -> str:
    if len(x) < MIN_MODELS:
        return f"needs at least {MIN_MODELS} shared models (n = {len(x)})"
    if np.all(x == x[0]) or np.all(y == y[0]):
        return "one source scores every shared model alike"
    return ""


def _estimate(value: float, replicates: FloatArray) -> Estimate:
    """The point estimate with the percentile interval of its replicates, widened where
    needed to contain it (a shown interval always contains the shown value)."""
    if replicates.size == 0:
        return Estimate(value, math.nan, math.nan)
    tail = 100.0 * (1.0 - COVERAGE) / 2.0
    low, high = np.percentile(replicates, [tail, 100.0 - tail])
    return Estimate(value, min(float(low), value), max(float(high), value))
