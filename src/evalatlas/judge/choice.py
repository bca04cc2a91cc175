"""Choice verdicts: a pairwise verdict as the judge's answer to a five-way choice.

A small judge reasons but seldom ends with a verdict marker, which leaves its pairs
unscored. In choice mode the judge still reasons first (an ordinary generation); then its
reasoning, cut before the first ``[[`` it wrote (a marker it began is not continued, and
one it finished does not decide), is followed by the template's ``verdict_cue``
(``"\\n\\nFinal verdict: [["``) and the five continuations ``A>>B]]``, ``A>B]]``, ``A=B]]``,
``B>A]]``, ``B>>A]]`` are scored by log-likelihood. The most likely one is the judge's
verdict, recorded with ``verdict_source = choice`` and its five log-probabilities.

The scored context is the judge's conversation rendered in its own chat template
(``ChatText``: the text the backend generated the reasoning from) plus the reasoning and
the cue. Every scoring of a run goes to ``Model.run`` together: five requests per judgment
that share one context, so a backend that reuses prefixes reads it once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError, ModelError
from evalatlas.judge.calls import JudgeConfig
from evalatlas.judge.verdicts import Verdict
from evalatlas.models import Model
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import (
    ChatMessage,
    GenerateRequest,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)

# The judge's conversation as its model reads it: chat template applied, generation
# prompt added (for example ``ChatTemplate(...).render`` of ``evalatlas.prompts``).
ChatText = Callable[[Sequence[ChatMessage]], str]
CONTINUATIONS = tuple(f"{verdict.value}]]" for verdict in Verdict)


@dataclass(frozen=True)
class ChoiceScore:
    """One judgment's five log-probabilities, in ``Verdict`` order."""

    logprobs: tuple[float, ...]
    truncated: bool  # the context was cut from the left to fit the judge's window


def reasoning_before_verdict(text: str) -> str:
    """The judge's output up to the first ``[[`` it wrote, trailing space removed."""
    cut = text.find("[[")
    return (text if cut < 0 else text[:cut]).rstrip()


def choice_context(request: GenerateRequest, reasoning: str, cue: str, chat_text: ChatText) -> str:
    """What the five continuations are scored after: the conversation that produced
    ``reasoning``, the reasoning (cut before any marker) and the cue."""
    if request.messages is None:
        raise ConfigError(f"judge request {request.sample_id!r} has no chat messages to score")
    return chat_text(request.messages) + reasoning_before_verdict(reasoning) + cue


def score_choices(
    model: Model,
    contexts: Sequence[tuple[str, str]],
    config: JudgeConfig,
    progress: ProgressCallback | None = None,
) -> list[ChoiceScore]:
    """The five log-probabilities after each ``(judgment id, context)``, in order, in as
    few ``Model.run`` calls as the chunk size allows."""
    requests = [
        LoglikelihoodRequest(f"{judgment_id}:choice", index, context, continuation)
        for judgment_id, context in contexts
        for index, continuation in enumerate(CONTINUATIONS)
    ]
    per_run = len(CONTINUATIONS) * (config.chunk_size or max(len(contexts), 1))
    results: list[LoglikelihoodResult] = []
    for start in range(0, len(requests), per_run):
        for response in model.run(requests[start : start + per_run], progress):
            if not isinstance(response, LoglikelihoodResult):
                raise ModelError(f"judge {model.info.reference!r} returned no log-likelihood")
            results.append(response)
    width = len(CONTINUATIONS)
    return [
        ChoiceScore(
            tuple(result.logprob for result in results[start : start + width]),
            any(result.truncated for result in results[start : start + width]),
        )
        for start in range(0, len(results), width)
    ]
