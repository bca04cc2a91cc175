"""Transformers causal language models: a local folder, a hub id at a revision, or a GGUF.

    hf:ID_OR_DIR[@REVISION][?gguf_file=F&dtype=float32&device=cpu&max_length=N]

- ``ID_OR_DIR``: a folder written by ``save_pretrained``, a ``.gguf`` file, or a hub id such
  as ``HuggingFaceTB/SmolLM2-135M-Instruct`` (``@REVISION``: branch, tag or commit).
- ``gguf_file``: a GGUF inside the folder (or hub repository); transformers dequantises it.
- ``dtype``: float32 (default), bfloat16, float16 or auto (the dtype the model was saved in).
- ``device``: cpu (default), cuda, cuda:N or mps.
- ``max_length``: the context window; longer inputs are cut from the left (default: the
  model's context length).
- ``prefix_sharing``: 1 (default) scores requests that share a prefix (the choices of one
  question, samples with the same few-shot header) with each shared token computed once,
  through tree attention; 0 scores every request on its own.
- ``batch_tokens``: tokens per forward pass (default: 8192 on a CPU, where larger passes
  bring no speed, 65536 on a GPU). A pass that runs out of memory halves the budget and is
  retried, so the default settles on the largest batch that fits.
- ``trust_remote_code`` is refused: EvalAtlas never runs code from a model repository.

Scoring follows lm-evaluation-harness: trailing whitespace of a context moves to the
continuation, the continuation's tokens are those of ``context + continuation`` after the
context's tokens, an empty context is conditioned on the BOS token (EOS when there is none),
and rolling log-likelihoods use disjoint windows. Without prefix sharing, batches are
right-padded so that a request's log-probs do not depend on its neighbours (pads sit after
its last token; only float32 rounding may differ, where the math library sums a batch of
another shape in another order). With it (the default) they agree with that to rounding:
a load-time check compares both on probe questions and switches sharing off for a model
where they differ by more than ``TREE_TOLERANCE`` nats, or whose attention is neither
full nor a sliding window.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from evalatlas.errors import ConfigError, ModelError, did_you_mean
from evalatlas.models.backends.hf_tree import TreeScorer, collect, row_results
from evalatlas.models.backends.prefix_tree import ScoringRow, pack_rows
from evalatlas.models.base import DeclaredBackend, ModelInfo
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

INSTALL_HINT = "pip install 'evalatlas[hf]'"
KNOWN_OPTIONS = (
    "gguf_file",
    "dtype",
    "device",
    "max_length",
    "prefix_sharing",
    "batch_tokens",
    "trust_remote_code",
)
DTYPES = ("float32", "bfloat16", "float16", "auto")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf")
# lm-evaluation-harness's choice when a config names no context length.
DEFAULT_MAX_LENGTH = 2048
# Rows x padded width of one forward pass when the reference names none. More tokens per
# pass brings no speed on a CPU; out of memory, the budget is halved and the pass retried.
DEFAULT_BATCH_TOKENS = {"cpu": 8192, "accelerator": 65536}
# Largest |log-prob| gap (nats) between tree and plain scoring accepted at load time.
TREE_TOLERANCE = 1e-4
# Every matrix product of a pass gets at least this many rows (see ``_kept_positions``):
# CPU kernels take a differently rounded path for tiny row counts, which would make a
# request's log-probs depend on how many neighbours it has.
MIN_PASS_ROWS = 16
_CONTEXT_LENGTH_FIELDS = ("max_position_embeddings", "n_positions", "max_sequence_length")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_DEVICE = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")
_FALSE_WORDS = ("", "0", "false", "no", "off")
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class HFModules:
    torch: ModuleType
    transformers: ModuleType


def import_hf() -> HFModules:
    """Import torch and transformers, or say exactly how to install them."""
    try:
        torch = importlib.import_module("torch")
        transformers = importlib.import_module("transformers")
    except ImportError as error:
        raise ModelError(
            f"the hf backend needs torch and transformers ({error}); install them with: "
            f"{INSTALL_HINT}"
        ) from None
    return HFModules(torch, transformers)


# --- what to load ---------------------------------------------------------------------------

SourceKind = Literal["folder", "gguf", "hub"]


@dataclass(frozen=True)
class HFSource:
    """Where the weights come from: ``location`` is a folder path or a hub id."""

    kind: SourceKind
    location: str
    gguf_file: str | None = None
    revision: str | None = None

    def pretrained_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"trust_remote_code": False}
        if self.revision is not None:
            kwargs["revision"] = self.revision
        if self.gguf_file is not None:
            kwargs["gguf_file"] = self.gguf_file
        return kwargs

    @property
    def label(self) -> str:
        if self.kind == "hub":
            return f"{self.location}@{self.revision or 'main'}"
        return str(Path(self.location) / (self.gguf_file or ""))


@dataclass(frozen=True)
class LoadOptions:
    dtype: str = "float32"
    device: str = "cpu"
    max_length: int | None = None
    prefix_sharing: bool = True
    batch_tokens: int | None = None  # None: DEFAULT_BATCH_TOKENS for the device


def parse_options(ref: ModelRef) -> LoadOptions:
    """Check the reference's options before anything heavy is imported."""
    for key in ref.options:
        if key not in KNOWN_OPTIONS:
            raise ConfigError(
                f"model reference {ref.raw!r}: unknown option {key!r}."
                f"{did_you_mean(key, KNOWN_OPTIONS)} Known: {', '.join(KNOWN_OPTIONS)}"
            )
    remote_code = ref.option("trust_remote_code")
    if remote_code is not None and remote_code.strip().lower() not in _FALSE_WORDS:
        raise ConfigError(
            f"model reference {ref.raw!r}: trust_remote_code is refused; EvalAtlas never runs "
            "code from a model repository, so use a model whose architecture transformers ships"
        )
    dtype = ref.option("dtype") or "float32"
    if dtype not in DTYPES:
        raise ConfigError(
            f"model reference {ref.raw!r}: dtype={dtype!r} is not one of {', '.join(DTYPES)}"
        )
    device = ref.option("device") or "cpu"
    if not _DEVICE.match(device):
        raise ConfigError(
            f"model reference {ref.raw!r}: device={device!r} must be cpu, cuda, cuda:N or mps"
        )
    max_length = ref.int_option("max_length", 0) or None
    if max_length is not None and max_length < 2:
        raise ConfigError(f"model reference {ref.raw!r}: max_length must be at least 2")
    batch_tokens = ref.int_option("batch_tokens", 0) or None
    if batch_tokens is not None and batch_tokens < MIN_PASS_ROWS:
        raise ConfigError(
            f"model reference {ref.raw!r}: batch_tokens must be at least {MIN_PASS_ROWS}"
        )
    sharing = ref.int_option("prefix_sharing", 1) != 0
    return LoadOptions(dtype, device, max_length, sharing, batch_tokens)


def resolve_source(ref: ModelRef) -> HFSource:
    """A folder, a GGUF inside a folder, or a hub id; raises ConfigError for anything else."""
    gguf_file = ref.option("gguf_file") or None
    path = Path(ref.target).expanduser()
    if path.is_file() and path.suffix == ".gguf" and gguf_file is None:
        path, gguf_file = path.parent, path.name
    if path.is_dir():
        if ref.revision is not None:
            raise ConfigError(
                f"model reference {ref.raw!r}: @{ref.revision} names a hub revision, "
                f"but {path} is a local folder; drop the '@{ref.revision}'"
            )
        if gguf_file is None:
            return HFSource("folder", str(path.resolve()))
        if not (path / gguf_file).is_file():
            raise ConfigError(f"model reference {ref.raw!r}: {path / gguf_file} does not exist")
        return HFSource("gguf", str(path.resolve()), gguf_file)
    if _looks_like_path(ref.target) or not _HUB_ID.match(ref.target):
        raise ConfigError(
            f"model reference {ref.raw!r}: {path} is neither a folder, a .gguf file nor a "
            "hub id like 'org/name'"
        )
    return HFSource("hub", ref.target, gguf_file, ref.revision)


def _looks_like_path(target: str) -> bool:
    return target.startswith(("/", ".", "~")) or "\\" in target or target.count("/") > 1


# --- loading --------------------------------------------------------------------------------


def from_reference(ref: ModelRef) -> HFBackend:
    options = parse_options(ref)
    hf = import_hf()
    source = resolve_source(ref)
    _check_device(options.device, hf, ref)
    tokenizer, model = load_pretrained(source, options.dtype, hf)
    model.to(options.device)
    model.eval()
    return HFBackend(ref.raw, source, options, model, tokenizer, hf)


def load_pretrained(source: HFSource, dtype: str, hf: HFModules) -> tuple[Any, Any]:
    """(tokenizer, model) through ``from_pretrained``; failures become one-line ModelErrors."""
    transformers = hf.transformers
    kwargs = source.pretrained_kwargs()
    torch_dtype = dtype if dtype == "auto" else getattr(hf.torch, dtype)
    # transformers renamed ``torch_dtype`` to ``dtype``; accept both generations.
    dtype_key = "dtype" if _accepts_dtype_keyword(transformers) else "torch_dtype"
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(source.location, **kwargs)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            source.location, **kwargs, **{dtype_key: torch_dtype}
        )
    except Exception as error:  # every loader failure is reported as one line below
        raise _load_error(source, error) from None
    return tokenizer, model


def _accepts_dtype_keyword(transformers: ModuleType) -> bool:
    version = tuple(int(p) for p in re.findall(r"\d+", transformers.__version__)[:2])
    return version >= (4, 56)


def _load_error(source: HFSource, error: Exception) -> ModelError:
    reason = _first_line(error)
    if source.kind == "hub" and _is_download_failure(error):
        return ModelError(
            f"cannot download {source.label} from the Hugging Face hub ({reason}): "
            "check the id/network or pass a local folder"
        )
    return ModelError(f"cannot load {source.label} with transformers ({reason})")


def _is_download_failure(error: Exception) -> bool:
    # transformers reports a missing repository or an unreachable hub as OSError; the hub
    # client's own errors may surface unwrapped.
    origin = type(error).__module__.split(".")[0]
    return isinstance(error, OSError) or origin in ("huggingface_hub", "httpx", "requests")


def _first_line(error: Exception, limit: int = 200) -> str:
    text = str(error).strip().splitlines()
    line = text[0].strip() if text else type(error).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _check_device(device: str, hf: HFModules, ref: ModelRef) -> None:
    torch = hf.torch
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"model reference {ref.raw!r}: device={device} but CUDA is unavailable")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"model reference {ref.raw!r}: device=mps but MPS is unavailable")


# --- identity -------------------------------------------------------------------------------


def weights_fingerprint(source: HFSource, config: Any) -> str:
    """sha256 of the weight files for local models; the commit hash for hub models."""
    if source.kind == "hub":
        # transformers records the commit it resolved; a branch name is the weaker fallback
        # and stays visible as such in the fingerprint.
        commit = getattr(config, "_commit_hash", None) or source.revision or "main"
        return f"hf:{source.location}@{commit}"
    folder = Path(source.location)
    if source.gguf_file is not None:
        files = [folder / source.gguf_file]
    else:
        files = sorted(p for p in folder.iterdir() if p.suffix in WEIGHT_SUFFIXES and p.is_file())
    if not files:
        raise ModelError(f"{folder}: no weight files ({', '.join(WEIGHT_SUFFIXES)}) to fingerprint")
    stamps = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return "sha256:" + _digest_files(stamps)


@lru_cache(maxsize=32)
def _digest_files(stamps: tuple[tuple[str, int, int], ...]) -> str:
    # Keyed by size and mtime too, so a rewritten file is hashed again.
    digest = hashlib.sha256()
    for path, _, _ in stamps:
        with open(path, "rb") as handle:
            while chunk := handle.read(_HASH_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def chat_template_source(tokenizer: Any, source: HFSource) -> str | None:
    """The tokenizer's chat template, else the GGUF's ``tokenizer.chat_template``."""
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, dict):  # named templates: the default one is the chat template
        template = template.get("default")
    if isinstance(template, str) and template:
        return template
    if source.kind == "gguf" and source.gguf_file is not None:
        return _gguf_chat_template(Path(source.location) / source.gguf_file)
    return None


def _gguf_chat_template(path: Path) -> str | None:
    from gguf import GGUFReader

    field = GGUFReader(path).get_field("tokenizer.chat_template")
    if field is None:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def context_length(config: Any) -> int | None:
    for name in _CONTEXT_LENGTH_FIELDS:
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


# --- token arithmetic (pure) ----------------------------------------------------------------


def scoring_row(context: Sequence[int], targets: Sequence[int], max_length: int) -> ScoringRow:
    """``context + targets`` cut from the left to ``max_length + 1`` tokens, minus the last.

    The model reads at most ``max_length`` tokens; every target keeps its true predecessor.
    """
    if len(targets) > max_length:
        raise ModelError(
            f"a continuation of {len(targets)} tokens exceeds the model's {max_length}-token "
            "context; shorten it or raise max_length"
        )
    joined = [*context, *targets]
    window = joined[-(max_length + 1) :]
    return ScoringRow(tuple(window[:-1]), tuple(targets), truncated=len(window) < len(joined))


def rolling_rows(tokens: Sequence[int], prefix_id: int, max_length: int) -> list[ScoringRow]:
    """Disjoint windows that score every token exactly once.

    The first window is conditioned on ``prefix_id``; each later one on the tokens before it,
    as many as fit.
    """
    if not tokens:
        return []
    first = min(max_length, len(tokens))
    rows = [scoring_row([prefix_id], tokens[:first], max_length)]
    done = first
    while done < len(tokens):
        end = min(len(tokens), done + max_length)
        rows.append(
            scoring_row(tokens[max(0, done - max_length) : done], tokens[done:end], max_length)
        )
        done = end
    return rows


def first_stop(text: str, until: Sequence[str]) -> int | None:
    """Index where the earliest stop string starts, or None."""
    found = [i for i in (text.find(s) for s in until if s) if i >= 0]
    return min(found) if found else None


@dataclass(frozen=True)
class TokenFacts:
    bos_id: int | None
    eos_ids: frozenset[int]
    adds_bos: bool
    pad_id: int

    @property
    def prefix_id(self) -> int | None:
        """What an empty context is conditioned on: BOS, else EOS."""
        if self.bos_id is not None:
            return self.bos_id
        return min(self.eos_ids) if self.eos_ids else None


def token_facts(tokenizer: Any, model: Any) -> TokenFacts:
    bos_id = tokenizer.bos_token_id
    probe = tokenizer("a", add_special_tokens=True)["input_ids"]
    adds_bos = bos_id is not None and len(probe) > 0 and probe[0] == bos_id
    eos_ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    generation_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    if isinstance(generation_eos, int):
        eos_ids.add(generation_eos)
    elif isinstance(generation_eos, list):
        eos_ids.update(generation_eos)
    # Right padding puts pads after every real token, so their value is never read.
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    return TokenFacts(bos_id, frozenset(eos_ids), adds_bos, pad_id)


# --- the backend ----------------------------------------------------------------------------


class HFBackend(DeclaredBackend):
    """A loaded transformers model answering the three request kinds."""

    # The most requests per paced batch: samples of one batch sharing a few-shot header
    # share its computation (an explicit --batch-size can make batches larger still).
    preferred_batch_size = 256

    def __init__(
        self,
        reference: str,
        source: HFSource,
        options: LoadOptions,
        model: Any,
        tokenizer: Any,
        hf: HFModules,
    ) -> None:
        self._source = source
        self._options = options
        self._model: Any = model
        self._tokenizer: Any = tokenizer
        self._torch: Any = hf.torch
        self._facts = token_facts(tokenizer, model)
        self._keeps_logits = "logits_to_keep" in inspect.signature(model.forward).parameters
        template = chat_template_source(tokenizer, source)
        self._chat = (
            ChatTemplate(template, tokenizer.bos_token or "", tokenizer.eos_token or "")
            if template
            else None
        )
        self._batch_tokens = (
            options.batch_tokens
            or DEFAULT_BATCH_TOKENS["cpu" if options.device == "cpu" else "accelerator"]
        )
        self._max_length = options.max_length or context_length(model.config) or DEFAULT_MAX_LENGTH
        self._tree = TreeScorer(hf.torch, model, options.device, self._facts.pad_id)
        self._prefix_sharing = False
        sharing = self._check_tree() if options.prefix_sharing else "off (prefix_sharing=0)"
        self._prefix_sharing = sharing == "on"
        self._info = self._describe(reference, template, hf, sharing)

    def _describe(
        self, reference: str, template: str | None, hf: HFModules, sharing: str
    ) -> ModelInfo:
        config = self._model.config
        architectures = getattr(config, "architectures", None) or [config.model_type]
        first = next(self._model.parameters())
        source = self._source
        name = source.location if source.kind == "hub" else Path(source.location).name
        if source.gguf_file is not None:
            name = Path(source.gguf_file).stem
        metadata = {
            "architecture": str(architectures[0]),
            "parameters": str(sum(p.numel() for p in self._model.parameters())),
            "dtype": str(first.dtype).removeprefix("torch."),
            "device": self._options.device,
            "source": source.kind,
            "prefix_sharing": sharing,
        }
        if source.gguf_file is not None:
            metadata["gguf_file"] = source.gguf_file
        if source.revision is not None:
            metadata["revision"] = source.revision
        return ModelInfo(
            reference=reference,
            backend="hf",
            name=name,
            fingerprint=weights_fingerprint(source, config),
            chat_template=template,
            bos_token=self._tokenizer.bos_token,
            eos_token=self._tokenizer.eos_token,
            add_bos_token=self._facts.adds_bos,
            context_length=context_length(config),
            versions={"torch": hf.torch.__version__, "transformers": hf.transformers.__version__},
            metadata=metadata,
        )

    def close(self) -> None:
        self._model = None
        self._tokenizer = None

    @property
    def shares_prefixes(self) -> bool:
        """True when requests sharing a prefix are scored with it computed once."""
        return self._prefix_sharing

    def _check_tree(self) -> str:
        """ "on" when tree scoring matches plain scoring on probe questions, else why not."""
        layout = self._tree.layout
        if not layout.supported:
            return f"off (attention layers {sorted(layout.layer_types)} are not supported)"
        rows = self._probe_rows()
        try:
            tree, plain = self._score_tree(rows), self._score_plain(rows)
        except Exception as error:  # a model that rejects a tree mask is scored plainly
            return f"off (tree attention failed: {_first_line(error)})"
        gap = max(abs(a.logprob - b.logprob) for a, b in zip(tree, plain, strict=True))
        if gap > TREE_TOLERANCE:
            return f"off (tree scoring differed from plain by {gap:.2g} nats)"
        return "on"

    def _probe_rows(self) -> list[ScoringRow]:
        header = "The following are questions about the sky.\n\n"
        pairs = [
            ("Question: What colour is the sky?\nAnswer:", " blue"),
            ("Question: What colour is the sky?\nAnswer:", " green like grass"),
            ("Question: What colour is the sky?\nAnswer:", " red"),
            ("Question: What is above the clouds?\nAnswer:", " the sun, 150 million km away"),
        ]
        requests = [
            LoglikelihoodRequest("probe", index, header + context, continuation)
            for index, (context, continuation) in enumerate(pairs)
        ]
        return [self._pair_row(request) for request in requests]

    # -- tokens --

    def _loaded(self) -> tuple[Any, Any]:
        if self._model is None:
            raise ModelError(f"model {self._info.reference!r} was closed")
        return self._model, self._tokenizer

    def _encode(self, text: str) -> list[int]:
        _, tokenizer = self._loaded()
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    def _encode_as_model_does(self, text: str) -> list[int]:
        # BOS only where the model's own tokenizer adds it; never EOS or other extras.
        ids = self._encode(text)
        if self._facts.adds_bos and self._facts.bos_id is not None:
            return [self._facts.bos_id, *ids]
        return ids

    def _prefix_id(self) -> int:
        if self._facts.prefix_id is None:
            raise ModelError(
                f"model {self._info.reference!r} has neither a BOS nor an EOS token to condition "
                "an empty context on"
            )
        return self._facts.prefix_id

    def _pair_row(self, request: LoglikelihoodRequest) -> ScoringRow:
        context, continuation = request.context, request.continuation
        if context == "":
            return scoring_row([self._prefix_id()], self._encode(continuation), self._max_length)
        stripped = context.rstrip()
        context, continuation = stripped, context[len(stripped) :] + continuation
        whole = self._encode_as_model_does(context + continuation)
        context_ids = self._encode_as_model_does(context)
        targets = whole[len(context_ids) :]
        # A whitespace-only context leaves nothing to predict the first token from.
        return scoring_row(context_ids or [self._prefix_id()], targets, self._max_length)

    # -- scoring --

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        return self._score([self._pair_row(r) for r in requests])

    def loglikelihood_rolling(
        self, requests: Sequence[RollingLoglikelihoodRequest]
    ) -> list[LoglikelihoodResult]:
        owners: list[int] = []
        rows: list[ScoringRow] = []
        for number, request in enumerate(requests):
            tokens = self._encode(request.text)
            windows = rolling_rows(tokens, self._prefix_id(), self._max_length) if tokens else []
            rows.extend(windows)
            owners.extend([number] * len(windows))
        totals = [0.0] * len(requests)
        counts = [0] * len(requests)
        for owner, result in zip(owners, self._score(rows), strict=True):
            totals[owner] += result.logprob
            counts[owner] += result.n_tokens
        return [LoglikelihoodResult(t, False, n) for t, n in zip(totals, counts, strict=True)]

    def _score(self, rows: Sequence[ScoringRow]) -> list[LoglikelihoodResult]:
        if self._prefix_sharing:
            return self._score_tree(rows)
        return self._score_plain(rows)

    def _score_tree(self, rows: Sequence[ScoringRow]) -> list[LoglikelihoodResult]:
        # A pack grows to twice its first request: a shared few-shot header is then read
        # once per two or more samples, while the dense tree mask stays small.
        packs = pack_rows(rows, self._batch_tokens, growth=2.0)
        packs.sort(key=len, reverse=True)
        totals = [0.0] * len(rows)
        greedy = [True] * len(rows)
        start = 0
        while start < len(packs):
            count = max(1, self._batch_tokens // max(len(packs[start]), 1))
            chunk = packs[start : start + count]
            try:
                scores = self._tree.score(chunk)
            except RuntimeError as error:
                self._shrink_batch(error, len(chunk[0]))
                continue  # the same packs again, in smaller passes
            collect(chunk, scores, totals, greedy)
            start += len(chunk)
        return row_results(
            [len(r.targets) for r in rows], totals, greedy, [r.truncated for r in rows]
        )

    def _shrink_batch(self, error: RuntimeError, smallest: int) -> None:
        """Halve the tokens per pass after running out of memory; re-raise anything else."""
        if not _out_of_memory(error) or self._batch_tokens <= smallest:
            raise error
        self._batch_tokens //= 2
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()

    def _score_plain(self, rows: Sequence[ScoringRow]) -> list[LoglikelihoodResult]:
        while True:
            try:
                return self._score_plain_once(rows)
            except RuntimeError as error:
                self._shrink_batch(error, max((len(r.input_ids) for r in rows), default=0))

    def _score_plain_once(self, rows: Sequence[ScoringRow]) -> list[LoglikelihoodResult]:
        results: list[LoglikelihoodResult] = [LoglikelihoodResult(0.0, True, 0)] * len(rows)
        # Longest first, so rows of similar length share a pass and padding stays small.
        # Padding never changes a row's log-probs: pads sit after its last real token.
        order = sorted(
            (i for i, row in enumerate(rows) if row.targets),
            key=lambda i: len(rows[i].input_ids),
            reverse=True,
        )
        for width, chunk in _chunks_by_tokens(order, rows, self._batch_tokens):
            scored = self._score_chunk([rows[i] for i in chunk], width)
            for index, result in zip(chunk, scored, strict=True):
                results[index] = result
        return results

    def _score_chunk(self, rows: list[ScoringRow], width: int) -> list[LoglikelihoodResult]:
        torch = self._torch
        model, _ = self._loaded()
        ids = torch.full((len(rows), width), self._facts.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row.input_ids)] = torch.tensor(row.input_ids, dtype=torch.long)
            mask[i, : len(row.input_ids)] = 1
        starts = [len(row.input_ids) - len(row.targets) for row in rows]
        low, high = _kept_positions(min(starts), max(len(r.input_ids) for r in rows), width)
        with torch.inference_mode():
            logits = self._logits(model, ids, mask, low, high)
            return [
                _row_result(logits[i, start - low : start - low + len(row.targets)], row, torch)
                for i, (row, start) in enumerate(zip(rows, starts, strict=True))
            ]

    def _logits(self, model: Any, ids: Any, mask: Any, low: int, high: int) -> Any:
        """Logits of positions ``low..high-1`` only: projecting onto the vocabulary is costly."""
        device = self._options.device
        inputs = {
            "input_ids": ids.to(device),
            "attention_mask": mask.to(device),
            "use_cache": False,
        }
        if self._keeps_logits:
            keep = self._torch.arange(low, high, device=device)
            return model(**inputs, logits_to_keep=keep).logits
        return model(**inputs).logits[:, low:high]

    # -- generation --

    def generate(self, requests: Sequence[GenerateRequest]) -> list[Generation]:
        # One request at a time: no padding can change an answer, and each seed stands alone.
        return [self._generate_one(request) for request in requests]

    def _prompt_ids(self, request: GenerateRequest) -> list[int]:
        if request.messages is None:
            return self._encode_as_model_does(request.prompt or "")
        # The rendered template already holds any BOS the model expects.
        return self._encode(self.render_chat(request.messages))

    def render_chat(self, messages: Sequence[ChatMessage]) -> str:
        """The conversation as the text this model generates its answer after: its chat
        template applied, the generation prompt added."""
        if self._chat is None:
            raise ConfigError(
                f"model {self._info.reference!r} has no chat template; send a plain prompt "
                "instead of chat messages"
            )
        chat = [Message(role=m.role, content=m.content) for m in messages]
        return self._chat.render(chat, add_generation_prompt=True)

    def _generate_one(self, request: GenerateRequest) -> Generation:
        if request.temperature < 0:
            raise ConfigError(f"request {request.request_id}: temperature must be >= 0")
        if request.max_tokens <= 0:
            return Generation("", 0, "length")
        prompt = self._prompt_ids(request) or [self._prefix_id()]
        room = self._max_length - request.max_tokens
        if room < 1:
            raise ModelError(
                f"request {request.request_id}: max_tokens={request.max_tokens} leaves no room "
                f"for the prompt in the model's {self._max_length}-token context"
            )
        with self._torch.inference_mode():
            tokens, finish = self._decode(prompt[-room:], request)
        truncated = len(prompt) > room
        _, tokenizer = self._loaded()
        text = tokenizer.decode(tokens, skip_special_tokens=True)
        cut = first_stop(text, request.until)
        if cut is not None:
            text, finish = text[:cut], "stop"
        return Generation(text, len(tokens), finish, truncated)

    def _decode(self, prompt: list[int], request: GenerateRequest) -> tuple[list[int], str]:
        torch = self._torch
        model, tokenizer = self._loaded()
        device = self._options.device
        generator = torch.Generator(device=device).manual_seed(request.seed)
        step_input = torch.tensor([prompt], dtype=torch.long, device=device)
        past: Any = None
        tokens: list[int] = []
        for _ in range(request.max_tokens):
            extra = {"logits_to_keep": 1} if self._keeps_logits else {}
            output = model(input_ids=step_input, past_key_values=past, use_cache=True, **extra)
            past = output.past_key_values
            token = _next_token(output.logits[0, -1], request.temperature, generator, torch)
            if token in self._facts.eos_ids:
                return tokens, "stop"
            tokens.append(token)
            if (
                request.until
                and first_stop(tokenizer.decode(tokens, skip_special_tokens=True), request.until)
                is not None
            ):
                return tokens, "stop"
            step_input = torch.tensor([[token]], dtype=torch.long, device=device)
        return tokens, "length"


def _row_result(logits: Any, row: ScoringRow, torch: Any) -> LoglikelihoodResult:
    """Sum of the targets' log-probs: log_softmax in float32, the sum in float64."""
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    targets = torch.tensor(row.targets, dtype=torch.long, device=log_probs.device)
    picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    greedy = bool((log_probs.argmax(dim=-1) == targets).all())
    return LoglikelihoodResult(
        float(picked.double().sum()), greedy, len(row.targets), row.truncated
    )


def _next_token(logits: Any, temperature: float, generator: Any, torch: Any) -> int:
    if temperature == 0:
        return int(logits.argmax())
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))


def _out_of_memory(error: RuntimeError) -> bool:
    return "out of memory" in str(error).lower() or "can't allocate memory" in str(error)


def _chunks_by_tokens(
    order: list[int], rows: Sequence[ScoringRow], batch_tokens: int
) -> Iterator[tuple[int, list[int]]]:
    """(padded width, row indices) of consecutive rows, at most ``batch_tokens`` per pass.

    ``order`` is longest first, so the first row of a chunk sets its width.
    """
    chunk: list[int] = []
    width = 0
    for index in order:
        if chunk and (len(chunk) + 1) * width > batch_tokens:
            yield width, chunk
            chunk = []
        if not chunk:
            width = max(len(rows[index].input_ids), MIN_PASS_ROWS)
        chunk.append(index)
    if chunk:
        yield width, chunk


def _kept_positions(low: int, high: int, width: int) -> tuple[int, int]:
    """Widen ``[low, high)`` to at least MIN_PASS_ROWS positions inside ``[0, width)``."""
    if high - low >= MIN_PASS_ROWS:
        return low, high
    low = max(0, high - MIN_PASS_ROWS)
    return low, min(width, low + MIN_PASS_ROWS)
