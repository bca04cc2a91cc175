"""A model's answers to multi-turn questions: turn t sees the earlier turns as chat.

All first turns go to ``Model.run`` in one call, then all second turns (each with its own
first question and the model's first answer as context), and so on, so a backend batches
every turn. Each request carries its own temperature and seed, which every backend honours
per request.

Temperatures (``AnswerTemperatures``): ``greedy`` answers every question at 0.0 (the
library's default); ``mt-bench`` follows the per-category table of FastChat's MT-Bench
answer generation (``fastchat/llm_judge/common.py``, ``temperature_config``): writing and
roleplay 0.7, stem and humanities 0.1, extraction, math, coding and reasoning 0.0 (and
``arena-hard-200`` 0.0); a question of any other category, or of none, at 0.7, as
FastChat's ``gen_model_answer.py`` does for a category missing from its table.

A sampled answer stays replayable: every question has its own seed (``question_seed``),
derived from the run seed and its question id, so adding or removing questions changes no
other question's seed; all turns of a question use it. ``answer_plan`` lists each
question's temperature and seed, for the record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from evalatlas.errors import ConfigError
from evalatlas.judge.run.answer_files import Question
from evalatlas.models import Model
from evalatlas.models.expected import expected
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import ChatMessage, GenerateRequest, Generation


class AnswerTemperatures(StrEnum):
    """How each question's sampling temperature is chosen."""

    GREEDY = "greedy"  # 0.0 for every question
    MT_BENCH = "mt-bench"  # FastChat's MT-Bench table, per category


# FastChat's ``temperature_config`` (fastchat/llm_judge/common.py, fschat 0.2.36).
MT_BENCH_TEMPERATURES: Mapping[str, float] = MappingProxyType(
    {
        "writing": 0.7,
        "roleplay": 0.7,
        "extraction": 0.0,
        "math": 0.0,
        "coding": 0.0,
        "reasoning": 0.0,
        "stem": 0.1,
        "humanities": 0.1,
        "arena-hard-200": 0.0,
    }
)
# What FastChat's answer generation uses for a category missing from the table.
MT_BENCH_DEFAULT_TEMPERATURE = 0.7
# Seeds stay below 2**31: llama.cpp reads 0xFFFFFFFF as "pick a random seed", and some
# servers take a signed 32-bit seed.
_SEED_MASK = 0x7FFF_FFFF


@dataclass(frozen=True)
class AnswerConfig:
    """How answers are generated. ``seed`` is the run seed: each question's own seed is
    derived from it and the question id (``question_seed``)."""

    max_tokens: int = 1024
    temperatures: AnswerTemperatures = AnswerTemperatures.GREEDY
    seed: int = 1234
    system_prompt: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "temperatures", AnswerTemperatures(self.temperatures))
        except ValueError:
            policies = ", ".join(policy.value for policy in AnswerTemperatures)
            raise ConfigError(
                f"answer temperatures {self.temperatures!r}: use one of {policies}"
            ) from None
        if self.max_tokens < 1:
            raise ConfigError(f"answer max_tokens must be at least 1, got {self.max_tokens}")


@dataclass(frozen=True)
class AnswerSetting:
    """How one question is answered: at ``temperature``, sampling with ``seed`` (every
    turn)."""

    question_id: str
    category: str | None
    temperature: float
    seed: int


def question_temperature(category: str | None, policy: AnswerTemperatures) -> float:
    """The sampling temperature of a question of ``category`` under ``policy``."""
    if policy is AnswerTemperatures.GREEDY:
        return 0.0
    if category is None:
        return MT_BENCH_DEFAULT_TEMPERATURE
    return MT_BENCH_TEMPERATURES.get(category, MT_BENCH_DEFAULT_TEMPERATURE)


def question_seed(run_seed: int, question_id: str) -> int:
    """A question's sampling seed: the first 31 bits of sha256("<run seed>:<question id>"),
    so it depends on that question alone."""
    digest = hashlib.sha256(f"{run_seed}:{question_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & _SEED_MASK


def answer_plan(questions: Sequence[Question], config: AnswerConfig) -> list[AnswerSetting]:
    """Each question's temperature and seed under ``config``, in order."""
    return [
        AnswerSetting(
            question.question_id,
            question.category,
            question_temperature(question.category, config.temperatures),
            question_seed(config.seed, question.question_id),
        )
        for question in questions
    ]


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
    settings = {setting.question_id: setting for setting in answer_plan(questions, config)}
    for turn in range(max((len(q.turns) for q in questions), default=0)):
        asked = [q for q in questions if len(q.turns) > turn]
        requests = [
            _request(q, answers[q.question_id], turn, config, settings[q.question_id])
            for q in asked
        ]
        for question, response in zip(asked, model.run(requests, progress), strict=True):
            generation = expected(response, Generation, f"model {model.info.reference!r}")
            answers[question.question_id].append(generation.text.strip())
    return {question_id: tuple(texts) for question_id, texts in answers.items()}


def _request(
    question: Question,
    earlier: list[str],
    turn: int,
    config: AnswerConfig,
    setting: AnswerSetting,
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
        temperature=setting.temperature,
        seed=setting.seed,
    )
