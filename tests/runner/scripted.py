"""A scripted backend for testing the runner's bookkeeping (users never meet it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from evalatlas.errors import ModelError
from evalatlas.models.base import ModelInfo
from evalatlas.requests import (
    GenerateRequest,
    Generation,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    RequestKind,
    RollingLoglikelihoodRequest,
)


def _never(request: LoglikelihoodRequest) -> bool:
    del request
    return False


@dataclass
class ScriptedBackend:
    """Prefers the shortest continuation; generates a fixed text; can fail on a batch;
    says a log-likelihood request's context was cut where ``is_cut`` says so."""

    kinds: frozenset[RequestKind] = frozenset(RequestKind)
    generation: str = "42"
    fail_on_batch: int | None = None
    is_cut: Callable[[LoglikelihoodRequest], bool] = _never
    context_length: int | None = None
    calls: list[int] = field(default_factory=list)

    @property
    def info(self) -> ModelInfo:
        return ModelInfo(
            reference="scripted",
            backend="scripted",
            name="scripted",
            fingerprint="scripted:1",
            context_length=self.context_length,
        )

    @property
    def supported_kinds(self) -> frozenset[RequestKind]:
        return self.kinds

    def check_kind(self, kind: RequestKind) -> None:
        del kind

    def _tick(self, n: int) -> None:
        self.calls.append(n)
        if self.fail_on_batch is not None and len(self.calls) == self.fail_on_batch:
            raise ModelError("scripted failure")

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        self._tick(len(requests))
        return [
            LoglikelihoodResult(-float(len(r.continuation)), False, 1, self.is_cut(r))
            for r in requests
        ]

    def loglikelihood_rolling(
        self, requests: Sequence[RollingLoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]:
        self._tick(len(requests))
        return [LoglikelihoodResult(-float(len(r.text)), False, len(r.text)) for r in requests]

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]:
        self._tick(len(requests))
        return [Generation(self.generation, 1, "stop") for _ in requests]

    def close(self) -> None:
        return None
