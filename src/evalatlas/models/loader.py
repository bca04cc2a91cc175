"""Turn a model reference string into a ready ``Model``; heavy backends import lazily."""

from __future__ import annotations

import importlib
from typing import Protocol

from evalatlas.errors import ConfigError
from evalatlas.models.base import ModelBackend
from evalatlas.models.facade import Model, RetryPolicy
from evalatlas.models.refs import ModelRef, parse_model_ref

# scheme -> module under evalatlas.models.backends exposing ``from_reference(ref)``
_BACKEND_MODULES = {
    "random": "random_baseline",
    "bundled": "llamacpp",
    "llamacpp": "llamacpp",
    "hf": "hf",
    "openai": "openai_compat",
    "responses": "responses",
}


class _BackendModule(Protocol):
    def from_reference(self, ref: ModelRef) -> ModelBackend: ...


def load_backend(reference: str | ModelRef) -> ModelBackend:
    ref = parse_model_ref(reference) if isinstance(reference, str) else reference
    module_name = _BACKEND_MODULES[ref.scheme]
    module: _BackendModule = importlib.import_module(  # type: ignore[assignment]
        f"evalatlas.models.backends.{module_name}"
    )
    return module.from_reference(ref)


def load_model(
    reference: str | ModelRef, *, batch_size: int | None = None, retry: RetryPolicy | None = None
) -> Model:
    """The model behind ``reference``; ``batch_size`` None takes the backend's preference."""
    if batch_size is not None and batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    return Model(load_backend(reference), batch_size=batch_size, retry=retry)
