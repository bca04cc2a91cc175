"""Reading task YAML safely: no code, no unknown tags, ``include`` merged underneath.

A task file is data. PyYAML's safe loader builds only plain values; the ``!function`` tag
that lm-evaluation-harness uses to run Python is refused with a message saying why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from evalatlas.errors import ConfigError

FUNCTION_TAG_MESSAGE = (
    "!function runs Python; EvalAtlas task files cannot run code — "
    "use a built-in adapter or a Python task"
)


class _TaskFileLoader(yaml.SafeLoader):
    """A safe loader that knows which file it reads, to name it in errors."""

    task_file: Path = Path("<task file>")


def _refuse_function(loader: _TaskFileLoader, node: yaml.Node) -> Any:
    line = node.start_mark.line + 1
    raise ConfigError(f"{loader.task_file}:{line}: {FUNCTION_TAG_MESSAGE}")


_TaskFileLoader.add_constructor("!function", _refuse_function)


def parse_yaml_text(text: str, path: Path) -> dict[str, Any]:
    """Parse one task file's text into a mapping; ``path`` is only used in messages."""
    loader = _TaskFileLoader(text)
    loader.task_file = path
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = error.problem or error.context or "invalid YAML"
        raise ConfigError(f"{where}: invalid YAML ({problem})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML ({' '.join(str(error).split())})") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = "an empty file" if data is None else type(data).__name__
        raise ConfigError(f"{path}: a task file must be a mapping of keys, found {kind}")
    bad_keys = [key for key in data if not isinstance(key, str)]
    if bad_keys:
        raise ConfigError(f"{path}: keys must be strings, found {bad_keys[0]!r}")
    return data


def read_task_yaml(path: Path) -> dict[str, Any]:
    """Read ``path`` and every file it includes, the including file's keys winning.

    ``include`` is resolved relative to the including file; a name without an extension
    also tries ``.yaml`` (lm-evaluation-harness names templates like ``_default_template_yaml``).
    Merging is shallow, as in lm-evaluation-harness: a key set here replaces the included
    value whole.
    """
    return read_task_files(path)[0]


def read_task_files(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """``read_task_yaml``, and the text of every file read (path -> text), for the card."""
    texts: dict[str, str] = {}
    return _read_with_includes(path.resolve(), (), texts), texts


def _read_with_includes(
    path: Path, chain: tuple[Path, ...], texts: dict[str, str]
) -> dict[str, Any]:
    if not path.is_file():
        if chain:
            raise ConfigError(f"{chain[-1]}: include {path.name!r}: no such file {path}")
        raise ConfigError(f"{path}: no such task file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read task file ({error})") from None
    texts[str(path)] = text
    data = parse_yaml_text(text, path)
    include = data.pop("include", None)
    if include is None:
        return data
    if not isinstance(include, str) or not include.strip():
        raise ConfigError(f"{path}: include must be a relative path to another task file")
    base_path = _include_path(path, include)
    if base_path in chain or base_path == path:
        cycle = " -> ".join(str(p) for p in (*chain, path, base_path))
        raise ConfigError(f"{path}: include cycle ({cycle})")
    base = _read_with_includes(base_path, (*chain, path), texts)
    return {**base, **data}


def _include_path(including: Path, include: str) -> Path:
    candidate = (including.parent / include).resolve()
    if not candidate.is_file() and not candidate.suffix:
        with_suffix = candidate.with_name(candidate.name + ".yaml")
        if with_suffix.is_file():
            return with_suffix
    return candidate
