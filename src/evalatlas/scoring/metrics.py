"""Known metrics: their direction and the aggregation of per-sample scores into one value.

``METRIC_DIRECTIONS[name]`` is True when a higher value is better. Mean-aggregated
metrics (accuracies, mc2, exact match, IFEval's prompt-level accuracies) go through
``aggregate_mean``; the corpus perplexities are ratios of sums and go through
``perplexity.corpus_perplexities``; IFEval's instruction-level accuracies pool instructions
over prompts and go through ``stats.ratio_metric`` (an interval clustered by prompt).
"""

from __future__ import annotations

from collections.abc import Sequence

from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.scoring.perplexity import PERPLEXITY_METRICS
from evalatlas.scoring.stats import mean_metric
from evalatlas.scoring.types import MetricValue, Score

# IFEval's four metrics, in lm-evaluation-harness's order. The instruction-level ones are
# followed / given instructions summed over prompts: ratios, not means of samples.
IFEVAL_METRICS: tuple[str, ...] = (
    "prompt_level_strict_acc",
    "inst_level_strict_acc",
    "prompt_level_loose_acc",
    "inst_level_loose_acc",
)
INSTRUCTION_LEVEL_METRICS: tuple[str, ...] = ("inst_level_strict_acc", "inst_level_loose_acc")

METRIC_DIRECTIONS: dict[str, bool] = {
    "acc": True,
    "acc_norm": True,
    "acc_bytes": True,
    "acc_mutual_info": True,
    "mc2": True,
    "exact_match": True,
    "word_perplexity": False,
    "byte_perplexity": False,
    "bits_per_byte": False,
    **dict.fromkeys(IFEVAL_METRICS, True),
}


def higher_is_better(name: str) -> bool:
    """Direction of a known metric; ConfigError (with a suggestion) for an unknown one."""
    try:
        return METRIC_DIRECTIONS[name]
    except KeyError:
        known = sorted(METRIC_DIRECTIONS)
        raise ConfigError(
            f"unknown metric {name!r}; known: {', '.join(known)}." + did_you_mean(name, known)
        ) from None


def aggregate_mean(
    name: str, values: Sequence[float | Score], *, confidence: float = 0.95
) -> MetricValue:
    """Mean of per-sample values or ``Score``s of metric ``name``, unscored ones counted.

    The corpus perplexities and IFEval's instruction-level accuracies are not means of
    per-sample values; asking for one here is a ConfigError that points to the function
    that aggregates it.
    """
    if name in PERPLEXITY_METRICS:
        raise ConfigError(
            f"{name} is a ratio of corpus sums, not a mean of samples;"
            " aggregate it with evalatlas.scoring.corpus_perplexities"
        )
    if name in INSTRUCTION_LEVEL_METRICS:
        raise ConfigError(
            f"{name} pools instructions over prompts, not a mean of samples; aggregate each"
            " prompt's (followed, given) counts with evalatlas.scoring.ratio_metric"
        )
    numbers = [value.value if isinstance(value, Score) else float(value) for value in values]
    return mean_metric(numbers, confidence=confidence)
