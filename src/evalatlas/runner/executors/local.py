"""The default executor: the model answers in this process."""

from __future__ import annotations

from collections.abc import Sequence

from evalatlas.models import Model
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import AnyRequest, AnyResponse


class LocalExecutor:
    """Runs every request through ``model.run`` here."""

    def run(
        self, model: Model, requests: Sequence[AnyRequest], progress: ProgressCallback | None
    ) -> list[AnyResponse]:
        return model.run(requests, progress=progress)

    def close(self) -> None:
        return None
