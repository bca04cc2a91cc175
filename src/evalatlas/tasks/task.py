"""The Task contract the runner relies on.

A task turns data rows into ``Sample``s, samples into typed requests (with few-shot
examples, chat template and system prompt applied per ``PromptOptions``), responses into
per-sample scores, and per-sample scores into ``MetricValue``s with CIs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evalatlas.data import Sample
from evalatlas.prompts import ChatTemplate
from evalatlas.requests import AnyRequest, AnyResponse, RequestKind
from evalatlas.scoring.identity import ScorerIdentity
from evalatlas.scoring.normalised import random_baseline
from evalatlas.scoring.types import MetricValue


@dataclass(frozen=True)
class PromptOptions:
    """How prompts are built for one run.

    ``chat_template`` set means "apply it": the context becomes the rendered conversation.
    ``chat_messages`` means generation requests carry messages and the serving side applies
    its own template (OpenAI-compatible servers); log-likelihood contexts still need a
    template rendered here.
    """

    num_fewshot: int | None = None  # None: the task's default
    fewshot_seed: int = 1234
    chat_template: ChatTemplate | None = None
    system_prompt: str | None = None
    fewshot_as_multiturn: bool = False
    chat_messages: bool = False


@dataclass(frozen=True)
class TaskData:
    """Evaluation samples plus the pool few-shot examples are drawn from."""

    samples: tuple[Sample, ...]
    fewshot_pool: tuple[Sample, ...]
    fingerprint: str  # sha256 over the rows actually used (samples and pool)
    source: str  # e.g. "hub:allenai/ai2_arc/ARC-Challenge" or "local:/path/file.jsonl"
    # Set when the examples exist, but not where these rows came from (a local file the hub
    # lacks): where they come from and how to supply them, told to a run that asks for them.
    fewshot_elsewhere: str | None = None
    # sha256 of each part on its own ("evaluated", "few-shot pool"), so a replay can name
    # the part whose rows changed; empty for tasks that do not split their fingerprint.
    split_fingerprints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskDefinition:
    """What a task was built from, kept on the eval card so it can be rebuilt elsewhere:
    the resolved mapping (after ``include``) and the text of every file read."""

    config: Mapping[str, Any]
    files: Mapping[str, str]
    origin: str


@dataclass(frozen=True)
class PreparedSample:
    sample: Sample
    prompt: str  # the full context shown to the model, as text (for records and browsing)
    requests: tuple[AnyRequest, ...]


@dataclass(frozen=True)
class SampleOutcome:
    """Scores of one sample: metric name -> value (NaN = could not grade)."""

    scores: Mapping[str, float]
    extracted: str | None = None
    explanation: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class Task(ABC):
    name: str
    version: str
    output_type: RequestKind
    group: str | None = None
    description: str = ""
    default_num_fewshot: int = 0
    # How many answers uniform guessing picks among: the random baseline of normalised
    # scores is 1 / n_choices. None when the task does not fix it (free generation, or a
    # number of choices that varies and was not declared).
    n_choices: int | None = None

    @abstractmethod
    def content_hash(self) -> str:
        """sha256 of the resolved task definition (changes when any prompt or metric does)."""

    @abstractmethod
    def metric_names(self) -> list[str]: ...

    @abstractmethod
    def higher_is_better(self, metric: str) -> bool: ...

    @abstractmethod
    def load(self, data_dir: Path | None, limit: int | None) -> TaskData:
        """Load samples (first ``limit`` of the test split) and the few-shot pool.

        Raises DataError naming the file/field when data is missing or malformed."""

    @abstractmethod
    def prepare(self, data: TaskData, options: PromptOptions) -> list[PreparedSample]: ...

    @abstractmethod
    def score(
        self, prepared: PreparedSample, responses: Sequence[AnyResponse]
    ) -> SampleOutcome: ...

    @abstractmethod
    def aggregate(
        self, outcomes: Sequence[SampleOutcome], rng: np.random.Generator
    ) -> dict[str, MetricValue]: ...

    def generation_kwargs(self) -> dict[str, Any]:
        return {}

    def random_baseline(self) -> float | None:
        """What uniform guessing scores: 1 / n_choices for multiple choice that declares
        its number of choices, 0 for free generation, None otherwise (perplexity, or
        multiple choice whose number of choices varies and was not declared)."""
        if self.output_type == RequestKind.GENERATE:
            return 0.0
        if self.output_type == RequestKind.LOGLIKELIHOOD and self.n_choices:
            return random_baseline(self.n_choices)
        return None

    def definition(self) -> TaskDefinition | None:
        """What the task was built from (None: a task defined in Python, rebuilt by name)."""
        return None

    def scorer_identity(self) -> ScorerIdentity | None:
        """The scorer that grades this task, recorded on the eval card (None: the task
        grades by itself)."""
        return None


def first_duplicate_id(samples: Sequence[Sample]) -> str | None:
    """The first sample id that occurs twice (tasks whose ids come from the data check
    them: an answer keyed by id must name exactly one sample)."""
    seen: set[str] = set()
    for sample in samples:
        if sample.id in seen:
            return sample.id
        seen.add(sample.id)
    return None
