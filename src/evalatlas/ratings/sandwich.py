"""Robust (sandwich) covariance of the Bradley-Terry parameters, and draws from it.

For the M-estimator phi that sets the summed per-battle scores to zero, the covariance is
H^-1 J H^-1: H the Hessian of the negative log-likelihood (plus the tiny penalty), J the sum of
the per-battle score outer products, s s^T with s = (y - p) x and x = (e_a - e_b, z). Battles
in one row of the likelihood share y, p and x, so J sums over rows weighted by their counts.
Unlike the plain inverse Fisher information, J measures the actual spread of the scores:
ties (y = 1/2) and misfit both show up in it.

The logits are only defined up to a common shift, fixed here by their zero mean: both
matrices are taken on that subspace (an orthonormal basis of it, T), inverted there, and the
covariance mapped back, so it is singular along (1, ..., 1) as the mean-zero logits are.

A model that won (or lost) every battle has no finite estimate: only the penalty holds its
logit, and neither this covariance nor the bootstrap measures that uncertainty honestly.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import null_space
from scipy.special import expit

from evalatlas.ratings.likelihood import BattleLikelihood
from evalatlas.ratings.solver import FloatArray, inverse_positive_semidefinite


def sandwich_covariance(likelihood: BattleLikelihood, fitted: FloatArray, l2: float) -> FloatArray:
    """Covariance of (mean-zero logits, style coefficients) at the fit (params x params)."""
    design, count, score = likelihood.rows, likelihood.count, likelihood.score
    probability = expit(design.linear_predictor(fitted[None, :]))[:, 0]
    total = max(float(count.sum()), 1.0)
    bread = design.information((count * probability * (1.0 - probability))[:, None])[0]
    bread += l2 * total * np.eye(design.n_params)
    meat = design.information((count * (score - probability) ** 2)[:, None])[0]
    basis = _gauge_basis(design.n_models, design.n_params)
    inverse = inverse_positive_semidefinite(basis.T @ bread @ basis)
    inner = inverse @ (basis.T @ meat @ basis) @ inverse
    return np.asarray(basis @ inner @ basis.T, dtype=np.float64)


def normal_draws(
    fitted: FloatArray,
    covariance: FloatArray,
    n_draws: int,
    seed: int | np.random.Generator,
) -> FloatArray:
    """`n_draws` seeded draws from N(fitted, covariance) (draws x params)."""
    rng = np.random.default_rng(seed)
    values, vectors = np.linalg.eigh((covariance + covariance.T) / 2.0)
    # The covariance is singular along the gauge direction; tiny negative eigenvalues there
    # are rounding noise.
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    noise = rng.standard_normal((n_draws, fitted.shape[0]))
    return np.asarray(fitted + noise @ root.T, dtype=np.float64)


def _gauge_basis(n_models: int, n_params: int) -> FloatArray:
    """Orthonormal basis of {(beta, gamma): sum(beta) = 0} (params x params - 1)."""
    basis = np.zeros((n_params, n_params - 1))
    basis[:n_models, : n_models - 1] = null_space(np.ones((1, n_models)))
    basis[n_models:, n_models - 1 :] = np.eye(n_params - n_models)
    return basis
