"""Comparing a replay with the records it replays, sample by sample, and its headline.

A sample is bit-identical when every response (log-probs, greedy flags, generated text),
every score and the extracted answer are exactly equal. Otherwise its largest
|Δ log-prob| is measured, and it counts as a changed prediction when anything but a
log-prob differs (an extracted answer, a score, a generated text, a greedy flag).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from evalatlas.scoring.paired import is_binary, mcnemar_test, paired_mean_difference
from evalatlas.store.records import MetricRecord, SampleRecord


@dataclass(frozen=True)
class HeadlineShift:
    """The headline metric before and after, and their paired difference (after - before).

    ``outside_interval``: the replayed value falls outside the stored value's interval.
    ``p_value``: McNemar's test for 0/1 scores, else the paired t interval's (NaN when
    fewer than two items are scored on both sides).
    """

    metric: str
    before: float
    after: float
    ci_low: float
    ci_high: float
    difference: float
    diff_low: float
    diff_high: float
    p_value: float
    n: int

    @property
    def outside_interval(self) -> bool:
        return not (self.ci_low <= self.after <= self.ci_high)


@dataclass(frozen=True)
class SampleComparison:
    n_compared: int
    n_identical: int
    changed_predictions: int
    max_abs_delta: float  # largest |Δ log-prob| over every response compared (nats)
    n_missing: int  # samples on one side only
    headline: HeadlineShift | None

    @property
    def n_differ(self) -> int:
        return self.n_compared - self.n_identical

    def within(self, tolerance: float) -> bool:
        """Every difference is a log-prob within ``tolerance`` nats."""
        return (
            self.n_missing == 0
            and self.changed_predictions == 0
            and (self.max_abs_delta <= tolerance)
        )

    def as_details(self) -> dict[str, Any]:
        details: dict[str, Any] = {
            "n_compared": self.n_compared,
            "n_identical": self.n_identical,
            "n_differ": self.n_differ,
            "changed_predictions": self.changed_predictions,
            "max_abs_delta": self.max_abs_delta,
            "n_missing": self.n_missing,
        }
        if self.headline is not None:
            shift = self.headline
            details["headline"] = {**vars(shift), "outside_interval": shift.outside_interval}
        return details


def compare_samples(
    stored: Sequence[SampleRecord],
    replayed: Sequence[SampleRecord],
    headline: tuple[MetricRecord, MetricRecord] | None,
) -> SampleComparison:
    """Compare the two runs' records, joined by sample id; ``headline``: the headline
    metric as stored and as replayed."""
    by_id = {record.sample_id: record for record in replayed}
    pairs = [(r, by_id[r.sample_id]) for r in stored if r.sample_id in by_id]
    missing = len(stored) + len(replayed) - 2 * len(pairs)
    identical = changed = 0
    largest = 0.0
    for before, after in pairs:
        delta, other_change = _response_difference(before, after)
        largest = max(largest, delta)
        if other_change or not _same_grading(before, after):
            changed += 1
        elif delta == 0.0:
            identical += 1
    shift = _headline_shift(pairs, *headline) if headline is not None else None
    return SampleComparison(len(pairs), identical, changed, largest, missing, shift)


def _response_difference(before: SampleRecord, after: SampleRecord) -> tuple[float, bool]:
    """The largest |Δ log-prob| of a sample's responses, and whether anything else differs."""
    if len(before.responses) != len(after.responses):
        return math.inf, True
    largest = 0.0
    other_change = False
    for old, new in zip(before.responses, after.responses, strict=True):
        old_logprob, new_logprob = old.get("logprob"), new.get("logprob")
        if isinstance(old_logprob, int | float) and isinstance(new_logprob, int | float):
            largest = max(largest, abs(float(new_logprob) - float(old_logprob)))
        elif old_logprob != new_logprob:
            other_change = True
        rest_old = {k: v for k, v in old.items() if k != "logprob"}
        rest_new = {k: v for k, v in new.items() if k != "logprob"}
        other_change = other_change or rest_old != rest_new
    return largest, other_change


def _same_grading(before: SampleRecord, after: SampleRecord) -> bool:
    if before.extracted != after.extracted or set(before.scores) != set(after.scores):
        return False
    return all(_same_number(value, after.scores[name]) for name, value in before.scores.items())


def _same_number(first: float, second: float) -> bool:
    return first == second or (math.isnan(first) and math.isnan(second))


def _headline_shift(
    pairs: list[tuple[SampleRecord, SampleRecord]],
    headline: MetricRecord,
    replayed: MetricRecord,
) -> HeadlineShift:
    name = headline.name
    before = np.array([b.score(name) for b, _ in pairs], dtype=np.float64)
    after = np.array([a.score(name) for _, a in pairs], dtype=np.float64)
    paired = paired_mean_difference(after, before)
    scored = ~(np.isnan(before) | np.isnan(after))
    p_value = paired_p_value(after[scored], before[scored])
    return HeadlineShift(
        metric=name,
        before=headline.value,
        after=replayed.value,
        ci_low=headline.ci_low,
        ci_high=headline.ci_high,
        difference=paired.difference,
        diff_low=paired.ci_low,
        diff_high=paired.ci_high,
        p_value=p_value,
        n=paired.n,
    )


def paired_p_value(after: np.ndarray[Any, Any], before: np.ndarray[Any, Any]) -> float:
    """Two-sided p-value of "no change": McNemar for 0/1 scores, else the paired t test."""
    if after.size < 2:
        return math.nan
    if is_binary(after) and is_binary(before):
        return mcnemar_test(after, before).p_value
    differences = after - before
    if not np.any(differences):
        return 1.0
    return float(stats.ttest_rel(after, before).pvalue)
