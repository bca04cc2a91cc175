"""What one Ray actor runs: a model rebuilt from its reference, answering batches.

A loaded model is never sent to an actor: the actor loads its own from the reference
string (backend settings included, e.g. ``?n_threads=1``) and the batch size, once, and
keeps it for every batch it is given. The class knows nothing of Ray, so it runs (and is
tested) in any process.
"""

from __future__ import annotations

import time

from evalatlas.models import load_model
from evalatlas.models.cache import model_identity
from evalatlas.requests import AnyRequest, AnyResponse


class ModelWorker:
    def __init__(self, reference: str, batch_size: int | None) -> None:
        self._model = load_model(reference, batch_size=batch_size)

    def identity(self) -> str:
        """The loaded model's ``model_identity``: it must equal the caller's, or the
        answers would be cached under another model's keys."""
        return model_identity(self._model.info)

    def answer(self, requests: list[AnyRequest]) -> tuple[list[AnyResponse], float]:
        """The responses to ``requests`` (no cache here: the caller keeps them), and the
        seconds the model took, which pace the next batches."""
        started = time.perf_counter()
        responses = self._model.run(requests)
        return responses, time.perf_counter() - started

    def close(self) -> None:
        self._model.close()
