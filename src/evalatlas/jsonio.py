"""The one JSON policy of EvalAtlas: strict JSON, and a number that is not finite is null.

JSON has no NaN or infinity. Python's ``json`` writes them anyway (as ``NaN``,
``Infinity``), which most parsers refuse, so every JSON EvalAtlas writes (CLI ``--json``
output, web JSON twins and downloads, results and detail files) goes through ``dumps``:
a non-finite float at any depth becomes ``null`` ("could not compute" reads the same
everywhere), and the encoder runs with ``allow_nan=False`` so nothing else slips through.

This module imports nothing from EvalAtlas, so every package may use it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

# For values JSON cannot hold (e.g. a datetime): None lets ``json`` raise its TypeError.
Fallback = Callable[[Any], Any] | None


def replace_non_finite(value: Any, replacement: Callable[[float], Any]) -> Any:
    """``value`` with each non-finite float (at any depth) replaced by ``replacement(it)``,
    tuples as lists and mapping keys as strings, as JSON holds them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else replacement(value)
    if isinstance(value, Mapping):
        return {str(key): replace_non_finite(item, replacement) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [replace_non_finite(item, replacement) for item in value]
    return value


def json_ready(value: Any) -> Any:
    """``value`` as this policy writes it: each NaN or infinity becomes None."""
    return replace_non_finite(value, _null)


def dumps(
    value: Any,
    *,
    indent: int | None = None,
    compact: bool = False,
    sort_keys: bool = False,
    default: Fallback = None,
) -> str:
    """``value`` as strict JSON text (unicode kept as is); ``compact`` drops the spaces
    after separators, as web responses are written."""
    separators = (",", ":") if compact else None
    return json.dumps(
        json_ready(value),
        ensure_ascii=False,
        allow_nan=False,
        indent=indent,
        separators=separators,
        sort_keys=sort_keys,
        default=default,
    )


def _null(_: float) -> None:
    return None
