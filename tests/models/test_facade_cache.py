"""The Model facade's response-cache hook: hits skip the backend, each batch is saved
before the next one is asked."""

from __future__ import annotations

import pytest
from test_facade import ScriptedBackend

from evalatlas.errors import ModelError
from evalatlas.models import Model, RetryPolicy
from evalatlas.requests import AnyRequest, AnyResponse, LoglikelihoodRequest


class DictCache:
    """A ``ResponseCacheHook`` held in memory, recording each save."""

    def __init__(self) -> None:
        self.entries: dict[str, AnyResponse] = {}
        self.saves: list[int] = []

    def lookup(self, keys: list[str]) -> dict[str, AnyResponse]:
        return {key: self.entries[key] for key in keys if key in self.entries}

    def save(self, items: list[tuple[str, AnyRequest, AnyResponse]]) -> None:
        self.saves.append(len(items))
        self.entries.update({key: response for key, _, response in items})


def _requests(n: int) -> list[AnyRequest]:
    return [LoglikelihoodRequest(f"s{i}", 0, f"context {i}", " x" * (i + 1)) for i in range(n)]


def _model(backend: ScriptedBackend) -> Model:
    return Model(backend, batch_size=2, retry=RetryPolicy(max_retries=0))


def test_each_batch_is_saved_before_the_next_and_a_failure_keeps_them() -> None:
    cache = DictCache()
    failing = ScriptedBackend(failures=[])
    model = _model(failing)
    original = failing.loglikelihood

    def fail_third(requests: list[LoglikelihoodRequest]) -> list[object]:
        if len(failing.batches) == 2:
            # Both earlier batches are already durable when the third starts.
            assert cache.saves == [2, 2]
            raise ModelError("third batch fails")
        return list(original(requests))

    failing.loglikelihood = fail_third  # type: ignore[method-assign,assignment]
    with pytest.raises(ModelError, match="third batch"), model.using_cache(cache):
        model.run(_requests(6))
    assert model.cache is None  # the hook is gone after the block, even on error
    assert len(cache.entries) == 4

    backend = ScriptedBackend()
    resumed = _model(backend)
    progress: list[int] = []
    with resumed.using_cache(cache):
        answers = resumed.run(_requests(6) + _requests(6), progress=progress.append)
    assert [len(batch) for batch in backend.batches] == [2]
    assert resumed.usage.cached == 4 and resumed.usage.unique_requests == 6
    assert sum(progress) == 12
    fresh = Model(ScriptedBackend(), batch_size=2).run(_requests(6) + _requests(6))
    assert answers == fresh


def test_without_a_cache_nothing_is_looked_up_or_saved() -> None:
    backend = ScriptedBackend()
    model = Model(backend, batch_size=2)
    model.run(_requests(4))
    model.run(_requests(4))
    assert model.usage.cached == 0 and len(backend.batches) == 4
