"""``Model``: the one object harness, judges and arena use to talk to any backend.

It checks support at plan time, dedupes identical requests, answers what its optional
``cache`` (a ``ResponseCacheHook``) already holds, batches the rest (whole groups of one
context, each batch paced to a few seconds unless a size is given: see ``batching``),
retries retryable failures with exponential backoff, saves each finished batch to the cache
and reports it to the progress callback before starting the next, and counts usage.
Backends stay small and stateless about all of that.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from evalatlas.errors import ModelError, UnsupportedRequestError
from evalatlas.models.base import ModelBackend, ModelInfo
from evalatlas.models.batching import BatchPacer, BatchTiming, ordered_groups, take_batch
from evalatlas.models.cache import ResponseCacheHook, cache_key, model_identity
from evalatlas.requests import (
    AnyRequest,
    AnyResponse,
    ChatMessage,
    Generation,
    RequestKind,
    request_key,
)


@dataclass
class Usage:
    requests: int = 0
    unique_requests: int = 0
    cached: int = 0  # unique requests answered from the cache, not the backend
    batches: int = 0
    retries: int = 0
    generated_tokens: int = 0
    scored_tokens: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return dict(vars(self))


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    initial_delay_s: float = 1.0
    multiplier: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)


ProgressCallback = Callable[[int], None]


DEFAULT_BATCH_SIZE = 8


class Model:
    def __init__(
        self,
        backend: ModelBackend,
        *,
        batch_size: int | None = None,
        retry: RetryPolicy | None = None,
        timing: BatchTiming | None = None,
    ) -> None:
        """``batch_size`` None paces batches by ``timing`` (about 5 s each), up to the
        backend's preferred size; a number makes every batch exactly that many requests."""
        chosen = batch_size
        if batch_size is None:
            # The most requests per batch: prefix sharing wants many, a remote server few.
            batch_size = int(getattr(backend, "preferred_batch_size", DEFAULT_BATCH_SIZE))
        if batch_size < 1:
            raise ModelError(f"batch size must be at least 1, got {batch_size}")
        self.backend = backend
        self.batch_size = batch_size
        # The size every batch has when the caller fixed one; None when batches are paced
        # by time (their sizes, and so the shapes of a backend's passes, vary by machine).
        self.fixed_batch_size = chosen
        # A backend that generates one answer at a time gains nothing from a large
        # generation batch, and a small one caches (and reports) each answer as it is done.
        generation = getattr(backend, "preferred_generation_batch_size", batch_size)
        self.generation_batch_size = batch_size if chosen is not None else int(generation)
        self.timing = timing or BatchTiming()
        instant = bool(getattr(backend, "answers_instantly", False))
        paced = None if chosen is not None or instant else self.timing
        self._pacers = {
            kind: BatchPacer(
                self.generation_batch_size if kind is RequestKind.GENERATE else batch_size, paced
            )
            for kind in RequestKind
        }
        self.retry = retry or RetryPolicy()
        self.usage = Usage()
        self._cache: ResponseCacheHook | None = None

    @property
    def info(self) -> ModelInfo:
        return self.backend.info

    @property
    def cache(self) -> ResponseCacheHook | None:
        """The hook answers come from and go to; set only for a scope (``using_cache``)."""
        return self._cache

    @contextmanager
    def using_cache(self, hook: ResponseCacheHook | None) -> Iterator[Model]:
        """Answer from (and save to) ``hook`` inside the block; the previous hook is back
        afterwards, even on error, so a hook never outlives the store it writes to."""
        previous, self._cache = self._cache, hook
        try:
            yield self
        finally:
            self._cache = previous

    def chat_renderer(self) -> Callable[[Sequence[ChatMessage]], str] | None:
        """How this model turns a conversation into the text it answers after (its chat
        template applied by its own backend, generation prompt added), for scoring
        continuations of a chat; None when the backend renders none (no template, or a
        server that applies its own)."""
        render: Callable[[Sequence[ChatMessage]], str] | None = getattr(
            self.backend, "render_chat", None
        )
        return render if render is not None and self.info.chat_template else None

    def check_kinds(self, kinds: Iterable[RequestKind]) -> None:
        """Fail before any work when the backend cannot serve a kind the run needs."""
        for kind in sorted(set(kinds)):
            if kind not in self.backend.supported_kinds:
                raise UnsupportedRequestError(
                    f"model {self.info.reference!r} ({self.info.backend} backend) cannot "
                    f"serve {kind} requests; it supports: "
                    + ", ".join(sorted(self.backend.supported_kinds))
                )
            self.backend.check_kind(kind)

    def run(
        self, requests: Sequence[AnyRequest], progress: ProgressCallback | None = None
    ) -> list[AnyResponse]:
        """Answer every request; responses come back in the order of ``requests``.

        Identical requests (same content, whichever sample asked) are computed once, and
        not at all when ``self.cache`` holds their answer.
        """
        self.check_kinds(r.kind for r in requests)
        self.usage.requests += len(requests)
        keys = [request_key(request) for request in requests]  # hashed once per request
        unique: dict[str, AnyRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            unique.setdefault(key, request)
        self.usage.unique_requests += len(unique)
        keyed = self._cache_keyed(unique)
        answered = self._from_cache(keyed, progress)
        missing = [(k, r) for k, r in keyed if k not in answered]
        answered.update(self._answer_unique(missing, progress))
        if progress is not None and len(unique) < len(requests):
            progress(len(requests) - len(unique))  # duplicates cost nothing
        by_request = {key: answered[k] for key, (k, _) in zip(unique, keyed, strict=True)}
        return [by_request[key] for key in keys]

    def _cache_keyed(self, unique: dict[str, AnyRequest]) -> list[tuple[str, AnyRequest]]:
        """Unique requests keyed by their cache key (the model's identity and the request).

        Without a cache the plain request key does, as nothing outlives this call.
        """
        if self.cache is None:
            return list(unique.items())
        identity = model_identity(self.info)
        return [(cache_key(identity, request), request) for request in unique.values()]

    def _from_cache(
        self, keyed: list[tuple[str, AnyRequest]], progress: ProgressCallback | None
    ) -> dict[str, AnyResponse]:
        if self.cache is None or not keyed:
            return {}
        found = self.cache.lookup([k for k, _ in keyed])
        self.usage.cached += len(found)
        if progress is not None and found:
            progress(len(found))
        return found

    def _answer_unique(
        self, keyed: list[tuple[str, AnyRequest]], progress: ProgressCallback | None
    ) -> dict[str, AnyResponse]:
        answered: dict[str, AnyResponse] = {}
        for kind in RequestKind:
            groups = ordered_groups([(k, r) for k, r in keyed if r.kind == kind])
            pacer = self._pacers[kind]
            while groups:
                batch, cost = take_batch(groups, pacer)
                responses, seconds = self._with_retries(kind, [r for _, r in batch])
                pacer.record(cost, seconds)
                for (key, _), response in zip(batch, responses, strict=True):
                    answered[key] = response
                    self._count(response)
                if self.cache is not None:
                    # Saved before the next batch starts: a run killed later loses nothing.
                    self.cache.save([(k, r, a) for (k, r), a in zip(batch, responses, strict=True)])
                if progress is not None:
                    progress(len(batch))
        return answered

    def _with_retries(self, kind: RequestKind, batch: list[Any]) -> tuple[list[AnyResponse], float]:
        """The batch's responses, and the seconds its successful attempt took."""
        delay = self.retry.initial_delay_s
        clock = self.timing.clock
        for attempt in range(self.retry.max_retries + 1):
            started = clock()
            try:
                responses = self._dispatch(kind, batch)
            except ModelError as error:
                if not error.retryable or attempt == self.retry.max_retries:
                    raise
                self.usage.retries += 1
                self.retry.sleep(delay)
                delay *= self.retry.multiplier
                continue
            finally:
                elapsed = clock() - started
                self.usage.seconds += elapsed
            self.usage.batches += 1
            if len(responses) != len(batch):
                raise ModelError(
                    f"{self.info.backend} backend returned {len(responses)} responses "
                    f"for {len(batch)} requests"
                )
            return responses, elapsed
        raise AssertionError("unreachable: the retry loop always returns or raises")

    def _dispatch(self, kind: RequestKind, batch: list[Any]) -> list[AnyResponse]:
        if kind is RequestKind.LOGLIKELIHOOD:
            return list(self.backend.loglikelihood(batch))
        if kind is RequestKind.ROLLING_LOGLIKELIHOOD:
            return list(self.backend.loglikelihood_rolling(batch))
        return list(self.backend.generate(batch))

    def _count(self, response: AnyResponse) -> None:
        if isinstance(response, Generation):
            self.usage.generated_tokens += response.tokens
        else:
            self.usage.scored_tokens += response.n_tokens

    def close(self) -> None:
        self.backend.close()
