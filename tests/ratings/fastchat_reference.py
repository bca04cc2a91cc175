"""FastChat's published Bradley-Terry code, run unchanged as a reference.

The functions come from the installed ``fschat==0.2.36`` package, file
``fastchat/serve/monitor/elo_analysis.py``. Importing that module pulls plotly, pytz and
serving-era modules that rating does not need, so the file is parsed with ``ast`` and only
the named function definitions are executed, with numpy, pandas, math and tqdm in scope:
their published code, without their web stack.

The speed benchmark (benchmarks/ratings_speed.py) loads this file by path as well.
"""

from __future__ import annotations

import ast
import importlib.util
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from evalatlas.ratings import BattleTable, Outcome
from evalatlas.ratings.battles import OUTCOME_CODES

FASTCHAT_VERSION = "0.2.36"
SOURCE = ("serve", "monitor", "elo_analysis.py")
FUNCTIONS = ("compute_elo_mle_with_tie", "get_bootstrap_result")
WINNER = {
    Outcome.A: "model_a",
    Outcome.B: "model_b",
    Outcome.TIE: "tie",
    Outcome.BOTH_BAD: "tie (bothbad)",
}


def unavailable_reason() -> str | None:
    """Why FastChat's functions cannot run here, or None when they can."""
    missing = [name for name in ("pandas", "sklearn") if importlib.util.find_spec(name) is None]
    if missing:
        return f"{' and '.join(missing)} not installed (pip install -e '.[dev]')"
    if _source_path() is None:
        return f"fschat not installed (pip install --no-deps fschat=={FASTCHAT_VERSION})"
    return None


def load_functions() -> dict[str, Callable[..., Any]]:
    """FastChat's `compute_elo_mle_with_tie` and `get_bootstrap_result`, by name."""
    import pandas

    path = _source_path()
    if path is None:
        raise RuntimeError(unavailable_reason() or "fschat not installed")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    wanted: list[ast.stmt] = [
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in FUNCTIONS
    ]
    found = {node.name for node in wanted if isinstance(node, ast.FunctionDef)}
    if found != set(FUNCTIONS):
        raise RuntimeError(f"{path}: lacks {sorted(set(FUNCTIONS) - found)}")
    scope: dict[str, Any] = {"np": np, "pd": pandas, "math": math, "tqdm": _tqdm()}
    module = ast.Module(body=wanted, type_ignores=[])
    exec(compile(module, str(path), "exec"), scope)  # their published code, unchanged
    return {name: scope[name] for name in FUNCTIONS}


def battles_frame(battles: BattleTable) -> Any:
    """The battles as FastChat's DataFrame: model_a, model_b, winner."""
    import pandas

    winners = np.array([WINNER[code] for code in OUTCOME_CODES])
    names = np.array(battles.models, dtype=object)
    return pandas.DataFrame(
        {
            "model_a": names[battles.model_a],
            "model_b": names[battles.model_b],
            "winner": winners[battles.outcome],
        }
    )


def matching_l2(n_battles: int) -> float:
    """Our per-battle L2 penalty on logits that equals FastChat's (sklearn C=1 on duplicated
    battles, coefficients in log10 units): 1 / (2 n ln(10)^2)."""
    return 1.0 / (2.0 * n_battles * math.log(10.0) ** 2)


def _source_path() -> Path | None:
    spec = importlib.util.find_spec("fastchat")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*SOURCE)
    return path if path.is_file() else None


def _tqdm() -> Callable[..., Any]:
    try:
        from tqdm import tqdm
    except ImportError:
        return lambda iterable, **_: iterable
    return lambda iterable, **options: tqdm(iterable, disable=True, **options)
