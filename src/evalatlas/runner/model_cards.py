"""What a leaderboard shows about a model (its card), taken from the loaded model.

The card is recorded in the store when a run is saved, so views never load a model. Its
keys: ``parameters`` (int), ``architecture``, ``quantisation``, ``licence``, ``size_label``,
``base_model``, ``source``, ``has_chat_template`` (bool), ``model_type``,
``display_name`` (a bundled model's catalog name: a GGUF's internal name, such as
"Smollm2 135M 8k Lc100K Mix1 Ep2", is no name to show) and ``backend_metadata``
(everything the backend reported, as strings). Unknown facts are left out rather than
guessed.

``model_type`` is inferred by the first rule that applies; quantisation is a property of
its own (``quantisation``), not a type, so a Q4 chat model is instruction-tuned:

1. ``merge``: the model names two or more base models (GGUF ``general.base_model.count``);
2. ``instruction-tuned``: it has a chat template;
3. ``pretrained``: it is a real network (its architecture is known);
4. ``unknown``: anything else (the random baseline, a remote server that says little).
"""

from __future__ import annotations

from typing import Any

from evalatlas.errors import ConfigError
from evalatlas.models.base import ModelInfo
from evalatlas.models.catalog import CATALOG
from evalatlas.models.refs import parse_model_ref

MODEL_TYPES = ("pretrained", "instruction-tuned", "merge", "unknown")
FULL_PRECISION = frozenset({"F32", "F16", "BF16"})
_DTYPE_NAMES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}


def model_card_metadata(info: ModelInfo) -> dict[str, Any]:
    """The card of the model described by ``info``, as stored in the models table."""
    facts = info.metadata
    card: dict[str, Any] = {
        "parameters": _integer(facts.get("parameters")),
        "architecture": facts.get("architecture"),
        "quantisation": quantisation(info),
        "licence": facts.get("licence"),
        "size_label": facts.get("size_label"),
        "base_model": facts.get("base_model"),
        "source": model_source(info),
        "has_chat_template": bool(info.chat_template),
        "model_type": model_type(info),
        "display_name": catalog_name(info.reference),
        "backend_metadata": dict(facts),
    }
    return {key: value for key, value in card.items() if value is not None}


def model_type(info: ModelInfo) -> str:
    """One of ``MODEL_TYPES``, by the rules in the module docstring."""
    facts = info.metadata
    if (_integer(facts.get("base_models")) or 0) >= 2:
        return "merge"
    if info.chat_template:
        return "instruction-tuned"
    if facts.get("architecture"):
        return "pretrained"
    return "unknown"


def catalog_name(reference: str) -> str | None:
    """The catalog's name of a bundled model (``bundled:NAME``); None for any other."""
    try:
        ref = parse_model_ref(reference)
    except ConfigError:
        return None
    return ref.target if ref.scheme == "bundled" and ref.target in CATALOG else None


def is_quantised(quantisation: str | None) -> bool:
    """True for a known quantised format (``Q4_1``, ``gptq``); False for full precision
    (``F16``, llama.cpp's ``ALL_F32``) and for an unknown or unnamed file type."""
    if not quantisation or quantisation.startswith("file type"):
        return False
    return quantisation.upper().removeprefix("ALL_") not in FULL_PRECISION


def quantisation(info: ModelInfo) -> str | None:
    """The GGUF file type llama.cpp reports (``Q4_1``), or for transformers the dtype of
    the loaded weights (``F32``, ``BF16``, or e.g. ``int8`` for quantised weights)."""
    facts = info.metadata
    if facts.get("quantisation"):
        return facts["quantisation"]
    dtype = facts.get("dtype")
    return _DTYPE_NAMES.get(dtype, dtype) if dtype else None


def model_source(info: ModelInfo) -> str | None:
    """Where the weights came from: the GGUF file (llama.cpp), the hub id@commit or local
    folder (transformers), the server URL (OpenAI-compatible); None for the random
    baseline."""
    if info.metadata.get("path"):
        return info.metadata["path"]
    if info.fingerprint.startswith("hf:"):  # a hub model: id@resolved commit
        return info.fingerprint.removeprefix("hf:")
    if info.backend == "random":
        return None
    try:
        ref = parse_model_ref(info.reference)
    except ConfigError:
        return None  # a reference made by hand (tests, library use) names no source
    gguf_file = ref.option("gguf_file")
    return f"{ref.target}/{gguf_file}" if gguf_file else ref.target or None


def _integer(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
