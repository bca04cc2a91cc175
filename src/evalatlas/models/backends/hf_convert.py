"""Dequantise a GGUF once into a plain transformers folder that reloads offline in seconds.

Loading a GGUF through transformers dequantises every tensor on each load; saving the result
as safetensors pays that cost once. The folder appears atomically (written beside it, then
renamed) and carries a marker file, so a half-written folder is never mistaken for a model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from evalatlas.errors import ConfigError, ModelError
from evalatlas.jsonio import dumps
from evalatlas.models.backends.hf import HFSource, import_hf, load_pretrained

MARKER = "evalatlas-conversion.json"


def dequantise_gguf_to_folder(gguf_path: Path, out_dir: Path) -> Path:
    """Write ``gguf_path`` as a float32 transformers folder at ``out_dir``; returns ``out_dir``.

    Does nothing when ``out_dir`` already holds a complete conversion of the same file.
    """
    gguf_path = gguf_path.expanduser().resolve()
    if not gguf_path.is_file():
        raise ConfigError(f"{gguf_path}: GGUF file not found")
    source = _source_record(gguf_path)
    if _is_complete(out_dir, source):
        return out_dir
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ConfigError(
            f"{out_dir} exists but holds no complete conversion ({MARKER} is missing); "
            "remove it or choose another folder"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    # mkdtemp makes a private folder; the published model gets ordinary permissions.
    staging.chmod(0o777 & ~_current_umask())
    try:
        _write_folder(gguf_path, staging, source)
        _publish(staging, out_dir, source)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _source_record(gguf_path: Path) -> dict[str, Any]:
    return {"source": gguf_path.name, "source_bytes": gguf_path.stat().st_size}


def _is_complete(out_dir: Path, source: dict[str, Any]) -> bool:
    marker = out_dir / MARKER
    if not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(
            f"{marker}: unreadable conversion marker ({error}); remove {out_dir}"
        ) from None
    mismatched = [key for key, value in source.items() if recorded.get(key) != value]
    if mismatched:
        raise ConfigError(
            f"{out_dir} holds a conversion of {recorded.get('source')!r} "
            f"({recorded.get('source_bytes')} bytes), not of {source['source']!r} "
            f"({source['source_bytes']} bytes); choose another folder"
        )
    return True


def _write_folder(gguf_path: Path, staging: Path, source: dict[str, Any]) -> None:
    hf = import_hf()
    gguf_source = HFSource("gguf", str(gguf_path.parent), gguf_path.name)
    tokenizer, model = load_pretrained(gguf_source, "float32", hf)
    # The weights are already dequantised; without this the folder would claim to be a GGUF
    # quantisation and transformers would refuse to reload it as plain safetensors.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    try:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
    except OSError as error:
        raise ModelError(f"cannot write the converted model to {staging}: {error}") from None
    record = {
        **source,
        "dtype": "float32",
        "versions": {"torch": hf.torch.__version__, "transformers": hf.transformers.__version__},
    }
    # Written last: its presence is what marks the folder complete.
    (staging / MARKER).write_text(dumps(record, indent=2) + "\n", encoding="utf-8")


def _publish(staging: Path, out_dir: Path, source: dict[str, Any]) -> None:
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    try:
        os.rename(staging, out_dir)
    except OSError as error:
        # Another process may have published the same conversion first.
        if not _is_complete(out_dir, source):
            raise ModelError(f"cannot move the converted model into {out_dir}: {error}") from None
