"""The ``Executor`` protocol: answer a run's requests with a model, in their order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from evalatlas.models import Model
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import AnyRequest, AnyResponse


class Executor(Protocol):
    """Answers requests as ``Model.run`` does: identical requests computed once, answers
    taken from and saved to ``model.cache`` batch by batch, ``model.usage`` counted."""

    def run(
        self, model: Model, requests: Sequence[AnyRequest], progress: ProgressCallback | None
    ) -> list[AnyResponse]:
        """The responses to ``requests``, in their order."""
        ...

    def close(self) -> None:
        """Release what the executor holds (workers, connections)."""
        ...
