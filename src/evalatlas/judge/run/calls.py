"""Judge requests through the ``Model`` facade: one system + user chat per judgment.

All judgments of one kind go to ``Model.run`` together (or in chunks of
``JudgeConfig.chunk_size``), so a backend batches them, the response cache keeps them, and
identical prompts are judged once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError
from evalatlas.judge.templates import JudgeTemplate
from evalatlas.judge.verdicts import VerdictMode
from evalatlas.models import Model
from evalatlas.models.expected import expected
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import ChatMessage, GenerateRequest, Generation


@dataclass(frozen=True)
class JudgeConfig:
    """How the judge generates and how its verdict is read. Greedy by default so a rerun
    gives the same verdicts; room for the reasoning that comes before the verdict.
    ``verdict``: the marker the judge writes (``text``), or its choice among the possible
    markers (five verdicts, or ratings 1-10) scored after its reasoning (``choice``)."""

    max_tokens: int = 1024
    temperature: float = 0.0
    seed: int = 1234
    chunk_size: int | None = None  # judgments per Model.run call; None: all at once
    verdict: VerdictMode = VerdictMode.TEXT

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "verdict", VerdictMode(self.verdict))
        except ValueError:
            modes = ", ".join(mode.value for mode in VerdictMode)
            raise ConfigError(f"judge verdict mode {self.verdict!r}: use one of {modes}") from None
        if self.max_tokens < 1:
            raise ConfigError(f"judge max_tokens must be at least 1, got {self.max_tokens}")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise ConfigError(f"judge chunk_size must be at least 1, got {self.chunk_size}")


VOTER_MAX_LENGTH = 128  # the store's voter column


def judge_identity(model: Model, template: JudgeTemplate) -> str:
    """The voter name of a judge: ``judge:<model reference>@<template name>:<hash8>``.

    A reference too long for the store's voter column (a deep file path) keeps its end and
    gains the first 8 hex digits of its sha256, so two long references stay apart.
    """
    reference = model.info.reference
    name = f"judge:{reference}@{template.identity}"
    if len(name) <= VOTER_MAX_LENGTH:
        return name
    digest = hashlib.sha256(reference.encode("utf-8")).hexdigest()[:8]
    room = VOTER_MAX_LENGTH - len(f"judge:~{digest}:@{template.identity}")
    return f"judge:~{digest}:{reference[-room:]}@{template.identity}"


def judge_request(
    sample_id: str, template: JudgeTemplate, fields: dict[str, str], config: JudgeConfig
) -> GenerateRequest:
    messages = (
        ChatMessage("system", template.system_prompt),
        ChatMessage("user", template.render(fields)),
    )
    return GenerateRequest(
        sample_id,
        0,
        messages=messages,
        max_tokens=config.max_tokens,
        temperature=config.temperature,
        seed=config.seed,
    )


def generate_all(
    model: Model,
    requests: Sequence[GenerateRequest],
    config: JudgeConfig,
    progress: ProgressCallback | None = None,
) -> list[Generation]:
    """Every request's generation, in order, in as few ``Model.run`` calls as the chunk
    size allows."""
    chunk = config.chunk_size or max(len(requests), 1)
    generations: list[Generation] = []
    for start in range(0, len(requests), chunk):
        for response in model.run(requests[start : start + chunk], progress):
            generations.append(expected(response, Generation, f"judge {model.info.reference!r}"))
    return generations


def check_unique_ids(ids: Sequence[str]) -> None:
    """Judge items are joined to their judgments by id: two items may not share one."""
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise ConfigError(f"judge items: id {item_id!r} appears twice; give each its own")
        seen.add(item_id)
