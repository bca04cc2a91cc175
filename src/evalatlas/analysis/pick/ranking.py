"""Candidates ranked on the same items, each compared with the best by a paired test.

Only items every ranked candidate scored are used, so every mean is over the same items
and every comparison is paired. The best is the highest mean; a candidate is tied with it
when the paired test against the best (McNemar's for 0/1 scores, else the paired
bootstrap) does not reject at ``alpha`` after Holm's correction over the comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evalatlas.scoring.paired import (
    holm_adjust,
    is_binary,
    mcnemar_test,
    paired_bootstrap,
    paired_mean_difference,
)
from evalatlas.scoring.stats import mean_metric
from evalatlas.scoring.types import MetricValue

CONFIDENCE = 0.95
ALPHA = 0.05
N_BOOT = 2000


@dataclass(frozen=True)
class CandidateScores:
    """One candidate's per-item scores (sample id -> score, NaN: unscored) and facts."""

    name: str
    item_scores: Mapping[str, float]
    parameters: int | None = None
    tokens_per_second: float | None = None


@dataclass(frozen=True)
class VersusBest:
    """The paired comparison of a candidate with the best (None for the best itself)."""

    difference: float  # candidate minus best
    ci_low: float
    ci_high: float
    test: str
    p_value: float
    p_adjusted: float


@dataclass(frozen=True)
class Ranked:
    candidate: CandidateScores
    score: MetricValue
    at_chance: bool  # the interval includes the random baseline
    versus_best: VersusBest | None
    tied_with_best: bool


def shared_items(candidates: Sequence[CandidateScores]) -> list[str]:
    """Item ids every candidate has a score for, in the first candidate's order."""
    if not candidates:
        return []
    first, *rest = candidates
    return [item for item in first.item_scores if all(item in c.item_scores for c in rest)]


def rank_candidates(
    candidates: Sequence[CandidateScores], baseline: float | None, seed: int = 0
) -> list[Ranked]:
    """Candidates best first, with intervals and paired tests against the best."""
    items = shared_items(candidates)
    arrays = [_scores(c, items) for c in candidates]
    metrics = [mean_metric(values, confidence=CONFIDENCE) for values in arrays]
    order = sorted(range(len(candidates)), key=lambda i: _sort_key(metrics[i]))
    best = order[0]
    rng = np.random.default_rng(seed)
    tests = {i: _versus(arrays[i], arrays[best], rng) for i in order[1:]}
    adjusted = holm_adjust([tests[i][1] for i in order[1:]])
    ranked = []
    for position, i in enumerate(order):
        versus = None
        if i != best:
            partial, p_value = tests[i]
            versus = VersusBest(*partial, p_value, adjusted[position - 1])
        tied = versus is None or not versus.p_adjusted < ALPHA
        ranked.append(
            Ranked(candidates[i], metrics[i], _at_chance(metrics[i], baseline), versus, tied)
        )
    return ranked


def item_array(candidate: CandidateScores, items: Sequence[str]) -> NDArray[np.float64]:
    return _scores(candidate, items)


def _scores(candidate: CandidateScores, items: Sequence[str]) -> NDArray[np.float64]:
    return np.array([candidate.item_scores[item] for item in items], dtype=np.float64)


def _sort_key(metric: MetricValue) -> float:
    return math.inf if math.isnan(metric.value) else -metric.value


def _at_chance(metric: MetricValue, baseline: float | None) -> bool:
    if baseline is None or math.isnan(metric.ci_low):
        return False
    return metric.ci_low <= baseline <= metric.ci_high


def _versus(
    a: NDArray[np.float64], best: NDArray[np.float64], rng: np.random.Generator
) -> tuple[tuple[float, float, float, str], float]:
    """(difference, interval, test name) and the two-sided p-value of a against best."""
    scored = ~(np.isnan(a) | np.isnan(best))
    if not scored.any():
        return (math.nan, math.nan, math.nan, "none"), math.nan
    if is_binary(a[scored]) and is_binary(best[scored]):
        difference = paired_mean_difference(a, best, confidence=CONFIDENCE)
        mcnemar = mcnemar_test(a, best)
        name = f"McNemar ({mcnemar.method})"
        return (difference.difference, difference.ci_low, difference.ci_high, name), mcnemar.p_value
    boot = paired_bootstrap(a, best, rng, N_BOOT, confidence=CONFIDENCE)
    return (boot.difference, boot.ci_low, boot.ci_high, "paired bootstrap"), boot.p_value
