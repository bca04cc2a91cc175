"""Rank correlations between sources, checked against scipy on synthetic rankings: the
point estimates are scipy's, and every bootstrap replicate equals scipy's statistic on
the same resample of models, with ties and models missing from one source."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import bootstrap, kendalltau, spearmanr

from evalatlas.analysis.ranks import (
    RankEntry,
    RankSource,
    SourceKind,
    compare_sources,
    disagreements,
    rank_correlation,
)
from evalatlas.analysis.ranks.correlation import kendall_tau_b, spearman_rho

# scipy warns on a resample of constant scores, whose correlation is NaN by design here.
pytestmark = pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")


def source(name: str, scores: dict[str, float], half_width: float | None = None) -> RankSource:
    entries = {
        model: RankEntry(
            score=score,
            ci_low=None if half_width is None else score - half_width,
            ci_high=None if half_width is None else score + half_width,
            rank=1 + sum(other > score for other in scores.values()),
            rank_low=None,
            rank_high=None,
            n=10,
        )
        for model, score in scores.items()
    }
    return RankSource(name, SourceKind.PUBLISHED, entries, "synthetic")


def synthetic(
    rng: np.random.Generator, n: int, noise: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Two noisy views of one latent strength, rounded so that both have ties."""
    strength = rng.normal(size=n)
    a = np.round(strength + noise * rng.normal(size=n), 1)
    b = np.round(strength + noise * rng.normal(size=n), 1)
    return {f"m{i}": float(a[i]) for i in range(n)}, {f"m{i}": float(b[i]) for i in range(n)}


def scipy_replicates(
    x: np.ndarray, y: np.ndarray, n_boot: int, seed: int
) -> tuple[list[float], list[float]]:
    resamples = np.random.default_rng(seed).integers(0, len(x), (n_boot, len(x)))
    taus, rhos = [], []
    for index in resamples:
        with np.errstate(invalid="ignore", divide="ignore"):
            taus.append(float(kendalltau(x[index], y[index]).statistic))
            rhos.append(float(spearmanr(x[index], y[index]).statistic))
    return taus, rhos


@pytest.mark.parametrize(("n", "noise", "seed"), [(8, 0.3, 0), (25, 1.0, 1), (4, 0.5, 2)])
def test_intervals_are_scipys_statistics_over_the_same_resamples(
    n: int, noise: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a_scores, b_scores = synthetic(rng, n, noise)
    # Missing models: each source has one the other lacks, left out of the correlation.
    a_scores["only-a"], b_scores["only-b"] = 5.0, -5.0
    found = rank_correlation(source("a", a_scores), source("b", b_scores), n_boot=300, seed=seed)
    shared = sorted(set(a_scores) & set(b_scores))
    x = np.array([a_scores[m] for m in shared])
    y = np.array([b_scores[m] for m in shared])
    assert found.n == n == len(shared)
    assert found.kendall is not None and found.spearman is not None
    assert found.kendall.value == pytest.approx(kendalltau(x, y).statistic, abs=1e-12)
    assert found.spearman.value == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    taus, rhos = scipy_replicates(x, y, 300, seed)
    kept_tau = np.array([t for t in taus if not math.isnan(t)])
    kept_rho = np.array([r for r in rhos if not math.isnan(r)])
    assert found.degenerate == 300 - len(kept_tau) == 300 - len(kept_rho)
    for estimate, kept in ((found.kendall, kept_tau), (found.spearman, kept_rho)):
        low, high = np.percentile(kept, [2.5, 97.5])
        # The percentile interval, widened where needed to contain the point estimate.
        assert estimate.ci_low == pytest.approx(min(low, estimate.value), abs=1e-12)
        assert estimate.ci_high == pytest.approx(max(high, estimate.value), abs=1e-12)


def test_vectorised_statistics_equal_scipy_row_by_row_with_ties() -> None:
    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, size=(50, 9)).astype(float)  # many ties, some rows all tied
    y = rng.integers(0, 4, size=(50, 9)).astype(float)
    x[3] = 2.0
    taus, rhos = kendall_tau_b(x, y), spearman_rho(x, y)
    for row in range(50):
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = kendalltau(x[row], y[row]).statistic
            rho = spearmanr(x[row], y[row]).statistic
        assert taus[row] == pytest.approx(tau, abs=1e-12, nan_ok=True)
        assert rhos[row] == pytest.approx(rho, abs=1e-12, nan_ok=True)
    assert math.isnan(taus[3]) and math.isnan(rhos[3])


def test_interval_is_close_to_scipy_bootstrap_percentile() -> None:
    """With many models (no degenerate resamples) the interval agrees with
    ``scipy.stats.bootstrap`` (another generator, so only up to resampling noise)."""
    a_scores, b_scores = synthetic(np.random.default_rng(3), 40, 0.7)
    found = rank_correlation(source("a", a_scores), source("b", b_scores), n_boot=2000, seed=3)
    x, y = np.array(list(a_scores.values())), np.array(list(b_scores.values()))
    reference = bootstrap(
        (x, y),
        lambda u, v: spearmanr(u, v).statistic,
        paired=True,
        vectorized=False,
        n_resamples=2000,
        method="percentile",
        rng=np.random.default_rng(4),
    ).confidence_interval
    assert found.spearman is not None and found.degenerate == 0
    assert found.spearman.ci_low == pytest.approx(reference.low, abs=0.05)
    assert found.spearman.ci_high == pytest.approx(reference.high, abs=0.05)


def test_too_few_shared_models_or_all_ties_is_not_estimated() -> None:
    two = rank_correlation(
        source("a", {"x": 1.0, "y": 2.0, "z": 3.0}), source("b", {"x": 1.0, "y": 0.0})
    )
    assert two.kendall is None and two.spearman is None and two.n == 2
    assert two.reason == "needs at least 3 shared models (n = 2)"
    tied = rank_correlation(
        source("a", {"x": 1.0, "y": 2.0, "z": 3.0}), source("b", {"x": 1.0, "y": 1.0, "z": 1.0})
    )
    assert tied.kendall is None and tied.reason == "one source scores every shared model alike"


def test_disagreement_needs_both_sources_clearly_opposite() -> None:
    a = source("a", {"x": 10.0, "y": 5.0, "z": 7.0}, half_width=1.0)
    b = source("b", {"x": 2.0, "y": 8.0, "z": 7.5}, half_width=1.0)
    found = disagreements(a, b)
    # x over y clearly in a, y over x clearly in b; z overlaps y in b, so z-y is no clear
    # disagreement, and x over z in a against z over x in b is.
    assert {(d.above_in_a, d.above_in_b) for d in found} == {("x", "y"), ("x", "z")}
    assert disagreements(a, source("c", {"x": 2.0, "y": 8.0, "z": 7.5})) == []  # no intervals


def test_comparison_pairs_every_source_and_orders_models() -> None:
    a = source("a", {"x": 3.0, "y": 2.0, "z": 1.0})
    b = source("b", {"x": 1.0, "y": 2.0, "z": 3.0, "w": 0.0})
    empty = source("empty", {})
    comparison = compare_sources([a, b, empty], n_boot=50, seed=1)
    assert [s.name for s in comparison.sources] == ["a", "b"]
    assert comparison.models == ("x", "y", "z", "w")
    (pair,) = comparison.correlations
    assert pair.kendall is not None and pair.kendall.value == pytest.approx(-1.0)
