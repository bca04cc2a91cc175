"""The small protocol every backend implements, and what a backend says about its model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

from evalatlas.errors import UnsupportedRequestError
from evalatlas.requests import (
    GenerateRequest,
    Generation,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    RequestKind,
    RollingLoglikelihoodRequest,
)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Identity of a loaded model, recorded in every EvalSpec so a result can be replayed.

    ``fingerprint`` is what changes when the weights change: a file's sha256, a hub
    revision's commit hash, or a server's model id (weakest: the server may swap weights).
    """

    reference: str
    backend: str
    name: str
    fingerprint: str
    chat_template: str | None = None
    bos_token: str | None = None
    eos_token: str | None = None
    add_bos_token: bool = False
    context_length: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class ModelBackend(Protocol):
    """A backend answers batches of one request kind, in the order given.

    ``supported_kinds`` is declared up front so a run fails when it is planned, not midway.
    ``check_kind`` may do more (the OpenAI-compatible backend probes its server's log-probs)
    and raises ``UnsupportedRequestError`` with the reason.
    A backend raises ``ModelError(retryable=True)`` for failures worth retrying.
    """

    @property
    def info(self) -> ModelInfo: ...

    @property
    def supported_kinds(self) -> frozenset[RequestKind]: ...

    def check_kind(self, kind: RequestKind) -> None: ...

    def loglikelihood(
        self, requests: Sequence[LoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]: ...

    def loglikelihood_rolling(
        self, requests: Sequence[RollingLoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]: ...

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]: ...

    def close(self) -> None: ...


class DeclaredBackend:
    """What every backend says the same way: its ``info`` and the kinds it declares.

    A subclass sets ``self._info`` and, when it serves fewer kinds, ``SUPPORTED_KINDS``;
    it overrides ``check_kind`` only to check more than the declaration (a server probe).
    """

    SUPPORTED_KINDS: ClassVar[frozenset[RequestKind]] = frozenset(RequestKind)
    # The most requests per batch when the caller names no size (batches are then paced
    # by time up to this size, unless the backend answers without computing).
    preferred_batch_size: ClassVar[int] = 8
    # True for a backend that looks answers up rather than computing them: pacing by time
    # would only cut its batches (and its reports of missing answers) into small pieces.
    answers_instantly: ClassVar[bool] = False
    _info: ModelInfo

    @property
    def info(self) -> ModelInfo:
        return self._info

    @property
    def supported_kinds(self) -> frozenset[RequestKind]:
        return self.SUPPORTED_KINDS

    def check_kind(self, kind: RequestKind) -> None:
        if kind not in self.SUPPORTED_KINDS:
            raise UnsupportedRequestError(
                f"the {self._info.backend} backend ({self._info.reference}) cannot serve "
                f"{kind} requests; it serves: {', '.join(sorted(self.SUPPORTED_KINDS))}"
            )
