"""A document's rolling log-likelihood, aggregated as corpus perplexities.

The text scored is the sample's target (the document), with no prompt or conversation;
per-document log-likelihood, words and bytes are kept on each outcome, because corpus
perplexities are ratios of sums over documents, not means of per-document values.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np

from evalatlas.data import Sample
from evalatlas.requests import AnyRequest, AnyResponse, RequestKind, RollingLoglikelihoodRequest
from evalatlas.scoring import corpus_perplexities, rolling_components
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.types import MetricValue
from evalatlas.tasks.config import MetricConfig
from evalatlas.tasks.prompting import BuiltPrompt, ChatMode
from evalatlas.tasks.scorers.base import Scorer, configured_direction, logprobs_of
from evalatlas.tasks.task import PreparedSample, PromptOptions, SampleOutcome

_PER_DOCUMENT = ("loglikelihood", "words", "bytes")


class PerplexityScorer(Scorer):
    output_type: ClassVar[str] = "loglikelihood_rolling"
    kind: ClassVar[RequestKind] = RequestKind.ROLLING_LOGLIKELIHOOD

    def __init__(self, metrics: Sequence[MetricConfig]) -> None:
        self.metrics = tuple(metrics)

    @property
    def identity(self) -> ScorerIdentity:
        return ScorerIdentity.of(
            "rolling_perplexity",
            {"metrics": [metric.model_dump(mode="json") for metric in self.metrics]},
        )

    def metric_names(self) -> list[str]:
        return [metric.metric for metric in self.metrics]

    def higher_is_better(self, metric: str) -> bool:
        return configured_direction(self.metrics, metric)

    def chat_mode(self, options: PromptOptions, task: str) -> ChatMode:
        return ChatMode(None, False, None, False)  # a document's perplexity has no conversation

    def prompt(self, sample: Sample, build: Callable[[], BuiltPrompt]) -> BuiltPrompt:
        return BuiltPrompt(str(sample.target), None, False)

    def requests(
        self, sample: Sample, prompt: BuiltPrompt, options: PromptOptions
    ) -> tuple[AnyRequest, ...]:
        return (RollingLoglikelihoodRequest(sample.id, 0, prompt.text),)

    def score(self, prepared: PreparedSample, responses: Sequence[AnyResponse]) -> SampleOutcome:
        logprob = logprobs_of(responses)[0]
        parts = rolling_components(logprob, prepared.prompt)
        nats_per_word = -parts["loglikelihood"] / parts["words"] if parts["words"] else math.nan
        nats_per_byte = -parts["loglikelihood"] / parts["bytes"] if parts["bytes"] else math.nan
        scores = {
            "word_perplexity": math.exp(min(nats_per_word, 700.0)),
            "byte_perplexity": math.exp(min(nats_per_byte, 700.0)),
            "bits_per_byte": nats_per_byte / math.log(2),
        }
        kept = {name: scores[name] for name in self.metric_names()}
        return SampleOutcome(kept, None, None, dict(parts))

    def aggregate(
        self, outcomes: Sequence[SampleOutcome], rng: np.random.Generator
    ) -> dict[str, MetricValue]:
        columns = [
            [float(outcome.extra.get(part, math.nan)) for outcome in outcomes]
            for part in _PER_DOCUMENT
        ]
        corpus = corpus_perplexities(columns[0], columns[1], columns[2], rng)
        return {name: corpus[name] for name in self.metric_names()}
