"""Pre-generated answers as a model, to score outputs produced elsewhere.

    responses:PATH.jsonl

Each line is a JSON object holding the answer under one of ``response``, ``output``,
``completion`` or ``text``, and what it answers: a ``sample_id`` (or ``id``, or ``key`` as
IFEval numbers its prompts; a request id such as ``q17#0`` also matches), and/or the exact
``prompt`` text, so Google's published IFEval response files (``{"prompt", "response"}``)
score as they are. Optional: ``tokens`` (completion length, default 0) and
``finish_reason`` (default ``stop``).

A request is matched by request id, then sample id, then exact prompt (for chat requests:
the last user message). The request's stop strings are applied to the stored answer, as a
live model would have stopped there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalatlas.errors import ConfigError, DataError, ModelError, UnsupportedRequestError
from evalatlas.models.base import DeclaredBackend, ModelInfo
from evalatlas.models.refs import ModelRef
from evalatlas.requests import (
    ChatMessage,
    GenerateRequest,
    Generation,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    RequestKind,
    RollingLoglikelihoodRequest,
)

ANSWER_FIELDS = ("response", "output", "completion", "text")
ID_FIELDS = ("sample_id", "id", "key")
_SUPPORTED = frozenset({RequestKind.GENERATE})


@dataclass(frozen=True)
class StoredAnswer:
    text: str
    tokens: int
    finish_reason: str
    line: int


@dataclass(frozen=True)
class _Index:
    by_id: dict[str, StoredAnswer]
    by_prompt: dict[str, StoredAnswer]
    # prompts answered differently on several lines: (first line, other line)
    ambiguous_prompts: dict[str, tuple[int, int]]


def from_reference(ref: ModelRef) -> ResponsesBackend:
    if ref.options:
        raise ConfigError(f"model reference {ref.raw!r}: the responses backend takes no options")
    return ResponsesBackend(Path(ref.target).expanduser(), reference=ref.raw or None)


class ResponsesBackend(DeclaredBackend):
    SUPPORTED_KINDS = _SUPPORTED
    # Answers are read from a file: one batch of many says every missing answer at once.
    preferred_batch_size = 4096
    answers_instantly = True

    def __init__(self, path: Path, *, reference: str | None = None) -> None:
        if not path.is_file():
            raise DataError(f"responses file not found: {path}")
        raw = path.read_bytes()
        self.path = path
        self._index = _read_index(path, raw)
        self._info = ModelInfo(
            reference=reference or f"responses:{path}",
            backend="responses",
            name=path.stem,
            fingerprint="sha256:" + hashlib.sha256(raw).hexdigest(),
            metadata={"path": str(path), "answers": str(_count_answers(self._index))},
        )

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]:
        found = [self._find(request) for request in requests]
        missing = [r for r, answer in zip(requests, found, strict=True) if answer is None]
        if missing:
            raise ModelError(
                f"{len(missing)} of {len(requests)} requests in this batch have no answer in "
                f"{self.path} (first: sample {missing[0].sample_id!r}); add lines with its "
                "'sample_id' or exact 'prompt'"
            )
        return [
            Generation(_cut_at_stops(a.text, r.until), a.tokens, a.finish_reason)
            for r, a in zip(requests, found, strict=True)
            if a is not None
        ]

    def _find(self, request: GenerateRequest) -> StoredAnswer | None:
        for key in (request.request_id, request.sample_id):
            if key in self._index.by_id:
                return self._index.by_id[key]
        prompt = request.prompt if request.prompt is not None else _last_user(request.messages)
        if prompt is None:
            return None
        if prompt in self._index.ambiguous_prompts:
            first, other = self._index.ambiguous_prompts[prompt]
            raise DataError(
                f"{self.path}:{other}: the prompt of request {request.request_id} is answered "
                f"differently on lines {first} and {other}; add a 'sample_id' to each line"
            )
        return self._index.by_prompt.get(prompt)

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        raise UnsupportedRequestError("pre-generated responses cannot score log-likelihoods")

    def loglikelihood_rolling(
        self, requests: Sequence[RollingLoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]:
        raise UnsupportedRequestError("pre-generated responses cannot score documents")

    def close(self) -> None:
        return None


def _last_user(messages: tuple[ChatMessage, ...] | None) -> str | None:
    users = [m.content for m in messages or () if m.role == "user"]
    return users[-1] if users else None


def _cut_at_stops(text: str, until: Sequence[str]) -> str:
    cuts = [text.find(stop) for stop in until if stop and stop in text]
    return text[: min(cuts)] if cuts else text


def _count_answers(index: _Index) -> int:
    return len({a.line for a in index.by_id.values()} | {a.line for a in index.by_prompt.values()})


def _read_index(path: Path, raw: bytes) -> _Index:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    index = _Index({}, {}, {})
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            _add_line(index, path, number, _parse_line(path, number, line))
    if not index.by_id and not index.by_prompt:
        raise DataError(f"{path}: no responses in the file; expected one JSON object per line")
    return index


def _parse_line(path: Path, number: int, line: str) -> dict[str, Any]:
    where = f"{path}:{number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}: invalid JSON ({error.msg}, column {error.colno})") from None
    if not isinstance(record, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(record).__name__}")
    return record


def _add_line(index: _Index, path: Path, number: int, record: dict[str, Any]) -> None:
    where = f"{path}:{number}"
    answer = _stored_answer(where, number, record)
    id_field = next((f for f in ID_FIELDS if f in record), None)
    sample_id = record[id_field] if id_field is not None else None
    prompt = record.get("prompt")
    if sample_id is None and prompt is None:
        raise DataError(
            f"{where}: no 'sample_id', 'id', 'key' or 'prompt' field to match requests by"
        )
    if sample_id is not None:
        if not isinstance(sample_id, str | int) or isinstance(sample_id, bool):
            raise DataError(f"{where}: field {id_field!r} must be a string or an integer")
        key = str(sample_id)
        if key in index.by_id:
            raise DataError(
                f"{where}: sample id {key!r} is already answered on line {index.by_id[key].line}"
            )
        index.by_id[key] = answer
    if prompt is not None:
        if not isinstance(prompt, str):
            raise DataError(f"{where}: field 'prompt' must be a string")
        earlier = index.by_prompt.setdefault(prompt, answer)
        if earlier.text != answer.text and prompt not in index.ambiguous_prompts:
            index.ambiguous_prompts[prompt] = (earlier.line, number)


def _stored_answer(where: str, number: int, record: dict[str, Any]) -> StoredAnswer:
    field_name = next((f for f in ANSWER_FIELDS if f in record), None)
    if field_name is None:
        raise DataError(
            f"{where}: no answer field; put the output under one of "
            + ", ".join(repr(f) for f in ANSWER_FIELDS)
        )
    text = record[field_name]
    if not isinstance(text, str):
        raise DataError(f"{where}: field {field_name!r} must be a string")
    tokens = record.get("tokens", 0)
    if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
        raise DataError(f"{where}: field 'tokens' must be a non-negative integer")
    finish_reason = record.get("finish_reason", "stop")
    if not isinstance(finish_reason, str):
        raise DataError(f"{where}: field 'finish_reason' must be a string")
    return StoredAnswer(text, tokens, finish_reason, number)
