"""A scripted judge backend: its output is a function of the prompt (users never meet it).

Tests use it to check bookkeeping the real judge would make hard to pin down: which
requests go in which batch, and what the judge pipeline does with a given output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from evalatlas.errors import UnsupportedRequestError
from evalatlas.models import Model
from evalatlas.models.base import ModelInfo
from evalatlas.requests import (
    GenerateRequest,
    Generation,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    RequestKind,
    RollingLoglikelihoodRequest,
)

Script = Callable[[str], str]  # the user message -> the judge's output
Scores = Callable[[str, str], float]  # (context, continuation) -> its log-probability


@dataclass
class ScriptedJudge:
    script: Script
    reference: str = "scripted:judge"
    finish_reason: str = "stop"
    scores: Scores | None = None  # None: the backend cannot score log-likelihoods
    batches: list[list[GenerateRequest]] = field(default_factory=list)
    scored: list[list[LoglikelihoodRequest]] = field(default_factory=list)

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(self.reference, "scripted", "scripted-judge", "scripted:1")

    @property
    def supported_kinds(self) -> frozenset[RequestKind]:
        if self.scores is None:
            return frozenset({RequestKind.GENERATE})
        return frozenset({RequestKind.GENERATE, RequestKind.LOGLIKELIHOOD})

    def check_kind(self, kind: RequestKind) -> None:
        del kind

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        assert self.scores is not None
        self.scored.append(list(requests))
        return [
            LoglikelihoodResult(self.scores(r.context, r.continuation), False, 3) for r in requests
        ]

    def loglikelihood_rolling(
        self, requests: Sequence[RollingLoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]:
        # Never reached: ``supported_kinds`` leaves rolling requests out, so the facade
        # refuses them when the run is planned.
        raise UnsupportedRequestError("the scripted judge scores no rolling log-likelihoods")

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]:
        self.batches.append(list(requests))
        outputs = []
        for request in requests:
            assert request.messages is not None
            text = self.script(request.messages[-1].content)
            outputs.append(Generation(text, 10, self.finish_reason))
        return outputs

    def close(self) -> None:
        pass


def scripted_model(
    script: Script,
    batch_size: int = 64,
    finish_reason: str = "stop",
    scores: Scores | None = None,
) -> tuple[Model, ScriptedJudge]:
    backend = ScriptedJudge(script, finish_reason=finish_reason, scores=scores)
    return Model(backend, batch_size=batch_size), backend


_BLOCK = re.compile(r"<\|The Start of Assistant (A|B)'s Answer\|>\n(.*?)\n<\|The End of", re.DOTALL)


def shown_answers(prompt: str) -> dict[str, str]:
    """The answers shown as A and B in a single-turn pairwise prompt."""
    return {label: text for label, text in _BLOCK.findall(prompt)}


def prefers(word: str) -> Script:
    """A fair judge: the answer containing ``word`` is better, whatever its position."""

    def script(prompt: str) -> str:
        shown = shown_answers(prompt)
        a, b = (word in shown["A"]), (word in shown["B"])
        verdict = "A>B" if a and not b else "B>A" if b and not a else "A=B"
        return f"Comparing both answers carefully.\n[[{verdict}]]"

    return script


def always(text: str) -> Script:
    def script(prompt: str) -> str:
        del prompt
        return text

    return script
