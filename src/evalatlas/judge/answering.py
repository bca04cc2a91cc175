"""A model's answers to multi-turn questions: turn t sees the earlier turns as chat.

All first turns go to ``Model.run`` in one call, then all second turns (each with its own
first question and the model's first answer as context), and so on, so a backend batches
every turn. Decoding is greedy by default, so answers are reproducible and cacheable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError, ModelError
from evalatlas.judge.answer_files import Question
from evalatlas.models import Model
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import ChatMessage, GenerateRequest, Generation


@dataclass(frozen=True)
class AnswerConfig:
    max_tokens: int = 1024
    temperature: float = 0.0
    seed: int = 1234
    system_prompt: str | None = None

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ConfigError(f"answer max_tokens must be at least 1, got {self.max_tokens}")


def generate_answers(
    model: Model,
    questions: Sequence[Question],
    config: AnswerConfig | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, tuple[str, ...]]:
    """One answer per turn of every question, keyed by question id."""
    config = config or AnswerConfig()
    answers: dict[str, list[str]] = {question.question_id: [] for question in questions}
    if len(answers) != len(questions):
        raise ConfigError("questions to answer must have distinct question ids")
    for turn in range(max((len(q.turns) for q in questions), default=0)):
        asked = [q for q in questions if len(q.turns) > turn]
        requests = [_request(q, answers[q.question_id], turn, config) for q in asked]
        for question, response in zip(asked, model.run(requests, progress), strict=True):
            if not isinstance(response, Generation):
                raise ModelError(f"model {model.info.reference!r} returned no generated text")
            answers[question.question_id].append(response.text.strip())
    return {question_id: tuple(texts) for question_id, texts in answers.items()}


def _request(
    question: Question, earlier: list[str], turn: int, config: AnswerConfig
) -> GenerateRequest:
    messages: list[ChatMessage] = []
    if config.system_prompt:
        messages.append(ChatMessage("system", config.system_prompt))
    for asked, answered in zip(question.turns[:turn], earlier, strict=True):
        messages += [ChatMessage("user", asked), ChatMessage("assistant", answered)]
    messages.append(ChatMessage("user", question.turns[turn]))
    return GenerateRequest(
        f"{question.question_id}:turn{turn + 1}",
        0,
        messages=tuple(messages),
        max_tokens=config.max_tokens,
        temperature=config.temperature,
        seed=config.seed,
    )
