"""Multiple choice by log-likelihood: each choice is scored as the continuation of the
prompt, and the most likely one is the answer (``acc``, ``acc_norm``, ``acc_bytes``,
``acc_mutual_info``), or the probability mass on the true choices is the score (``mc2``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from evalatlas.data import Sample
from evalatlas.errors import DataError
from evalatlas.requests import AnyRequest, AnyResponse, LoglikelihoodRequest, RequestKind
from evalatlas.scoring import score_mc2, score_multiple_choice, score_mutual_info
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.normalised import random_baseline
from evalatlas.tasks.config import MetricConfig
from evalatlas.tasks.prompting import BuiltPrompt
from evalatlas.tasks.scorers.base import Scorer, configured_direction, logprobs_of
from evalatlas.tasks.task import PreparedSample, PromptOptions, SampleOutcome


class ChoiceLoglikelihoodScorer(Scorer):
    output_type: ClassVar[str] = "multiple_choice"
    kind: ClassVar[RequestKind] = RequestKind.LOGLIKELIHOOD

    def __init__(self, metrics: Sequence[MetricConfig], target_delimiter: str) -> None:
        self.metrics = tuple(metrics)
        self.target_delimiter = target_delimiter
        self._names = [metric.metric for metric in self.metrics]

    @property
    def identity(self) -> ScorerIdentity:
        return ScorerIdentity.of(
            "choice_loglikelihood",
            {
                "metrics": [metric.model_dump(mode="json") for metric in self.metrics],
                "target_delimiter": self.target_delimiter,
            },
        )

    def metric_names(self) -> list[str]:
        return list(self._names)

    def higher_is_better(self, metric: str) -> bool:
        return configured_direction(self.metrics, metric)

    def random_baseline(self, n_choices: int | None) -> float | None:
        # Unknown when the number of choices varies from sample to sample.
        return random_baseline(n_choices) if n_choices else None

    @property
    def uses_mc2(self) -> bool:
        return "mc2" in self._names

    def target(self, value: Any, choices: tuple[str, ...], where: str) -> Any:
        """The index of the correct choice (mc2: the indices of the true ones)."""
        if self.uses_mc2:
            return _true_indices(value, choices, where)
        if isinstance(value, str) and value in choices:
            return choices.index(value)
        return value

    def requests(
        self, sample: Sample, prompt: BuiltPrompt, options: PromptOptions
    ) -> tuple[AnyRequest, ...]:
        # lm-evaluation-harness drops the target delimiter once a chat template is applied:
        # the answer starts the assistant turn.
        delimiter = "" if prompt.template_applied else self.target_delimiter
        requests: list[AnyRequest] = [
            LoglikelihoodRequest(sample.id, i, prompt.text, delimiter + choice)
            for i, choice in enumerate(sample.choices)
        ]
        if "acc_mutual_info" in self._names:
            # The choices again without context: their unconditional likelihoods.
            offset = len(sample.choices)
            requests += [
                LoglikelihoodRequest(sample.id, offset + i, "", delimiter + choice)
                for i, choice in enumerate(sample.choices)
            ]
        return tuple(requests)

    def score(self, prepared: PreparedSample, responses: Sequence[AnyResponse]) -> SampleOutcome:
        sample = prepared.sample
        logprobs = logprobs_of(responses)
        n = len(sample.choices)
        conditional = logprobs[:n]
        chosen = sample.choices[int(np.argmax(conditional))] if n else None
        if self.uses_mc2:
            indices = sample.target if isinstance(sample.target, tuple) else ()
            labels = [1 if i in indices else 0 for i in range(n)]
            mc2 = score_mc2(conditional, labels)
            return SampleOutcome({"mc2": mc2.value}, chosen, mc2.explanation)
        gold = sample.target if isinstance(sample.target, int) else -1
        found = score_multiple_choice(conditional, sample.choices, gold)
        if "acc_mutual_info" in self._names:
            found["acc_mutual_info"] = score_mutual_info(
                conditional, logprobs[n:], sample.choices, gold
            )
        scores = {name: found[name].value for name in self._names}
        return SampleOutcome(scores, chosen, found["acc"].explanation)


def _true_indices(target: Any, choices: tuple[str, ...], where: str) -> tuple[int, ...]:
    """mc2 targets: a 0/1 label per choice (as ``mc2_targets.labels``) -> true indices."""
    if not isinstance(target, list | tuple) or len(target) != len(choices):
        raise DataError(
            f"{where}: mc2 needs doc_to_target to give one 0/1 label per choice ({len(choices)}),"
            f" e.g. '{{{{mc2_targets.labels}}}}'; got {target!r}"
        )
    return tuple(i for i, label in enumerate(target) if int(label) == 1)
