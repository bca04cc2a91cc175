"""Which candidates a pick keeps: size, licence and stored results, each with its reason.

A candidate is kept only when every constraint can be checked and holds; a fact the model
does not state (an endpoint's parameter count) leaves it out, saying so, rather than being
guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from evalatlas.errors import ConfigError
from evalatlas.store.workspace import Store

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMBT]?)\s*$", re.IGNORECASE)
_SCALE = {"": 1, "K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


@dataclass(frozen=True)
class MinScore:
    task: str
    threshold: float


@dataclass(frozen=True)
class Constraints:
    max_parameters: int | None = None
    licences: tuple[str, ...] = ()
    min_scores: tuple[MinScore, ...] = field(default_factory=tuple)

    def describe(self) -> list[str]:
        shown = []
        if self.max_parameters is not None:
            shown.append(f"at most {format_parameters(self.max_parameters)} parameters")
        if self.licences:
            shown.append(f"licence {' or '.join(self.licences)}")
        shown.extend(f"at least {m.threshold:g} on {m.task}" for m in self.min_scores)
        return shown


def parse_parameters(text: str) -> int:
    """``"2B"`` -> 2_000_000_000 (K, M, B, T; case ignored)."""
    match = _SIZE.match(text)
    if match is None:
        raise ConfigError(f"--max-params {text!r}: give a count such as 2B, 500M or 135000000")
    return int(float(match.group(1)) * _SCALE[match.group(2).upper()])


def parse_min_score(text: str) -> MinScore:
    """``"arithmetic_mc=0.5"`` -> MinScore."""
    task, sep, value = text.partition("=")
    try:
        threshold = float(value)
    except ValueError:
        threshold = float("nan")
    if not sep or not task.strip() or threshold != threshold:
        raise ConfigError(f"--min-score {text!r}: write TASK=SCORE, e.g. arithmetic_mc=0.5")
    return MinScore(task.strip(), threshold)


def format_parameters(count: int) -> str:
    for suffix, scale in (("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= scale:
            return f"{count / scale:.3g}{suffix}"
    return str(count)


def constraint_reasons(
    constraints: Constraints,
    card: Mapping[str, Any],
    model: tuple[str, str],
    store: Store,
) -> tuple[bool, list[str]]:
    """Whether the model (reference, fingerprint) with ``card`` is kept, and why."""
    reasons: list[str] = []
    kept = True
    parameters = card.get("parameters")
    if constraints.max_parameters is not None:
        limit = format_parameters(constraints.max_parameters)
        if not isinstance(parameters, int):
            kept, reasons = False, [*reasons, "parameter count unknown"]
        else:
            fits = parameters <= constraints.max_parameters
            kept = kept and fits
            size = format_parameters(parameters)
            reasons.append(f"{size} parameters {'<=' if fits else '>'} {limit}")
    if constraints.licences:
        licence = card.get("licence")
        wanted = {name.lower() for name in constraints.licences}
        fits = isinstance(licence, str) and licence.lower() in wanted
        kept = kept and fits
        reasons.append(f"licence {licence or 'unknown'} {'allowed' if fits else 'not allowed'}")
    for minimum in constraints.min_scores:
        fits, reason = _stored_score_reason(store, model, minimum)
        kept = kept and fits
        reasons.append(reason)
    return kept, reasons


def _stored_score_reason(
    store: Store, model: tuple[str, str], minimum: MinScore
) -> tuple[bool, str]:
    reference, fingerprint = model
    runs = [
        run
        for run in store.list_results(model=reference, task=minimum.task)
        if run.spec.model_fingerprint == fingerprint and run.metrics
    ]
    if not runs:
        return False, f"no stored result on {minimum.task}"
    newest = runs[-1]
    metric = newest.metrics[0]
    fits = metric.value >= minimum.threshold
    relation = ">=" if fits else "<"
    return fits, (
        f"{minimum.task} {metric.name} {metric.value:.3f} {relation} {minimum.threshold:g}"
        f" (run {newest.run_id[:8]}, n={metric.n})"
    )
