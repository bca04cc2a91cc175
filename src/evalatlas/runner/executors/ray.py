"""The Ray executor: a run's requests sharded across actors that each load the model once.

The driver (this process) dedupes the requests and answers what the response cache holds,
exactly as ``Model.run`` does. The rest is cut into batches of whole context groups, in the
order and at the pace a local run uses (``models.batching``), and handed to whichever actor
is free. Each finished batch is saved to the cache and reported before anything else
happens, so a job killed on Ray resumes where it stopped, on Ray or locally. Backends score
a request the same in any batch, so the result is the local run's.

A failed or dead actor stops the hand-out; the batches still running are waited for and
saved, then one line says what happened and that rerunning resumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from evalatlas.errors import AtlasError, ModelError
from evalatlas.models import Model, Usage
from evalatlas.models.batching import BatchPacer, BatchTiming, Keyed, ordered_groups, take_batch
from evalatlas.models.cache import ResponseCacheHook, cache_key, model_identity
from evalatlas.models.facade import ProgressCallback
from evalatlas.requests import AnyRequest, AnyResponse, Generation, RequestKind
from evalatlas.runner.executors.ray_actors import short_reason, start_actors, stop_actors
from evalatlas.runner.executors.ray_connect import connect, import_ray
from evalatlas.runner.executors.spec import ExecutorSpec


@dataclass
class _Batch:
    keyed: list[Keyed]
    pacer: BatchPacer
    cost: int


class RayExecutor:
    """Connects on creation; starts actors on the first requests that need computing and
    keeps them, one model at a time, until ``close``."""

    def __init__(self, spec: ExecutorSpec, batch_size: int | None) -> None:
        self.spec = spec
        self.batch_size = batch_size
        self._ray = import_ray()
        self._started_ray = connect(self._ray, spec)
        self._actors: list[Any] = []
        self._actors_model = ""

    @property
    def actors(self) -> list[Any]:
        """The running actors' handles (none before the first computed batch, after a
        failure, or after ``close``)."""
        return list(self._actors)

    def run(
        self, model: Model, requests: Sequence[AnyRequest], progress: ProgressCallback | None
    ) -> list[AnyResponse]:
        model.check_kinds(r.kind for r in requests)
        identity = model_identity(model.info)
        keys = [cache_key(identity, request) for request in requests]
        unique: dict[str, AnyRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            unique.setdefault(key, request)
        model.usage.requests += len(requests)
        model.usage.unique_requests += len(unique)
        answered = dict(model.cache.lookup(list(unique))) if model.cache is not None else {}
        model.usage.cached += len(answered)
        if progress is not None and answered:
            progress(len(answered))
        missing = [(key, request) for key, request in unique.items() if key not in answered]
        if missing:
            actors = self._actors_for(model, identity)
            sink = _Sink(model.cache, model.usage, progress)
            try:
                _Dispatch(self._ray, actors, sink).run(self._batches(model, missing))
            except AtlasError:
                self._stop_actors()  # one may be dead: the next run starts fresh ones
                raise
            answered.update(sink.answered)
        if progress is not None and len(unique) < len(requests):
            progress(len(requests) - len(unique))  # duplicates cost nothing
        return [answered[key] for key in keys]

    def close(self) -> None:
        self._stop_actors()
        if self._started_ray:
            self._ray.shutdown()
            self._started_ray = False

    def _actors_for(self, model: Model, identity: str) -> list[Any]:
        reference = model.info.reference
        if not self._actors or self._actors_model != identity:
            self._stop_actors()
            self._actors = start_actors(
                self._ray, self.spec, (reference, self.batch_size), identity
            )
            self._actors_model = identity
        return self._actors

    def _stop_actors(self) -> None:
        stop_actors(self._ray, self._actors)
        self._actors = []

    def _batches(self, model: Model, missing: list[Keyed]) -> Iterator[_Batch]:
        """Batches as a local run cuts them, kind by kind; lazy, so each is sized by the
        pace measured on the batches finished before it."""
        timing = None if self.batch_size is not None else BatchTiming()
        for kind in RequestKind:
            size = model.generation_batch_size if kind is RequestKind.GENERATE else model.batch_size
            pacer = BatchPacer(size, timing)
            groups = ordered_groups([item for item in missing if item[1].kind == kind])
            while groups:
                keyed, cost = take_batch(groups, pacer)
                yield _Batch(keyed, pacer, cost)


class _Sink:
    """Where finished batches go: the cache first (durable before anything else), then the
    answers, the usage and the progress bar."""

    def __init__(
        self, cache: ResponseCacheHook | None, usage: Usage, progress: ProgressCallback | None
    ) -> None:
        self.cache = cache
        self.usage = usage
        self.progress = progress
        self.answered: dict[str, AnyResponse] = {}

    def take(self, batch: _Batch, responses: list[AnyResponse], seconds: float) -> None:
        if len(responses) != len(batch.keyed):
            raise ModelError(
                f"a Ray actor returned {len(responses)} responses for {len(batch.keyed)} requests"
            )
        if self.cache is not None:
            self.cache.save([(k, r, a) for (k, r), a in zip(batch.keyed, responses, strict=True)])
        batch.pacer.record(batch.cost, seconds)
        self.usage.batches += 1
        self.usage.seconds += seconds
        for (key, _), response in zip(batch.keyed, responses, strict=True):
            self.answered[key] = response
            if isinstance(response, Generation):
                self.usage.generated_tokens += response.tokens
            else:
                self.usage.scored_tokens += response.n_tokens
        if self.progress is not None:
            self.progress(len(batch.keyed))


class _Dispatch:
    """Hands batches to free actors and takes finished ones as they come, in any order."""

    def __init__(self, ray: Any, actors: list[Any], sink: _Sink) -> None:
        self.ray = ray
        self.idle = list(actors)
        self.sink = sink
        self.running: dict[Any, tuple[Any, _Batch]] = {}
        self.failure: AtlasError | None = None

    def run(self, batches: Iterator[_Batch]) -> None:
        while True:
            while self.failure is None and self.idle:
                batch = next(batches, None)
                if batch is None:
                    break
                actor = self.idle.pop()
                ref = actor.answer.remote([request for _, request in batch.keyed])
                self.running[ref] = (actor, batch)
            if not self.running:
                break
            [ready], _ = self.ray.wait(list(self.running), num_returns=1)
            self._finish(ready)
        if self.failure is not None:
            raise self.failure

    def _finish(self, ref: Any) -> None:
        actor, batch = self.running.pop(ref)
        try:
            responses, seconds = self.ray.get(ref)
        except self.ray.exceptions.RayError as error:
            # Keep the first failure; the batches still running are saved before it is raised.
            self.failure = self.failure or _failure(error, self.sink)
            return
        self.sink.take(batch, responses, seconds)
        self.idle.append(actor)


def _failure(error: BaseException, sink: _Sink) -> AtlasError:
    cause = getattr(error, "cause", None)
    if isinstance(cause, AtlasError):
        return cause
    saved = "saved in the response cache" if sink.cache is not None else "not kept (--no-cache)"
    what = "died" if _actor_died(error) else "failed"
    return ModelError(
        f"a Ray actor {what} ({short_reason(error)}); {len(sink.answered)} answers finished "
        f"before it are {saved}: run the same command again to resume"
    )


def _actor_died(error: BaseException) -> bool:
    return type(error).__name__ in {"ActorDiedError", "RayActorError", "ActorUnavailableError"}
