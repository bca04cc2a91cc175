"""Choice verdicts: a judge's verdict or rating as its answer to a constrained choice.

A small judge reasons but seldom ends with a verdict marker, which leaves its pairs (or
answers) unscored. In choice mode the judge still reasons first (an ordinary generation);
then its reasoning, cut before the first ``[[`` it wrote (a marker it began is not
continued, and one it finished does not decide), is followed by the template's
``verdict_cue`` and the continuations are scored by log-likelihood. The most likely one is
the judge's answer, recorded with ``verdict_source = choice`` and every log-probability:

- a pairwise judge: cue ``"\\n\\nFinal verdict: [["``, the five continuations ``A>>B]]``,
  ``A>B]]``, ``A=B]]``, ``B>A]]``, ``B>>A]]`` (``CONTINUATIONS``);
- a grading judge: cue ``"\\n\\nRating: [["``, the ten continuations ``1]]`` ... ``10]]``
  (``RATING_CONTINUATIONS``). Each ends with ``]]``, so none is a prefix of another
  (``1]]`` against ``10]]``): each is a distinct, complete rating.

The scored context is the judge's conversation rendered in its own chat template
(``ChatText``: the text the backend generated the reasoning from) plus the reasoning and
the cue. Every scoring of a run goes to ``Model.run`` together: one request per
continuation and judgment, all of a judgment sharing one context, so a backend that reuses
prefixes reads it once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError, UnsupportedRequestError
from evalatlas.judge.run.calls import JudgeConfig
from evalatlas.judge.verdicts import RATING_RANGE, Verdict
from evalatlas.models import Model
from evalatlas.models.expected import expected
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import (
    ChatMessage,
    GenerateRequest,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    RequestKind,
)

# The judge's conversation as its model reads it: chat template applied, generation
# prompt added (``Model.chat_renderer()``, or ``ChatTemplate(...).render`` of ``prompts``).
ChatText = Callable[[Sequence[ChatMessage]], str]
CONTINUATIONS = tuple(f"{verdict.value}]]" for verdict in Verdict)
RATING_CONTINUATIONS = tuple(
    f"{rating}]]" for rating in range(int(RATING_RANGE[0]), int(RATING_RANGE[1]) + 1)
)


@dataclass(frozen=True)
class ChoiceScore:
    """One judgment's log-probabilities, one per continuation in the order scored
    (``Verdict`` order for a pairwise judgment, ratings 1 to 10 for a grade)."""

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


def most_likely(logprobs: Sequence[float], count: int) -> int | None:
    """The index of the single most likely of ``count`` choices; None when any
    log-probability is not a finite number, there are not ``count`` of them, or two tie for
    the top: the judge made no choice, and none is guessed for it."""
    if len(logprobs) != count or not all(math.isfinite(value) for value in logprobs):
        return None
    top = max(logprobs)
    if list(logprobs).count(top) > 1:
        return None
    return list(logprobs).index(top)


def choose_rating(logprobs: Sequence[float]) -> float | None:
    """The most likely rating given one log-probability per rating from 1 to 10 (in
    ``RATING_CONTINUATIONS`` order); None when the judge made no single choice."""
    index = most_likely(logprobs, len(RATING_CONTINUATIONS))
    return None if index is None else RATING_RANGE[0] + index


def check_choice_support(model: Model, chat_text: ChatText | None) -> None:
    """Choice verdicts need log-likelihoods and the judge's chat as text: refused before
    any work otherwise."""
    try:
        model.check_kinds([RequestKind.LOGLIKELIHOOD])
    except UnsupportedRequestError as error:
        raise UnsupportedRequestError(
            f"choice verdicts are scored by log-likelihood: {error}"
        ) from None
    if chat_text is None:
        raise ConfigError(
            f"choice verdicts of judge {model.info.reference!r} need its chat as text, and its "
            "backend renders none (no chat template): pass chat_text (a template's render)"
        )


def score_choices(
    model: Model,
    contexts: Sequence[tuple[str, str]],
    config: JudgeConfig,
    progress: ProgressCallback | None = None,
    *,
    continuations: Sequence[str] = CONTINUATIONS,
) -> list[ChoiceScore]:
    """The log-probability of each of ``continuations`` (by default the five verdict
    markers) after each ``(judgment id, context)``, in order, in as few ``Model.run`` calls
    as the chunk size allows."""
    if not continuations:
        raise ConfigError("choice verdicts need at least one continuation to score")
    requests = [
        LoglikelihoodRequest(f"{judgment_id}:choice", index, context, continuation)
        for judgment_id, context in contexts
        for index, continuation in enumerate(continuations)
    ]
    per_run = len(continuations) * (config.chunk_size or max(len(contexts), 1))
    results: list[LoglikelihoodResult] = []
    for start in range(0, len(requests), per_run):
        for response in model.run(requests[start : start + per_run], progress):
            who = f"judge {model.info.reference!r}"
            results.append(expected(response, LoglikelihoodResult, who))
    width = len(continuations)
    return [
        ChoiceScore(
            tuple(result.logprob for result in results[start : start + width]),
            any(result.truncated for result in results[start : start + width]),
        )
        for start in range(0, len(results), width)
    ]
