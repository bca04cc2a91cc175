"""The hook through which ``Model`` reuses responses it (or an earlier run) already has.

The models package knows no storage: whoever owns one (the runner, over the workspace
store) implements ``ResponseCacheHook`` and hands it to ``Model.using_cache`` for a scope.

A cache key is ``cache_key(info, request)``: a hash of the model's identity (everything in
``ModelInfo`` that can change an answer: backend, weights fingerprint, tokenizer facts,
context length, backend versions and settings in ``metadata``) together with
``request_key(request)``. Only ``reference`` and ``name`` are left out, because they only
label a model; two references to the same weights file share their answers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Protocol

from evalatlas.models.base import ModelInfo
from evalatlas.requests import AnyRequest, AnyResponse, request_key

_LABELS_ONLY = ("reference", "name")


class ResponseCacheHook(Protocol):
    """Durable responses by cache key; ``save`` must be durable when it returns."""

    def lookup(self, keys: list[str]) -> dict[str, AnyResponse]:
        """The cached response of every key that has one (missing keys are absent)."""
        ...

    def save(self, items: list[tuple[str, AnyRequest, AnyResponse]]) -> None:
        """Keep (cache key, request, response) triples for later runs."""
        ...


def model_identity(info: ModelInfo) -> str:
    """Stable JSON of everything in ``info`` that can change a response."""
    identity = asdict(info)
    for label in _LABELS_ONLY:
        identity.pop(label)
    return json.dumps(identity, sort_keys=True, ensure_ascii=False)


def cache_key(identity: str, request: AnyRequest) -> str:
    """The key of ``request`` asked of the model whose ``model_identity`` is ``identity``."""
    text = identity + "\n" + request_key(request)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
