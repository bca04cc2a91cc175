"""Maximum-likelihood Bradley-Terry ratings with bootstrap or sandwich intervals.

P(a beats b) = 1 / (1 + exp(beta_b - beta_a)), fitted on the weighted logistic loss of the
compressed battles (a tie is half a win for each side) with a tiny L2 penalty: it keeps a
model that won every battle finite. The logits have mean zero. Logits are shown on the Elo
scale, `scale / ln(base)` points per logit (400 / ln 10 by default) around `offset`, or
shifted so that a caller-named `anchor` model sits at `anchor_rating`.

With style control (Chatbot Arena's contextual Bradley-Terry) the logit of a winning is
beta_a - beta_b + gamma . z, z the battle's standardised style differences (see `style`);
the ratings are the beta part, the strength left once style is accounted for.

Intervals, per `method`:
- "bootstrap": the battles are redrawn with replacement `n_rounds` times and every round is
  refitted exactly (batched Newton steps from the full fit; see `solver`). Intervals are the
  rounds' central `confidence` range.
- "sandwich": the robust covariance H^-1 J H^-1 (see `sandwich`); intervals are
  score +- z * se (with an anchor: the se of the difference to the anchor), and the rank
  intervals come from `n_rounds` seeded draws of the normal approximation.

`fit_logits` is the one-fit L-BFGS path over compressed matchups, kept as the plain reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit
from scipy.stats import norm

from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.ratings.battles import BattleTable, Matchups
from evalatlas.ratings.graph import disconnection_warning, linked_groups
from evalatlas.ratings.likelihood import BattleLikelihood
from evalatlas.ratings.sandwich import normal_draws, sandwich_covariance
from evalatlas.ratings.style import StyleCoefficient
from evalatlas.ratings.table import (
    RatingTable,
    TableOptions,
    build_rating_table,
    check_confidence,
)


class IntervalMethod(StrEnum):
    """What gives a rating's interval: bootstrap refits, or the sandwich covariance."""

    BOOTSTRAP = "bootstrap"
    SANDWICH = "sandwich"


INTERVAL_METHODS: tuple[str, ...] = tuple(method.value for method in IntervalMethod)


@dataclass(frozen=True)
class BradleyTerryConfig:
    """How logits become ratings, and the fit's L2 penalty (per battle, on the logits)."""

    scale: float = 400.0
    base: float = 10.0
    offset: float = 1000.0
    anchor: str | None = None
    anchor_rating: float = 1000.0
    l2: float = 1e-6

    def __post_init__(self) -> None:
        if self.scale <= 0 or self.base <= 1 or self.l2 < 0:
            raise ConfigError(
                "bradley_terry: scale must be positive, base greater than 1, l2 non-negative"
            )

    @property
    def points_per_logit(self) -> float:
        return self.scale / math.log(self.base)


def fit_logits(
    matchups: Matchups,
    count: NDArray[np.float64] | None = None,
    start: NDArray[np.float64] | None = None,
    l2: float = 1e-6,
) -> NDArray[np.float64]:
    """Mean-zero Bradley-Terry logits by one L-BFGS fit; `count` overrides the rows' battle
    counts. The plain reference path: `fit_bradley_terry` and the bootstrap use the batched
    Newton solver, which reaches the same optimum (closer, where the objective is flat)."""
    weights = matchups.count if count is None else count
    size = len(matchups.models)
    total = max(float(weights.sum()), 1.0)
    win_a = weights * matchups.score_a / total
    win_b = weights * (1.0 - matchups.score_a) / total
    a, b = matchups.model_a, matchups.model_b

    def loss_and_gradient(beta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        diff = beta[a] - beta[b]
        loss = win_a @ np.logaddexp(0.0, -diff) + win_b @ np.logaddexp(0.0, diff)
        # d loss / d diff = (win_a + win_b) * P(a wins) - win_a
        slope = (win_a + win_b) * expit(diff) - win_a
        gradient = np.bincount(a, slope, size) - np.bincount(b, slope, size) + l2 * beta
        return float(loss + 0.5 * l2 * beta @ beta), gradient

    initial = np.zeros(size) if start is None else start
    result = minimize(
        loss_and_gradient,
        initial,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 1000, "gtol": 1e-10, "ftol": 1e-14},
    )
    logits: NDArray[np.float64] = np.asarray(result.x, dtype=np.float64)
    return logits - float(logits.mean())


def logits_to_ratings(
    logits: NDArray[np.float64], models: tuple[str, ...], config: BradleyTerryConfig
) -> NDArray[np.float64]:
    """Logits (one row, or one row per bootstrap round) on the Elo-like scale."""
    points = logits * config.points_per_logit
    if config.anchor is None:
        return points + config.offset
    if config.anchor not in models:
        raise ConfigError(
            f"bradley_terry: anchor model {config.anchor!r} has no battles."
            + did_you_mean(config.anchor, models)
        )
    anchor_points = points[..., models.index(config.anchor)]
    return np.asarray(points - np.expand_dims(anchor_points, -1) + config.anchor_rating)


def bootstrap_logits(
    matchups: Matchups, n_rounds: int, seed: int | np.random.Generator, l2: float = 1e-6
) -> NDArray[np.float64]:
    """Logits of `n_rounds` refits on battles redrawn with replacement (rounds x models)."""
    _check_rounds(n_rounds)
    likelihood = BattleLikelihood.from_matchups(matchups)
    return likelihood.bootstrap(likelihood.fit(l2), n_rounds, seed, l2)


def bootstrap_counts(
    matchups: Matchups, n_rounds: int, seed: int | np.random.Generator
) -> NDArray[np.float64]:
    """The redrawn battle counts of each matchups row that `bootstrap_logits` fits for the same
    seed (rounds x rows): round i's logits are the optimum that
    `fit_logits(matchups, counts[i])` reaches to within its L-BFGS tolerance."""
    _check_rounds(n_rounds)
    return BattleLikelihood.from_matchups(matchups).bootstrap_counts(n_rounds, seed)


def fit_bradley_terry(
    battles: BattleTable,
    config: BradleyTerryConfig | None = None,
    *,
    style_control: bool = False,
) -> NDArray[np.float64]:
    """Bradley-Terry rating of each model in `battles.models`, without intervals."""
    config = config or BradleyTerryConfig()
    battles.validate()
    likelihood = BattleLikelihood.from_battles(battles, style_control)
    logits = likelihood.fit(config.l2)[: len(battles.models)]
    return logits_to_ratings(logits, battles.models, config)


def rate_battles(
    battles: BattleTable,
    *,
    seed: int | np.random.Generator,
    n_rounds: int = 100,
    confidence: float = 0.95,
    config: BradleyTerryConfig | None = None,
    method: IntervalMethod = IntervalMethod.BOOTSTRAP,
    style_control: bool = False,
) -> RatingTable:
    """Bradley-Terry ratings with intervals, ranks and tiers (see the module docstring)."""
    config = config or BradleyTerryConfig()
    battles.validate()
    _check_rounds(n_rounds)
    check_confidence(confidence)
    if method not in INTERVAL_METHODS:
        raise ConfigError(
            f"bradley_terry: unknown interval method {method!r}; use "
            + " or ".join(INTERVAL_METHODS)
            + "."
            + did_you_mean(str(method), INTERVAL_METHODS)
        )
    likelihood = BattleLikelihood.from_battles(battles, style_control)
    fitted = likelihood.fit(config.l2)
    size = len(battles.models)
    scores = logits_to_ratings(fitted[:size], battles.models, config)
    intervals = None
    if method == "bootstrap":
        samples = likelihood.bootstrap(fitted, n_rounds, seed, config.l2)
        style = _style_from_samples(likelihood, fitted, samples, confidence)
    else:
        covariance = sandwich_covariance(likelihood, fitted, config.l2)
        samples = normal_draws(fitted, covariance, n_rounds, seed)
        intervals = _sandwich_intervals(
            scores, covariance[:size, :size], battles, config, confidence
        )
        style = _style_from_covariance(likelihood, fitted, covariance, confidence)
    pairs = likelihood.rows
    warning = disconnection_warning(linked_groups(battles.models, pairs.pair_low, pairs.pair_high))
    return build_rating_table(
        battles.models,
        scores,
        logits_to_ratings(samples[:, :size], battles.models, config),
        battles.battles_per_model(),
        confidence,
        TableOptions(
            intervals=intervals,
            method=str(method),
            warnings=() if warning is None else (warning,),
            style_coefficients=style,
        ),
    )


def _check_rounds(n_rounds: int) -> None:
    if n_rounds < 0:
        raise ConfigError(f"bradley_terry: n_rounds must be 0 or more, got {n_rounds}")


def _sandwich_intervals(
    scores: NDArray[np.float64],
    covariance: NDArray[np.float64],
    battles: BattleTable,
    config: BradleyTerryConfig,
    confidence: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """score +- z * se on the rating scale; with an anchor, se of the difference to it."""
    variance = np.diag(covariance).copy()
    if config.anchor is not None:
        anchor = battles.models.index(config.anchor)
        variance = variance + covariance[anchor, anchor] - 2.0 * covariance[:, anchor]
    spread = _normal_quantile(confidence) * np.sqrt(np.clip(variance, 0.0, None))
    spread *= config.points_per_logit
    return scores - spread, scores + spread


def _normal_quantile(confidence: float) -> float:
    return float(norm.ppf(0.5 + confidence / 2.0))


def _style_from_samples(
    likelihood: BattleLikelihood,
    fitted: NDArray[np.float64],
    samples: NDArray[np.float64],
    confidence: float,
) -> tuple[StyleCoefficient, ...]:
    size = len(likelihood.models)
    values = fitted[size:]
    if samples.shape[0] == 0:
        low, high = values, values
    else:
        tail = (1.0 - confidence) / 2.0
        low, high = np.quantile(samples[:, size:], [tail, 1.0 - tail], axis=0)
    return tuple(
        StyleCoefficient(name, float(value), float(lo), float(hi))
        for name, value, lo, hi in zip(likelihood.style_names, values, low, high, strict=True)
    )


def _style_from_covariance(
    likelihood: BattleLikelihood,
    fitted: NDArray[np.float64],
    covariance: NDArray[np.float64],
    confidence: float,
) -> tuple[StyleCoefficient, ...]:
    size = len(likelihood.models)
    spread = _normal_quantile(confidence) * np.sqrt(np.clip(np.diag(covariance)[size:], 0.0, None))
    values = fitted[size:]
    return tuple(
        StyleCoefficient(name, float(value), float(value - delta), float(value + delta))
        for name, value, delta in zip(likelihood.style_names, values, spread, strict=True)
    )
