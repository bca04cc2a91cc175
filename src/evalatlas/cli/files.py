"""Atomic file output: a reader never sees a half-written file."""

from __future__ import annotations

from pathlib import Path

from evalatlas import atomic_files
from evalatlas.errors import ConfigError


def write_text_atomic(path: Path, text: str) -> None:
    if path.is_dir():
        raise ConfigError(f"{path} is a directory; give a file path")
    if not path.parent.exists():
        raise ConfigError(f"cannot write {path}: folder {path.parent} does not exist")
    atomic_files.write_text_atomic(path, text)
