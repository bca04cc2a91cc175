"""Batched maximum-likelihood fits of (contextual) Bradley-Terry models, many rounds at once.

A `Design` lists rows: row r compares model `model_a[r]` with `model_b[r]` under style
features `features[r]` (none without style control). One round gives every row a weight `n`
(battles) and `w` (wins credited to a, ties as halves); `Rounds` holds them as rows x rounds
arrays (that layout makes the per-row work contiguous). The fitted parameters
phi = (beta, gamma) minimise

    sum_r [w softplus(-eta_r) + (n - w) softplus(eta_r)] / total + l2 / 2 * |phi|^2,
    eta_r = beta[a_r] - beta[b_r] + gamma . z_r,

with beta summing to zero (the likelihood cannot see a common shift; the gauge term
below keeps every Newton step on that subspace). Parameters are rounds x params arrays, so
one numpy call serves all bootstrap rounds:

- `chord_fit`: from a start near the answer (the full fit, for bootstrap rounds), steps
  phi -= H0^-1 g with one fixed Hessian; cheap per step and, for resamples of the same battles,
  converging fast. Rounds that stall or diverge are reported, not guessed.
- `newton_fit`: damped Newton with backtracking, per-round Hessians; always converges on this
  convex objective, at a higher cost per step.
- `lbfgs_fit`: one round by scipy's L-BFGS, the last resort.

`fit_rounds` chains the three, so every returned round is the optimum to within TOLERANCE
(L-BFGS, never needed in practice, to its own gradient tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.linalg import solve_triangular
from scipy.optimize import minimize
from scipy.special import expit

FloatArray = NDArray[np.float64]

# How close (in logits, largest over the parameters) a fit must get to the exact optimum:
# far below any rating difference shown (1e-9 logits is about 2e-7 rating points).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Design:
    """Rows of the likelihood; build with `Design.build`."""

    n_models: int
    model_a: NDArray[np.int64]
    model_b: NDArray[np.int64]
    features: FloatArray  # rows x style features (C order)
    features_by_column: FloatArray  # the transpose, C order
    products_by_column: FloatArray  # z_f * z_g per row: features^2 x rows, C order
    incidence: sparse.csr_matrix  # rows x models: +1 at a, -1 at b
    pair_low: NDArray[np.int64]
    pair_high: NDArray[np.int64]
    pair_of_row: sparse.csr_matrix | None  # rows x pairs, None when every row is its own pair
    pair_models: sparse.csr_matrix  # pairs x models: 1 at both members

    @classmethod
    def build(
        cls,
        n_models: int,
        model_a: NDArray[np.int64],
        model_b: NDArray[np.int64],
        features: FloatArray | None = None,
    ) -> Design:
        rows = model_a.shape[0]
        z = np.zeros((rows, 0)) if features is None else np.asarray(features, dtype=np.float64)
        z = np.ascontiguousarray(z)
        span = np.arange(rows)
        incidence = sparse.csr_matrix(
            (np.r_[np.ones(rows), -np.ones(rows)], (np.r_[span, span], np.r_[model_a, model_b])),
            shape=(rows, n_models),
        )
        low, high = np.minimum(model_a, model_b), np.maximum(model_a, model_b)
        keys, inverse = np.unique(low * n_models + high, return_inverse=True)
        pair_low, pair_high = keys // n_models, keys % n_models
        pairs = keys.shape[0]
        one_per_row = pairs == rows and bool((inverse == span).all())
        pair_of_row = None
        if not one_per_row:
            pair_of_row = sparse.csr_matrix((np.ones(rows), (span, inverse)), shape=(rows, pairs))
        pair_span = np.arange(pairs)
        pair_models = sparse.csr_matrix(
            (np.ones(2 * pairs), (np.r_[pair_span, pair_span], np.r_[pair_low, pair_high])),
            shape=(pairs, n_models),
        )
        # C-ordered operands for the einsum products below. Those avoid BLAS on purpose: on a
        # busy machine OpenBLAS's threaded GEMM on tall, skinny operands (and under our own
        # worker threads) runs up to a hundred times slower than a plain loop.
        products = (z[:, :, None] * z[:, None, :]).reshape(rows, z.shape[1] ** 2)
        return cls(
            n_models,
            model_a,
            model_b,
            z,
            np.ascontiguousarray(z.T),
            np.ascontiguousarray(products.T),
            incidence,
            pair_low,
            pair_high,
            pair_of_row,
            pair_models,
        )

    @property
    def n_params(self) -> int:
        return self.n_models + int(self.features.shape[1])

    def linear_predictor(self, phi: FloatArray) -> FloatArray:
        """eta per row and round (rows x rounds) for parameters phi (rounds x params)."""
        size = self.n_models
        eta = np.asarray(self.incidence @ phi[:, :size].T)
        if self.features.shape[1]:
            eta += np.einsum("rf,kf->rk", self.features, phi[:, size:])
        return eta

    def scatter_gradient(self, residual: FloatArray) -> FloatArray:
        """sum_r residual_r x_r per round (rounds x params), x_r = (e_a - e_b, z_r), for
        residuals given as rows x rounds."""
        beta_part = np.asarray(self.incidence.T @ residual).T
        if not self.features.shape[1]:
            return beta_part
        style_part = np.einsum("fr,rk->kf", self.features_by_column, residual)
        return np.concatenate([beta_part, style_part], axis=1)

    def information(self, weight: FloatArray) -> FloatArray:
        """sum_r weight_r x_r x_r^T per round (rounds x params x params), for weights given as
        rows x rounds."""
        rounds, size, dim = weight.shape[1], self.n_models, self.n_params
        pair_weight = weight if self.pair_of_row is None else self.pair_of_row.T @ weight
        pair_weight = np.asarray(pair_weight).T
        flat = np.zeros((rounds, dim * dim))
        flat[:, self.pair_low * dim + self.pair_high] = -pair_weight
        flat[:, self.pair_high * dim + self.pair_low] = -pair_weight
        degree = np.asarray(self.pair_models.T @ pair_weight.T).T
        flat[:, np.arange(size) * (dim + 1)] = degree
        matrix = flat.reshape(rounds, dim, dim)
        width = self.features.shape[1]
        if width:
            weighted = (weight[:, :, None] * self.features[:, None, :]).reshape(-1, rounds * width)
            cross = np.asarray(self.incidence.T @ weighted).reshape(size, rounds, width)
            matrix[:, :size, size:] = cross.transpose(1, 0, 2)
            matrix[:, size:, :size] = cross.transpose(1, 2, 0)
            square = np.einsum("pr,rk->pk", self.products_by_column, weight)
            square = square.reshape(width, width, rounds)
            matrix[:, size:, size:] = square.transpose(2, 0, 1)
        return matrix


@dataclass(frozen=True)
class Rounds:
    """Per-round row weights: `n` battles and `w` wins for a (rows x rounds)."""

    n: FloatArray
    w: FloatArray

    def take(self, index: NDArray[np.int64]) -> Rounds:
        """The rounds at `index` (increasing); no copy when that is every round."""
        if index.shape[0] == self.count:
            return self
        return Rounds(self.n[:, index], self.w[:, index])

    @property
    def count(self) -> int:
        return int(self.n.shape[1])

    @property
    def total(self) -> FloatArray:
        """Battles per round (at least 1, so that an empty round stays finite)."""
        return np.asarray(np.maximum(self.n.sum(axis=0), 1.0), dtype=np.float64)


def objective(design: Design, rounds: Rounds, phi: FloatArray, l2: float) -> FloatArray:
    eta = design.linear_predictor(phi)
    loss = rounds.w * np.logaddexp(0.0, -eta) + (rounds.n - rounds.w) * np.logaddexp(0.0, eta)
    return np.asarray(loss.sum(axis=0) / rounds.total + 0.5 * l2 * (phi * phi).sum(axis=1))


def gradient(
    design: Design, rounds: Rounds, phi: FloatArray, l2: float
) -> tuple[FloatArray, FloatArray]:
    """The objective's gradient per round, and the win probabilities (rows x rounds) it used."""
    probability = expit(design.linear_predictor(phi))
    residual = rounds.n * probability
    residual -= rounds.w
    scaled = design.scatter_gradient(residual) / rounds.total[:, None]
    return scaled + l2 * phi, probability


def hessian(design: Design, rounds: Rounds, probability: FloatArray, l2: float) -> FloatArray:
    """The objective's Hessian per round, plus the gauge term that makes it invertible.

    The likelihood is flat along (1, ..., 1, 0, ...): adding v v^T with v that direction
    (normalised) changes no step taken from a mean-zero beta with a gradient orthogonal to
    v, and makes the matrix invertible even without a penalty.
    """
    weight = rounds.n * probability * (1.0 - probability)
    matrix = design.information(weight) / rounds.total[:, None, None]
    size = design.n_models
    matrix[:, :size, :size] += 1.0 / size
    matrix += l2 * np.eye(design.n_params)
    return matrix


def chord_fit(
    design: Design,
    rounds: Rounds,
    start: FloatArray,
    inverse_hessian: FloatArray,
    l2: float,
    max_iter: int = 40,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Steps with one fixed inverse Hessian; returns phi and which rounds converged.

    The steps of a round shrink by a steady factor rho once it converges; the distance left
    to the optimum is then below step * rho / (1 - rho), which ends the round when below
    TOLERANCE. A round whose steps shrink by less than half per step is left undone (for
    Newton): the fixed Hessian is too far from its own.
    """
    phi = start.copy()
    active = np.arange(phi.shape[0])
    converged = np.zeros(phi.shape[0], dtype=bool)
    previous = np.full(phi.shape[0], np.nan)  # no rate before the second step
    for _ in range(max_iter):
        if not active.size:
            break
        grad, _ = gradient(design, rounds.take(active), phi[active], l2)
        step = np.einsum("kd,de->ke", grad, inverse_hessian)
        phi[active] -= step
        size = np.abs(step).max(axis=1)
        rate = size / previous[active]
        with np.errstate(invalid="ignore"):
            left = np.where(rate < 0.5, size * rate / (1.0 - rate), np.inf)
        done = (left < TOLERANCE) | (size < 1e-3 * TOLERANCE)
        stalled = ~np.isfinite(size) | (rate >= 0.5)
        converged[active[done]] = True
        previous[active] = size
        active = active[~done & ~stalled]
    return phi, converged


def newton_fit(
    design: Design, rounds: Rounds, start: FloatArray, l2: float, max_iter: int = 100
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Damped Newton per round (batched); returns phi and which rounds converged.

    A full step below TOLERANCE ends a round: Newton converges quadratically there, so the
    distance left is far smaller than the step.
    """
    phi = start.copy()
    active = np.arange(phi.shape[0])
    converged = np.zeros(phi.shape[0], dtype=bool)
    for _ in range(max_iter):
        if not active.size:
            break
        sub_rounds, current = rounds.take(active), phi[active]
        grad, probability = gradient(design, sub_rounds, current, l2)
        matrix = hessian(design, sub_rounds, probability, l2)
        step = solve_positive_definite(matrix, grad)
        scale = _backtrack(design, sub_rounds, current, step, grad, l2)
        phi[active] = current - scale[:, None] * step
        done = (scale == 1.0) & (np.abs(step).max(axis=1) < TOLERANCE)
        converged[active[done]] = True
        active = active[~done]
    return phi, converged


def inverse_positive_semidefinite(matrix: FloatArray) -> FloatArray:
    """Inverse of a symmetric positive semi-definite matrix; a direction the data leave
    undetermined (no penalty, and no battles to fix it) gets a vast value, not a failure.

    LU first (on a busy machine OpenBLAS's threaded eigensolver is tens of times slower);
    the eigendecomposition only for a singular matrix.
    """
    symmetric = (matrix + matrix.T) / 2.0
    try:
        inverse = np.linalg.solve(symmetric, np.eye(symmetric.shape[0]))
    except np.linalg.LinAlgError:
        inverse = None
    if inverse is not None and np.isfinite(inverse).all():
        return np.asarray((inverse + inverse.T) / 2.0, dtype=np.float64)
    values, vectors = np.linalg.eigh(symmetric)
    floor = max(float(values.max(initial=0.0)), 1.0) * 1e-12
    return np.asarray((vectors / np.maximum(values, floor)) @ vectors.T, dtype=np.float64)


def solve_positive_definite(matrix: FloatArray, rhs: FloatArray) -> FloatArray:
    """x with matrix[k] @ x[k] = rhs[k] for symmetric positive definite matrices.

    Cholesky and triangular solves: OpenBLAS's threaded LU, behind np.linalg.solve, is many
    times slower on stacks of small matrices. A matrix that is not positive definite (no
    penalty and models no battle links) falls back to least squares.
    """
    try:
        lower = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return np.stack(
            [np.linalg.lstsq(m, r, rcond=None)[0] for m, r in zip(matrix, rhs, strict=True)]
        )
    half = solve_triangular(lower, rhs[..., None], lower=True)
    upper = np.swapaxes(lower, -1, -2)
    return np.asarray(solve_triangular(upper, half, lower=False)[..., 0], dtype=np.float64)


def _backtrack(
    design: Design,
    rounds: Rounds,
    current: FloatArray,
    step: FloatArray,
    grad: FloatArray,
    l2: float,
) -> FloatArray:
    """Per-round step lengths (1, 1/2, ...) that satisfy the Armijo condition."""
    before = objective(design, rounds, current, l2)
    decrease = np.einsum("kd,kd->k", grad, step)
    # Near the optimum the objective changes below its rounding error; accept such steps.
    slack = 1e-13 * np.abs(before)
    scale = np.ones(current.shape[0])
    for _ in range(50):
        after = objective(design, rounds, current - scale[:, None] * step, l2)
        good = after <= before - 1e-4 * scale * decrease + slack
        if good.all():
            break
        scale = np.where(good, scale, 0.5 * scale)
    return scale


def lbfgs_fit(design: Design, rounds: Rounds, start: FloatArray, l2: float) -> FloatArray:
    """One round (rows x 1 weights) by L-BFGS; its optimum with beta shifted to mean zero."""

    def loss_and_gradient(phi: FloatArray) -> tuple[float, FloatArray]:
        grad, _ = gradient(design, rounds, phi[None, :], l2)
        return float(objective(design, rounds, phi[None, :], l2)[0]), grad[0]

    result = minimize(
        loss_and_gradient,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 5000, "gtol": 1e-12, "ftol": 1e-15},
    )
    phi = np.asarray(result.x, dtype=np.float64)
    phi[: design.n_models] -= phi[: design.n_models].mean()
    return phi


def fit_rounds(
    design: Design,
    rounds: Rounds,
    start: FloatArray,
    l2: float,
    inverse_hessian: FloatArray | None = None,
) -> FloatArray:
    """The optimum of every round (rounds x params) from `start` (params, or rounds x params):
    chord steps when an inverse Hessian is given, damped Newton for the rounds they leave,
    L-BFGS for any that Newton leaves."""
    phi = np.array(start, dtype=np.float64, ndmin=2)
    if phi.shape[0] != rounds.count:
        phi = np.repeat(phi[:1], rounds.count, axis=0)
    pending = np.arange(rounds.count)
    if inverse_hessian is not None:
        fitted, converged = chord_fit(design, rounds, phi, inverse_hessian, l2)
        phi[converged] = fitted[converged]
        pending = np.flatnonzero(~converged)
    if pending.size:
        fitted, converged = newton_fit(design, rounds.take(pending), phi[pending], l2)
        phi[pending] = fitted
        for index in pending[~converged]:
            phi[index] = lbfgs_fit(design, rounds.take(np.array([index])), phi[index], l2)
    return phi
