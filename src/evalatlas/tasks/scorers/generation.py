"""Scorers of generated answers.

``GenerationScorer`` owns what every generated answer shares: one ``GenerateRequest`` per
sample (text, or messages when the server applies its own template), its settings, and
reading the one generation back. A scorer of generations is then one class that says how
a text is graded (``grade``) and, when its metrics are not means, how they aggregate:
``ExactMatchScorer`` here, IFEval's and MATH's in their own modules.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from evalatlas.data import Sample
from evalatlas.requests import AnyRequest, AnyResponse, GenerateRequest, RequestKind
from evalatlas.scoring import apply_filters, exact_match
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.tasks.config import FilterConfig, MetricConfig, TaskConfig
from evalatlas.tasks.prompting import BuiltPrompt, ChatMode
from evalatlas.tasks.scorers.base import Scorer, configured_direction, generated_text
from evalatlas.tasks.task import PreparedSample, PromptOptions, SampleOutcome


@dataclass(frozen=True)
class GenerationSettings:
    until: tuple[str, ...]
    max_tokens: int
    temperature: float

    @classmethod
    def from_config(cls, config: TaskConfig) -> GenerationSettings:
        generation = config.generation_kwargs
        # lm-evaluation-harness stops at the few-shot delimiter unless told otherwise.
        until: tuple[str, ...] = (config.fewshot_delimiter,)
        if generation is None:
            return cls(until, 256, 0.0)
        if generation.until is not None:
            until = generation.until
        temperature = generation.temperature
        if temperature is None:
            temperature = 1.0 if generation.do_sample else 0.0
        return cls(until, generation.max_gen_toks, temperature)

    def as_kwargs(self) -> dict[str, Any]:
        """The settings as the eval card records them (lm-evaluation-harness's names)."""
        return {
            "until": list(self.until),
            "max_gen_toks": self.max_tokens,
            "temperature": self.temperature,
            "do_sample": self.temperature > 0,
        }


class GenerationScorer(Scorer):
    """A scorer of one generated text per sample."""

    output_type: ClassVar[str] = "generate_until"
    kind: ClassVar[RequestKind] = RequestKind.GENERATE

    def __init__(self, settings: GenerationSettings) -> None:
        self.settings = settings

    @abstractmethod
    def grade(self, text: str, sample: Sample) -> SampleOutcome:
        """Scores of one generated ``text`` answering ``sample``."""

    def score(self, prepared: PreparedSample, responses: Sequence[AnyResponse]) -> SampleOutcome:
        return self.grade(generated_text(prepared, responses), prepared.sample)

    def generation_kwargs(self) -> dict[str, Any]:
        return self.settings.as_kwargs()

    def random_baseline(self, n_choices: int | None) -> float | None:
        return 0.0  # a free answer is not guessed among choices

    def chat_mode(self, options: PromptOptions, task: str) -> ChatMode:
        # A server that applies its own template is sent the conversation itself.
        return ChatMode(
            options.chat_template,
            options.chat_messages,
            options.system_prompt,
            options.fewshot_as_multiturn,
        )

    def requests(
        self, sample: Sample, prompt: BuiltPrompt, options: PromptOptions
    ) -> tuple[AnyRequest, ...]:
        settings = self.settings
        chat = options.chat_messages  # the messages go to the model, else the plain text
        request = GenerateRequest(
            sample.id,
            0,
            prompt=None if chat else prompt.text,
            messages=prompt.messages if chat else None,
            until=settings.until,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
        )
        return (request,)

    def identity_settings(self) -> dict[str, Any]:
        """The settings every generation scorer's identity includes."""
        return {"generation": asdict(self.settings)}


class ExactMatchScorer(GenerationScorer):
    """Each filter of the task file extracts an answer, and each metric compares it with
    the target: metrics are named ``<metric>,<filter>``."""

    def __init__(
        self,
        settings: GenerationSettings,
        filters: Sequence[FilterConfig],
        metrics: Sequence[MetricConfig],
    ) -> None:
        super().__init__(settings)
        self.filters = tuple(filters)
        self.metrics = tuple(metrics)

    @property
    def identity(self) -> ScorerIdentity:
        return ScorerIdentity.of(
            "exact_match",
            {
                **self.identity_settings(),
                "filters": [entry.model_dump(mode="json") for entry in self.filters],
                "metrics": [metric.model_dump(mode="json") for metric in self.metrics],
            },
        )

    def metric_names(self) -> list[str]:
        return [f"{m.metric},{entry.name}" for entry in self.filters for m in self.metrics]

    def higher_is_better(self, metric: str) -> bool:
        return configured_direction(self.metrics, metric)

    def grade(self, text: str, sample: Sample) -> SampleOutcome:
        scores: dict[str, float] = {}
        extracted: dict[str, str] = {}
        for entry in self.filters:
            answer = apply_filters(text, [step.to_step() for step in entry.filter])
            extracted[entry.name] = answer
            for metric in self.metrics:
                result = exact_match(
                    answer,
                    [str(sample.target)],
                    normalisers=metric.normalisers,
                    ignore_case=metric.ignore_case,
                    ignore_punctuation=metric.ignore_punctuation,
                    regexes_to_ignore=metric.regexes_to_ignore,
                )
                scores[f"{metric.metric},{entry.name}"] = result.value
        first = next(iter(extracted.values()))
        return SampleOutcome(scores, first, None, {"filtered": extracted})
