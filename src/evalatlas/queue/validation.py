"""Checking a submission before it is queued, without loading the model.

``check_submission`` refuses (``SubmissionRefused``, one line saying what to change, and
the field to change it in):

- a reference that does not parse, or whose backend options are unknown or malformed;
- any ``trust_remote_code`` option, whatever its value: a queued model never runs code
  from its repository;
- a local path outside the operator's model roots (``AllowList``: none by default), with
  the same words whether or not something is there; a hub id the operator's patterns do
  not match; an endpoint whose host resolves to a loopback, link-local or private address
  the operator did not allow;
- a local GGUF (``llamacpp:PATH``, ``hf:PATH.gguf``) that is missing, is no GGUF file (its
  header is read, the weights are not), is cut short (its tensors reach past its end, the
  rule llama.cpp applies when ``eval`` loads it) or is larger than the size limit; a local
  transformers folder without ``config.json`` or over the limit;
- ``apply_chat_template`` for a model whose GGUF metadata or ``tokenizer_config.json`` has
  no chat template (or for the random baseline);
- a hub id without ``@revision``: the result must name the exact weights;
- an OpenAI-compatible endpoint whose URL is not http(s)://host[:port]/...;
- task names, group names or a suite that do not resolve; task files (paths) are not
  queued, since a web form must not read files of the server.

What cannot be checked here is said in the notes returned, and checked again by the
worker: a hub id is accepted by its form only (the hub may not be reachable from the
server; the worker resolves it), an endpoint is not contacted until the worker runs it
(its host is resolved, not contacted). Messages quote the submitted reference, never a
path of the server.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from evalatlas.errors import ConfigError, ModelError, SubmissionRefused
from evalatlas.models.backends.gguf_extent import check_complete
from evalatlas.models.backends.gguf_meta import GGUF_MAGIC, GgufMetadata, read_gguf_metadata
from evalatlas.models.backends.hf import WEIGHT_SUFFIXES, parse_options
from evalatlas.models.backends.llamacpp import LlamaCppOptions
from evalatlas.models.backends.openai_compat import server_options
from evalatlas.models.backends.random_baseline import from_reference as random_baseline
from evalatlas.models.catalog import bundled_model
from evalatlas.models.refs import ModelRef, parse_model_ref
from evalatlas.prompts import ChatTemplate
from evalatlas.queue.allowlist import AllowList
from evalatlas.store import SubmissionOptions, SubmissionRequest
from evalatlas.tasks.registry import resolve_tasks
from evalatlas.tasks.suites import suite_in
from evalatlas.tasks.task import Task

SIZE_VARIABLE = "EVALATLAS_MAX_MODEL_SIZE"
DEFAULT_MAX_MODEL_BYTES = 16 * 2**30
QUEUED_SCHEMES = ("random", "bundled", "llamacpp", "hf", "openai")
_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[kmgt]?)(?:i?b)?", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")


@dataclass(frozen=True)
class QueueLimits:
    """What the queue accepts: ``max_model_bytes`` caps a local model's weight files;
    ``allow`` is the operator's allow-list of model roots, hub ids and endpoints."""

    max_model_bytes: int = DEFAULT_MAX_MODEL_BYTES
    allow: AllowList = field(default_factory=AllowList)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> QueueLimits:
        """``$EVALATLAS_MAX_MODEL_SIZE`` (``16G``, ``500M``, bytes; default 16 GiB) and the
        allow-list's variables (see ``AllowList.from_environment``)."""
        env = os.environ if environ is None else environ
        text = env.get(SIZE_VARIABLE, "").strip()
        size = parse_size(text, SIZE_VARIABLE) if text else DEFAULT_MAX_MODEL_BYTES
        return cls(max_model_bytes=size, allow=AllowList.from_environment(env))


def parse_size(text: str, what: str) -> int:
    """``16G``, ``1.5GiB``, ``500M`` or a byte count, in binary units."""
    match = _SIZE.fullmatch(text.strip())
    if match is None or float(match["number"]) <= 0:
        raise ConfigError(f"{what}={text!r} is not a size; write e.g. 16G, 500M or 2000000000")
    return int(float(match["number"]) * _UNITS[match["unit"].lower()])


def submission_request(
    model_reference: str,
    tasks: str,
    options: dict[str, Any] | None = None,
    requested_by: str = "anonymous",
) -> SubmissionRequest:
    """A ``SubmissionRequest``, or ConfigError naming the first field out of bounds."""
    try:
        return SubmissionRequest(
            model_reference=model_reference.strip(),
            tasks=tasks.strip(),
            options=SubmissionOptions.model_validate(options or {}),
            requested_by=requested_by.strip(),
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "submission"
        raise ConfigError(f"{where}: {first['msg']}") from None


def check_submission(request: SubmissionRequest, limits: QueueLimits | None = None) -> list[str]:
    """Refuse what cannot run (rules in the module docstring); the notes on what was
    checked and what is left for the worker."""
    try:
        notes = _check_model(request, limits or QueueLimits())
    except (ConfigError, ModelError) as error:  # ModelError: a malformed file header
        raise SubmissionRefused("model_reference", str(error)) from None
    try:
        return notes + _check_tasks(request.tasks)
    except ConfigError as error:
        raise SubmissionRefused("tasks", str(error)) from None


def _check_model(request: SubmissionRequest, limits: QueueLimits) -> list[str]:
    ref = parse_model_ref(request.model_reference)
    _refuse_remote_code(ref)
    if ref.scheme not in QUEUED_SCHEMES:
        raise ConfigError(
            f"model reference {ref.raw!r}: {ref.scheme}: references are not queued; "
            f"the queue takes {', '.join(QUEUED_SCHEMES)} (run others with 'evalatlas eval')"
        )
    return _MODEL_CHECKS[ref.scheme](ref, request.options.apply_chat_template, limits)


def _refuse_remote_code(ref: ModelRef) -> None:
    for key in ref.options:
        if "remote_code" in key.lower():
            raise ConfigError(
                f"model reference {ref.raw!r}: {key} is refused; a queued model never runs "
                "code from its repository: use a model whose architecture transformers ships"
            )


def _check_random(ref: ModelRef, chat: bool, limits: QueueLimits) -> list[str]:
    random_baseline(ref)  # checks its options
    if chat:
        raise ConfigError(
            f"model reference {ref.raw!r}: the random baseline has no chat template; "
            "submit without apply_chat_template"
        )
    return ["random baseline: uniform guesses, log-likelihood tasks only"]


def _check_bundled(ref: ModelRef, chat: bool, limits: QueueLimits) -> list[str]:
    model = bundled_model(ref.target)
    LlamaCppOptions.from_ref(ref)
    if importlib.util.find_spec(model.package) is None:
        raise ConfigError(
            f"bundled model {model.name!r} is not installed on this server; run: {model.install}"
        )
    if chat and not model.has_chat_template:
        raise ConfigError(_no_template(ref, f"bundled model {model.name!r}"))
    return [f"bundled model {model.name}: {model.description}"]


def _check_llamacpp(ref: ModelRef, chat: bool, limits: QueueLimits) -> list[str]:
    LlamaCppOptions.from_ref(ref)
    return _check_gguf(ref, limits.allow.local_path(ref, ref.target), chat, limits)


def _check_hf(ref: ModelRef, chat: bool, limits: QueueLimits) -> list[str]:
    parse_options(ref)
    if _is_hub_id(ref.target):
        # Told apart by its form, not by looking at the disk: whether a folder of that
        # name exists must not change the answer (the worker runs it from an empty folder).
        return _check_hub(ref, chat, limits)
    path = limits.allow.local_path(ref, ref.target)
    gguf_file = ref.option("gguf_file")
    if path.suffix == ".gguf" and not gguf_file:
        return _check_gguf(ref, path, chat, limits)
    if not path.is_dir():
        raise limits.allow.not_allowed(ref)
    if ref.revision is not None:
        raise ConfigError(
            f"model reference {ref.raw!r}: @{ref.revision} names a hub revision, but the "
            f"target is a local folder; drop the '@{ref.revision}'"
        )
    if gguf_file:
        return _check_gguf(ref, limits.allow.inside(ref, path / gguf_file), chat, limits)
    return _check_folder(ref, path, chat, limits)


def _is_hub_id(target: str) -> bool:
    """``org/name`` or ``name``, by its form alone: no path marks, one slash at most."""
    return _HUB_ID.fullmatch(target) is not None and not target.endswith(".gguf")


def _check_hub(ref: ModelRef, chat: bool, limits: QueueLimits) -> list[str]:
    limits.allow.check_hub(ref)
    if ref.revision is None:
        raise ConfigError(
            f"model reference {ref.raw!r}: a hub model needs @revision (a commit, tag or "
            f"branch), e.g. hf:{ref.target}@main, so its results name the exact weights"
        )
    notes = [
        f"hub model {ref.target}@{ref.revision} accepted by its form only: the worker "
        "resolves it when it runs (and fails then if the id or revision does not exist)"
    ]
    if chat:
        notes.append("its chat template is checked by the worker, once the model is fetched")
    return notes


def _check_openai(ref: ModelRef, chat: bool, limits: QueueLimits) -> list[str]:
    server_options(ref)
    try:
        parts = urlsplit(ref.target)
        port = parts.port
    except ValueError as error:
        raise ConfigError(f"model reference {ref.raw!r}: bad server URL ({error})") from None
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(
            f"model reference {ref.raw!r}: the server URL must be http(s)://host[:port]/path "
            "without credentials or query (the api key comes from the worker's environment)"
        )
    default_port = 443 if parts.scheme == "https" else 80
    limits.allow.endpoint_address(ref.raw, parts.hostname, port or default_port)
    where = f"{parts.hostname}:{port}" if port else parts.hostname
    notes = [f"endpoint {where} is not contacted until the worker runs the submission"]
    if chat:
        notes.append("chat template: the server applies its own")
    return notes


def _check_gguf(ref: ModelRef, path: Path, chat: bool, limits: QueueLimits) -> list[str]:
    """``path`` is inside a model root; messages name the reference, never ``path``."""
    if path.is_dir():
        raise ConfigError(f"model reference {ref.raw!r}: that is a folder; give a .gguf file")
    if not path.is_file():
        raise limits.allow.not_allowed(ref)
    size = path.stat().st_size
    _check_size(ref, size, limits)
    if not _has_gguf_magic(path):
        # Said without the bytes found: the form must not become a way to read the server.
        raise ConfigError(
            f"model reference {ref.raw!r}: the file is not a GGUF file; give a .gguf model file"
        )
    meta = _complete_metadata(ref, path)
    if chat and meta.chat_template is None:
        raise ConfigError(_no_template(ref, "the file (no tokenizer.chat_template in metadata)"))
    facts = ", ".join(
        fact for fact in (meta.architecture, meta.quantisation, meta.text("general.name")) if fact
    )
    return [f"GGUF v{meta.version} ({facts or 'no architecture named'}), {_gib(size)}"]


def _complete_metadata(ref: ModelRef, path: Path) -> GgufMetadata:
    """The header, once the file is known to hold every tensor it announces."""
    try:
        meta = read_gguf_metadata(path)
        check_complete(path)
    except (ConfigError, ModelError) as error:
        # The reader's words start with the resolved path: keep only what follows it.
        reason = str(error).removeprefix(f"{path}: ")
        raise ConfigError(f"model reference {ref.raw!r}: {reason}") from None
    return meta


def _has_gguf_magic(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(GGUF_MAGIC)) == GGUF_MAGIC
    except OSError:
        return False


def _check_folder(ref: ModelRef, folder: Path, chat: bool, limits: QueueLimits) -> list[str]:
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"model reference {ref.raw!r}: the folder has no config.json; "
            "give a folder written by save_pretrained"
        )
    size = sum(f.stat().st_size for f in folder.iterdir() if f.name.endswith(WEIGHT_SUFFIXES))
    _check_size(ref, size, limits)
    if chat and not _folder_has_template(folder):
        raise ConfigError(_no_template(ref, "the folder (no chat_template in tokenizer_config)"))
    return [f"transformers folder {folder.name}, {_gib(size)} of weights"]


def _folder_has_template(folder: Path) -> bool:
    if (folder / "chat_template.jinja").is_file():
        return True
    config = folder / "tokenizer_config.json"
    return config.is_file() and ChatTemplate.from_tokenizer_config(config) is not None


def _check_size(ref: ModelRef, size: int, limits: QueueLimits) -> None:
    if size > limits.max_model_bytes:
        raise ConfigError(
            f"model reference {ref.raw!r}: the weights are {_gib(size)}, over the queue's "
            f"limit of {_gib(limits.max_model_bytes)} (the server sets {SIZE_VARIABLE})"
        )


def _no_template(ref: ModelRef, what: str) -> str:
    return (
        f"model reference {ref.raw!r}: apply_chat_template was asked for, but {what} has no "
        "chat template; submit without it or choose an instruction-tuned model"
    )


def _check_tasks(spec: str) -> list[str]:
    names = [name.strip() for name in spec.split(",") if name.strip()]
    paths = [name for name in names if name.endswith((".yaml", ".yml")) or "/" in name]
    if paths or any("\\" in name for name in names):
        raise ConfigError(
            f"tasks {spec!r}: the queue takes task, group or suite names, not task files; "
            "run a task file with 'evalatlas eval'"
        )
    suite = suite_in(spec)
    if suite is not None:
        return [f"suite {suite.name}: {len(suite.benchmarks)} benchmarks"]
    tasks = resolve_tasks(names)
    return [f"{len(tasks)} task{'s' if len(tasks) != 1 else ''}: {_shortened(tasks)}"]


def _shortened(tasks: list[Task]) -> str:
    names = [task.name for task in tasks]
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _gib(size: int) -> str:
    if size >= 2**30:
        return f"{size / 2**30:.2f} GiB"
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size / 2**10:.1f} KiB"


_MODEL_CHECKS = {
    "random": _check_random,
    "bundled": _check_bundled,
    "llamacpp": _check_llamacpp,
    "hf": _check_hf,
    "openai": _check_openai,
}
