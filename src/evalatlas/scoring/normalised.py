"""Scores rescaled so that random guessing is 0 and a perfect score is 100.

The Open LLM Leaderboard v2 reports every subtask as

    normalised = max(0, (raw - random) / (max - random)) * 100

where ``random`` is what uniform guessing scores on that subtask (1 / number of choices for
multiple choice, 0 for generative tasks) and ``max`` is the metric's perfect value (1).
A benchmark's normalised score is the mean of its subtasks' normalised scores, and the
overall score the mean of the benchmarks'. The transform is increasing, so a confidence
interval maps through it bound by bound (and is floored at 0 like the value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError
from evalatlas.scoring.types import MetricValue


def random_baseline(n_choices: int) -> float:
    """What uniform guessing scores among ``n_choices`` options (0 for free generation)."""
    if n_choices < 0:
        raise ConfigError(f"a task cannot have {n_choices} choices")
    return 0.0 if n_choices == 0 else 1.0 / n_choices


def normalise(raw: float, baseline: float, perfect: float = 1.0) -> float:
    """``raw`` on a 0-100 scale where ``baseline`` maps to 0 and ``perfect`` to 100."""
    if not baseline < perfect:
        raise ConfigError(
            f"a random baseline of {baseline} leaves no room below the perfect score {perfect}"
        )
    return max(0.0, (raw - baseline) / (perfect - baseline)) * 100.0


def normalise_metric(value: MetricValue, baseline: float, perfect: float = 1.0) -> MetricValue:
    """The metric, its stderr and its interval on the normalised scale."""
    scale = 100.0 / (perfect - baseline) if baseline < perfect else 0.0
    return MetricValue(
        value=normalise(value.value, baseline, perfect),
        stderr=value.stderr * scale,
        ci_low=normalise(value.ci_low, baseline, perfect),
        ci_high=normalise(value.ci_high, baseline, perfect),
        n=value.n,
        n_unscored=value.n_unscored,
    )


@dataclass(frozen=True)
class NormalisedSummary:
    """Per-benchmark means of subtask normalised scores, and their overall mean."""

    benchmarks: dict[str, float]
    overall: float | None


def summarise(normalised: Mapping[str, Mapping[str, float]]) -> NormalisedSummary:
    """``normalised[benchmark][subtask]`` → per-benchmark and overall means (unweighted,
    as the leaderboard computes them: every subtask counts once, whatever its size)."""
    benchmarks = {
        name: _mean(list(subtasks.values())) for name, subtasks in normalised.items() if subtasks
    }
    overall = _mean(list(benchmarks.values())) if benchmarks else None
    return NormalisedSummary(benchmarks, overall)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)
