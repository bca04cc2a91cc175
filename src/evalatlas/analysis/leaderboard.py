"""The leaderboard: one row per model, one column per task or group, ranks with intervals.

Built from the store in a handful of set-based queries, so every view (web page, JSON,
CLI) shows the same numbers by the same rules:

- **Columns**: one per task or group with stored finished results, in name order. Members
  of a group that has results fold into it (they are no column of their own); suite results
  are no column; a task whose headline metric is lower-is-better (perplexity) is no column.
- **Protocols**: a column ranks the results of one protocol (``evalatlas.store.protocol``:
  task identity, few-shot policy, chat template on or off, system prompt, generation
  settings, whole split or which subset), never numbers taken under different settings.
  By default the protocol most models have, a tie going to the whole split
  (``board_protocols``); ``protocols`` picks another per column. The task's results of
  other protocols are listed as ``unranked`` with the reason (a ``--limit`` run: "evaluated
  on 20 of 1,172 samples: not ranked against full runs").
- **Cells**: for each (model, task) the most recent finished run of the column's protocol.
  A model is one stored (reference, weights fingerprint).
- **Headline metric** of a column: the first of ``HEADLINE_METRICS`` that every result of
  the column reports (failing that, that any reports), else the first metric reported.
- **Normalised** score: ``normalise(value, random_baseline)`` (0-100, guessing 0, floored
  at 0; the interval maps bound by bound) when the run recorded its random baseline.
- **Average**: the mean over all columns, on the normalised scale when every column has one
  random baseline, else raw; its interval combines the cells' stderrs as independent
  errors (``mean_of_independent``). A model missing a column has no average and no rank.
- **Rank**: 1 + the number of models whose average's interval lies wholly above this one's.
- **Rank interval**: the 2.5-97.5 percentiles of the model's rank over ``n_boot`` seeded
  bootstrap replicates. In each replicate every cell is re-estimated by resampling its
  stored per-sample scores (a group cell pools its members' samples); a cell whose samples
  are not stored, or do not reproduce its value, is drawn from a normal distribution with
  its value and stderr instead, and so is every cell when ``samples=False`` or, by
  default, when the board has more than ``PER_SAMPLE_CELL_LIMIT`` ranked cells (reading a
  details file takes about 2 ms: 100,000 of them would take minutes).
- **Tie groups**: models whose rank intervals overlap (directly or in a chain) share a
  group; groups are numbered from 1 in rank order.
- **Moderation**: cards carry their active flags and an admin's overrides (which win over
  what the runner read). With ``hide_flagged`` the flagged models are left out before
  anything is computed, so they take no rank, column or interval from the others.
"""

from __future__ import annotations

import gc
import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evalatlas.analysis.board_columns import (
    HEADLINE_METRICS,
    Column,
    ModelId,
    board_columns,
)
from evalatlas.analysis.board_protocols import ProtocolChoice, ProtocolSelection, UnrankedResult
from evalatlas.analysis.model_cards import ModelCard, card_from_stored, model_key
from evalatlas.analysis.rank_intervals import point_ranks, rank_intervals, ranks_of, tie_groups
from evalatlas.analysis.replicates import SampleSource, replicate_averages
from evalatlas.errors import ConfigError, StoreError
from evalatlas.scoring.normalised import NORMAL_95
from evalatlas.store import LatestRun, ModelFlag, Protocol, Store

__all__ = [
    "HEADLINE_METRICS",
    "Leaderboard",
    "LeaderboardRow",
    "ModelCard",
    "ScoreCell",
    "build_leaderboard",
    "display_names",
    "display_names_by_reference",
    "leaderboard_fingerprint",
    "model_card",
    "moderated_cards",
]

AVERAGE = "average"
PER_SAMPLE_CELL_LIMIT = 2_000


@dataclass(frozen=True)
class ScoreCell:
    task: str  # task or group name (group members are folded into their group)
    metric: str  # the headline metric shown (e.g. "acc_norm", "exact_match,strict-match")
    value: float  # raw value of the metric (0-1 for accuracies)
    ci_low: float
    ci_high: float
    stderr: float
    n: int
    normalised: float | None  # 0-100, random guessing 0 (None when the baseline is unknown)
    normalised_ci: tuple[float, float] | None
    run_id: str  # the stored run (for the model page / per-sample browser); "" for averages


@dataclass(frozen=True)
class LeaderboardRow:
    card: ModelCard
    cells: Mapping[str, ScoreCell]  # task -> cell
    average: ScoreCell | None  # None if the model lacks a column (see module docstring)
    rank: int | None
    rank_low: int | None  # 95% rank interval from a seeded bootstrap
    rank_high: int | None
    tie_group: int | None  # models whose rank intervals overlap share a group number


@dataclass(frozen=True)
class Leaderboard:
    columns: tuple[str, ...]  # task names, in name order
    rows: tuple[LeaderboardRow, ...]  # by average, best first; rows without average last
    random_baseline: Mapping[str, float]  # task -> raw value of uniform guessing
    fingerprint: str  # changes whenever the stored results change
    normalised: bool = False  # averages are on the normalised 0-100 scale (else raw)
    per_sample_cells: int = 0  # cells bootstrapped from stored per-sample scores
    n_boot: int = 0
    seed: int = 0
    hidden_flagged: int = 0  # flagged models left out (``hide_flagged``)
    # Per column: the protocol it ranks, and every protocol of its task (default first).
    protocols: Mapping[str, ProtocolChoice] = field(default_factory=dict)
    protocol_choices: Mapping[str, tuple[ProtocolChoice, ...]] = field(default_factory=dict)
    unranked: tuple[UnrankedResult, ...] = ()  # results of the columns' other protocols
    selection: Mapping[str, str] = field(default_factory=dict)  # protocols chosen by the user


def leaderboard_fingerprint(store: Store) -> str:
    """Changes whenever a result is saved, a model card changes or a model is moderated;
    three small queries."""
    state = store.results_state()
    parts = (
        state.finished_runs,
        state.last_created_at,
        state.last_finished_at,
        state.models,
        state.last_model_update,
        state.last_moderation,
    )
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def model_card(store: Store, key: str) -> ModelCard:
    """The card of the model whose ``ModelCard.key`` is ``key`` (with its flags and
    overrides); StoreError if none."""
    for model, card in moderated_cards(store).items():
        if model_key(*model) == key:
            return card
    raise StoreError(f"no model with key {key!r} in this workspace; take keys from the board")


def moderated_cards(store: Store) -> dict[ModelId, ModelCard]:
    """Every stored model's card with its active flags and overrides applied."""
    moderation = store.moderation()
    overrides = moderation.overrides()
    flags: dict[ModelId, list[ModelFlag]] = {}
    for flag in moderation.flags():
        flags.setdefault(flag.model, []).append(flag)
    cards = {}
    for stored in store.list_model_cards():
        model = (stored.reference, stored.fingerprint)
        cards[model] = card_from_stored(stored, overrides.get(model), flags.get(model, ()))
    return cards


def display_names(store: Store) -> dict[ModelId, str]:
    """Every stored model's one display name (``model_cards.display_name``, an admin's
    name winning), by (reference, fingerprint): what the CLI and every page show."""
    return {model: card.name for model, card in moderated_cards(store).items()}


def display_names_by_reference(store: Store) -> dict[str, str]:
    """``display_names`` by reference alone, for views that name models by reference (arena
    contestants, judges' battles); the most recently seen weights' name wins a tie."""
    return {reference: name for (reference, _), name in display_names(store).items()}


def build_leaderboard(
    store: Store,
    *,
    n_boot: int = 200,
    seed: int = 0,
    samples: bool | None = None,
    hide_flagged: bool = False,
    protocols: ProtocolSelection | None = None,
) -> Leaderboard:
    """The leaderboard of every stored model (rules in the module docstring).

    ``samples`` says whether bootstrap cells resample the stored per-sample scores (True)
    or are drawn from their value and stderr (False: much faster, slightly less
    faithful); None resamples unless the board has more than ``PER_SAMPLE_CELL_LIMIT``
    ranked cells. ``hide_flagged`` leaves out every model with an active flag. ``protocols``
    chooses the protocol of some columns, ``{task: protocol hash or a prefix of it}``;
    ConfigError when it names no column or no protocol of it."""
    if n_boot < 1:
        raise ConfigError(f"n_boot must be at least 1 bootstrap replicate, got {n_boot}")
    with _without_cycle_collection():
        fingerprint = leaderboard_fingerprint(store)
        cards = moderated_cards(store)
        runs, hidden = _unhidden_runs(store.latest_runs(), cards, hide_flagged)
        selection = dict(protocols or {})
        columns = board_columns(runs, _protocols_by_hash(store, runs), selection)
        baselines = {c.name: b for c in columns if (b := c.common_baseline) is not None}
        normalised = bool(columns) and len(baselines) == len(columns)
        cells = _cells_by_model(columns)
        ranked = sorted(m for m, found in cells.items() if len(found) == len(columns))
        positions = [np.array([c.position[m] for m in ranked], dtype=np.intp) for c in columns]
        averages = _averages(ranked, columns, positions, normalised)
        if samples is None:
            samples = len(ranked) * len(columns) <= PER_SAMPLE_CELL_LIMIT
        source = SampleSource(store, runs) if samples else None
        rng = np.random.default_rng(seed)
        replicates, per_sample = replicate_averages(
            columns, positions, normalised, source, n_boot, rng
        )
        standing = _standings(ranked, averages, replicates)
        return Leaderboard(
            columns=tuple(c.name for c in columns),
            rows=_rows(cards, cells, averages, standing),
            random_baseline=baselines,
            fingerprint=fingerprint,
            normalised=normalised,
            per_sample_cells=per_sample,
            n_boot=n_boot,
            seed=seed,
            hidden_flagged=len(hidden),
            **_protocol_fields(cards, columns, selection),
        )


def _protocol_fields(
    cards: Mapping[ModelId, ModelCard], columns: Sequence[Column], selection: dict[str, str]
) -> dict[str, Any]:
    """The board's protocol fields: what each column ranks, and what it leaves out."""
    return {
        "protocols": {c.name: c.protocol for c in columns if c.protocol is not None},
        "protocol_choices": {c.name: c.protocols for c in columns},
        "unranked": _named(cards, [result for c in columns for result in c.unranked]),
        "selection": selection,
    }


def _named(
    cards: Mapping[ModelId, ModelCard], results: Sequence[UnrankedResult]
) -> tuple[UnrankedResult, ...]:
    named = []
    for result in results:
        model = (result.model_reference, result.model_fingerprint)
        card = cards.get(model) or _bare_card(model)
        named.append(replace(result, model_name=card.name, model_key=card.key))
    return tuple(named)


def _protocols_by_hash(store: Store, runs: Sequence[LatestRun]) -> dict[str, Protocol]:
    """The protocol behind each protocol hash of ``runs``, read from one run's spec each."""
    one_run = {run.protocol_hash: run.run_id for run in runs}
    found = store.protocols_of(one_run.values())
    return {hash_: found[run_id] for hash_, run_id in one_run.items() if run_id in found}


def _unhidden_runs(
    runs: list[LatestRun], cards: Mapping[ModelId, ModelCard], hide_flagged: bool
) -> tuple[list[LatestRun], set[ModelId]]:
    """``runs`` without those of flagged models when ``hide_flagged``; the models left out."""
    if not hide_flagged:
        return runs, set()
    flagged = {model for model, card in cards.items() if card.flags}
    hidden = {(r.model_reference, r.model_fingerprint) for r in runs} & flagged
    return [r for r in runs if (r.model_reference, r.model_fingerprint) not in hidden], hidden


def _rows(
    cards: Mapping[ModelId, ModelCard],
    cells: Mapping[ModelId, Mapping[str, ScoreCell]],
    averages: Mapping[ModelId, ScoreCell],
    standing: Mapping[ModelId, dict[str, int | None]],
) -> tuple[LeaderboardRow, ...]:
    """One row per model with a cell, best average first, unranked models last."""
    rows = [
        LeaderboardRow(
            card=cards.get(model) or _bare_card(model),
            cells=found,
            average=averages.get(model),
            **standing.get(model, _UNRANKED),
        )
        for model, found in cells.items()
    ]
    return tuple(sorted(rows, key=_row_order))


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector: a large board allocates about a million small
    acyclic objects, and rescanning them over and over would take longer than the build."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_UNRANKED: dict[str, int | None] = {
    "rank": None,
    "rank_low": None,
    "rank_high": None,
    "tie_group": None,
}


def _row_order(row: LeaderboardRow) -> tuple[bool, float, str, str]:
    average = row.average.value if row.average is not None else math.nan
    unranked = math.isnan(average)
    return (unranked, 0.0 if unranked else -average, row.card.reference, row.card.key)


def _bare_card(model: ModelId) -> ModelCard:
    reference, fingerprint = model
    return ModelCard(
        key=model_key(reference, fingerprint),
        reference=reference,
        name=reference,
        fingerprint=fingerprint,
    )


def _cells_by_model(columns: Sequence[Column]) -> dict[ModelId, dict[str, ScoreCell]]:
    found: dict[ModelId, dict[str, ScoreCell]] = {}
    for result in (r for c in columns for r in c.unranked):
        # A model measured only under other protocols is still listed, without a rank.
        found[(result.model_reference, result.model_fingerprint)] = {}
    for column in columns:
        raw, scaled = column.raw, column.normalised
        known = ~np.isnan(column.baseline)
        for model, i in column.position.items():
            found.setdefault(model, {})[column.name] = ScoreCell(
                task=column.name,
                metric=column.metric,
                value=float(raw.value[i]),
                ci_low=float(raw.ci_low[i]),
                ci_high=float(raw.ci_high[i]),
                stderr=float(raw.stderr[i]),
                n=int(column.n[i]),
                normalised=float(scaled.value[i]) if known[i] else None,
                normalised_ci=(float(scaled.ci_low[i]), float(scaled.ci_high[i]))
                if known[i]
                else None,
                run_id=column.runs[i].run_id,
            )
    return found


def _averages(
    ranked: Sequence[ModelId],
    columns: Sequence[Column],
    positions: Sequence[NDArray[np.intp]],
    normalised: bool,
) -> dict[ModelId, ScoreCell]:
    """Each ranked model's mean over the columns, with the interval of
    ``scoring.normalised.mean_of_independent`` computed for all models at once."""
    if not ranked:
        return {}
    parts = [
        (c.normalised if normalised else c.raw).take(p)
        for c, p in zip(columns, positions, strict=True)
    ]
    k = len(parts)
    mean = np.stack([part.value for part in parts]).mean(axis=0)
    variance = np.stack([part.effective_stderr() ** 2 for part in parts]).sum(axis=0)
    stderr = np.sqrt(variance) / k
    lowest, highest = (0.0, 100.0) if normalised else (-math.inf, math.inf)
    low = np.maximum(lowest, mean - NORMAL_95 * stderr)
    high = np.minimum(highest, mean + NORMAL_95 * stderr)
    n = np.stack([c.n[p] for c, p in zip(columns, positions, strict=True)]).sum(axis=0)
    averages = {}
    for i, model in enumerate(ranked):
        interval = (float(low[i]), float(high[i]))
        averages[model] = ScoreCell(
            task=AVERAGE,
            metric="normalised" if normalised else "raw",
            value=float(mean[i]),
            ci_low=interval[0],
            ci_high=interval[1],
            stderr=float(stderr[i]),
            n=int(n[i]),
            normalised=float(mean[i]) if normalised else None,
            normalised_ci=interval if normalised else None,
            run_id="",
        )
    return averages


def _standings(
    ranked: Sequence[ModelId],
    averages: Mapping[ModelId, ScoreCell],
    replicates: NDArray[np.float64],
) -> dict[ModelId, dict[str, int | None]]:
    """Rank, rank interval and tie group of every model that has an average."""
    if not ranked:
        return {}
    values = np.array([averages[m].value for m in ranked])
    # An interval that could not be computed is taken as the value alone.
    lows = np.array([averages[m].ci_low for m in ranked])
    highs = np.array([averages[m].ci_high for m in ranked])
    ranks = point_ranks(
        np.where(np.isnan(lows), values, lows), np.where(np.isnan(highs), values, highs)
    )
    low, high = rank_intervals(ranks_of(replicates))
    # The point rank comes from the averages' intervals, the interval from the bootstrap:
    # the two can disagree by one place, and a shown interval must contain the shown rank.
    low, high = np.minimum(low, ranks), np.maximum(high, ranks)
    groups = tie_groups(low, high)
    return {
        model: {
            "rank": int(ranks[i]),
            "rank_low": int(low[i]),
            "rank_high": int(high[i]),
            "tie_group": int(groups[i]),
        }
        for i, model in enumerate(ranked)
    }
