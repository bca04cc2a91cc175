"""The scorer contract: what a task delegates once it knows how its samples are answered.

A scorer owns, for one way of answering (choices by log-likelihood, generation, a
document's rolling log-likelihood...): how a sample's target is read, how the prompt
reaches the model, the requests a sample needs, how a sample is scored, how scores are
aggregated, its metric names and directions, and its identity for the eval card. A task
keeps where rows come from and how prompts are put together.

It lives in ``tasks`` (not ``scoring``) because building requests needs samples and
prompts, which ``scoring`` may not import; the arithmetic of scoring stays in ``scoring``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from evalatlas.data import Sample
from evalatlas.errors import ConfigError
from evalatlas.requests import (
    AnyRequest,
    AnyResponse,
    Generation,
    LoglikelihoodResult,
    RequestKind,
)
from evalatlas.scoring import mean_metric
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.types import MetricValue
from evalatlas.tasks.config import MetricConfig
from evalatlas.tasks.prompting import BuiltPrompt, ChatMode
from evalatlas.tasks.task import PreparedSample, PromptOptions, SampleOutcome


class Scorer(ABC):
    """How the samples of one task are asked and graded."""

    # The task file's ``output_type`` this scorer serves, and the request kind it sends.
    output_type: ClassVar[str]
    kind: ClassVar[RequestKind]

    @property
    @abstractmethod
    def identity(self) -> ScorerIdentity:
        """Name and settings: equal identities score equal responses equally."""

    @abstractmethod
    def metric_names(self) -> list[str]: ...

    @abstractmethod
    def higher_is_better(self, metric: str) -> bool:
        """Direction of one of ``metric_names()``."""

    @abstractmethod
    def requests(
        self, sample: Sample, prompt: BuiltPrompt, options: PromptOptions
    ) -> tuple[AnyRequest, ...]: ...

    @abstractmethod
    def score(self, prepared: PreparedSample, responses: Sequence[AnyResponse]) -> SampleOutcome:
        """Scores of one sample; ``responses`` answer ``prepared.requests`` in order."""

    def aggregate(
        self, outcomes: Sequence[SampleOutcome], rng: np.random.Generator
    ) -> dict[str, MetricValue]:
        """The mean of each metric over samples (unscored samples counted, not dropped)."""
        return {
            name: mean_metric([outcome.scores.get(name, math.nan) for outcome in outcomes])
            for name in self.metric_names()
        }

    def random_baseline(self, n_choices: int | None) -> float | None:
        """What uniform guessing scores on the headline metrics (None: not defined)."""
        return None

    def target(self, value: Any, choices: tuple[str, ...], where: str) -> Any:
        """A sample's target as this scorer compares it: answers as text."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    def check_sample(self, sample: Sample, where: str) -> None:
        """Refuse, when the data is read, a sample this scorer could not grade (by
        default every sample can be graded)."""
        return None

    def ready(self, sample: Sample, where: str) -> Sample:
        """The sample as this scorer grades it (by default as read)."""
        return sample

    def hash_extra(self) -> dict[str, Any]:
        """What the scorer adds to its task's content hash: nothing for a scorer that the
        task definition describes (the definition is hashed)."""
        return {}

    def chat_mode(self, options: PromptOptions, task: str) -> ChatMode:
        """How the prompt reaches the model. Log-likelihoods are of a text, so a chat
        template must be rendered here; the answer is scored after it."""
        if options.chat_messages and options.chat_template is None:
            raise ConfigError(
                f"task {task}: {self.output_type} scores log-likelihoods, which needs the"
                " model's chat template rendered locally; this backend does not provide one"
            )
        return ChatMode(
            options.chat_template, False, options.system_prompt, options.fewshot_as_multiturn
        )

    def prompt(self, sample: Sample, build: Callable[[], BuiltPrompt]) -> BuiltPrompt:
        """The context scored for ``sample``: the task's prompt, built only if needed."""
        return build()

    def generation_kwargs(self) -> dict[str, Any]:
        """Generation settings recorded on the eval card (none unless it generates)."""
        return {}


LOWER_IS_BETTER = frozenset({"word_perplexity", "byte_perplexity", "bits_per_byte"})


def configured_direction(metrics: Sequence[MetricConfig], metric: str) -> bool:
    """A task file's ``higher_is_better`` for ``metric`` (``name`` or ``name,filter``),
    else the metric's own direction."""
    name = metric.split(",")[0]
    configured = next(m for m in metrics if m.metric == name).higher_is_better
    if configured is not None:
        return configured
    return name not in LOWER_IS_BETTER


def logprobs_of(responses: Sequence[AnyResponse]) -> list[float]:
    values: list[float] = []
    for response in responses:
        if not isinstance(response, LoglikelihoodResult):
            raise TypeError(f"expected a LoglikelihoodResult, got {response!r}")
        values.append(response.logprob)
    return values


def generated_text(prepared: PreparedSample, responses: Sequence[AnyResponse]) -> str:
    """The text of a sample's one generation."""
    if len(responses) != 1 or not isinstance(responses[0], Generation):
        raise TypeError(f"sample {prepared.sample.id}: expected one Generation, got {responses!r}")
    return responses[0].text
