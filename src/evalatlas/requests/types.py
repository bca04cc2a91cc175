"""Request and response values.

A request is immutable and carries the id of the sample it was built for plus its index
among that sample's requests (choice number for multiple choice). Responses are joined back
to requests by ``request.request_id``; nothing ever mutates a request to attach a result.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Literal


class RequestKind(StrEnum):
    LOGLIKELIHOOD = "loglikelihood"
    ROLLING_LOGLIKELIHOOD = "loglikelihood_rolling"
    GENERATE = "generate_until"


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class LoglikelihoodRequest:
    """log P(continuation | context)."""

    sample_id: str
    index: int
    context: str
    continuation: str
    kind: RequestKind = field(default=RequestKind.LOGLIKELIHOOD, init=False)

    @property
    def request_id(self) -> str:
        return f"{self.sample_id}#{self.index}"


@dataclass(frozen=True, slots=True)
class RollingLoglikelihoodRequest:
    """log P(text) of a whole document, in windows when it exceeds the context length."""

    sample_id: str
    index: int
    text: str
    kind: RequestKind = field(default=RequestKind.ROLLING_LOGLIKELIHOOD, init=False)

    @property
    def request_id(self) -> str:
        return f"{self.sample_id}#{self.index}"


@dataclass(frozen=True, slots=True)
class GenerateRequest:
    """Generate from a plain prompt or from chat messages (exactly one of the two)."""

    sample_id: str
    index: int
    prompt: str | None = None
    messages: tuple[ChatMessage, ...] | None = None
    until: tuple[str, ...] = ()
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 1234
    kind: RequestKind = field(default=RequestKind.GENERATE, init=False)

    def __post_init__(self) -> None:
        if (self.prompt is None) == (self.messages is None):
            raise ValueError("GenerateRequest needs exactly one of prompt or messages")

    @property
    def request_id(self) -> str:
        return f"{self.sample_id}#{self.index}"


AnyRequest = LoglikelihoodRequest | RollingLoglikelihoodRequest | GenerateRequest


@dataclass(frozen=True, slots=True)
class LoglikelihoodResult:
    """Summed log-probability of the scored tokens.

    ``is_greedy`` is True when every continuation token was the argmax (used by
    ``acc``-style exact-continuation checks); for rolling requests it is False.
    """

    logprob: float
    is_greedy: bool
    n_tokens: int
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class Generation:
    text: str
    tokens: int
    finish_reason: str
    truncated: bool = False  # the prompt was cut from the left to leave room for the answer


AnyResponse = LoglikelihoodResult | Generation


def request_key(request: AnyRequest) -> str:
    """Content hash of what is asked, ignoring which sample asked it (for dedupe and caches)."""
    payload = asdict(request)
    payload.pop("sample_id")
    payload.pop("index")
    payload["kind"] = str(request.kind)
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
