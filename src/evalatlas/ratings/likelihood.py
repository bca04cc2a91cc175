"""The battles as weighted rows of the Bradley-Terry likelihood: the fit and the bootstrap.

Battles with the same pair and result (and, under style control, the same style features)
have the same likelihood term and the same score, so they merge into one row with a count.
The bootstrap redraws the battles with replacement, which on these rows is an exact
multinomial draw of counts (see `draw_counts`); without style features the fit then only
needs, per pair, the battles and the wins (ties as halves), so it runs on at most one row
per pair.

Bootstrap rounds are fitted together (see `solver`), in chunks of rounds whose draws come
from generators spawned from the seed: the chunking depends on the data's size alone, so a
seed gives the same samples on any machine, and chunks run on threads (numpy releases the
GIL in its array loops and random draws).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from evalatlas.ratings.battles import BattleTable, Matchups
from evalatlas.ratings.solver import (
    Design,
    FloatArray,
    Rounds,
    fit_rounds,
    gradient,
    hessian,
    inverse_positive_semidefinite,
)
from evalatlas.ratings.style import style_features

# Memory per chunk of bootstrap rounds: about this many floats per rounds x rows array, and
# per rounds x params x params Hessian stack.
CHUNK_CELLS = 1 << 21
CHUNK_MATRIX_CELLS = 1 << 22
# Rough cost of one drawn cell (a Poisson draw) against one drawn battle index: below this
# many battles per row, drawing battle indices is the cheaper exact draw.
INDEX_DRAW_BREAK_EVEN = 5


@dataclass(frozen=True)
class BattleLikelihood:
    """Distinct battle rows (`count` battles each, a scoring `score`) and the fit's design."""

    models: tuple[str, ...]
    style_names: tuple[str, ...]
    rows: Design
    count: FloatArray
    score: FloatArray
    fit_rows: Design
    to_fit_rows: sparse.csr_matrix | None  # fit rows x rows (sums); None: the same rows
    to_fit_wins: sparse.csr_matrix | None  # the same, weighted by each row's score

    @classmethod
    def from_matchups(cls, matchups: Matchups) -> BattleLikelihood:
        """Rows without style features; the fit runs on one row per pair."""
        size = len(matchups.models)
        rows = Design.build(size, matchups.model_a, matchups.model_b)
        pairs = Design.build(size, rows.pair_low, rows.pair_high)
        if rows.pair_of_row is None:
            to_pairs, to_pair_wins = None, None
        else:
            to_pairs = rows.pair_of_row.T.tocsr()
            to_pair_wins = (to_pairs @ sparse.diags(matchups.score_a)).tocsr()
        return cls(
            matchups.models,
            (),
            rows,
            matchups.count,
            matchups.score_a,
            pairs,
            to_pairs,
            to_pair_wins,
        )

    @classmethod
    def from_battles(cls, battles: BattleTable, style_control: bool = False) -> BattleLikelihood:
        if not style_control:
            return cls.from_matchups(battles.compress())
        features = style_features(battles)
        # Each battle seen from its lower-indexed model (result and features mirrored), so a
        # battle and its mirror image merge.
        swapped = battles.model_a > battles.model_b
        low = np.where(swapped, battles.model_b, battles.model_a)
        high = np.where(swapped, battles.model_a, battles.model_b)
        score = np.where(swapped, 1.0 - battles.score_a, battles.score_a)
        z = np.where(swapped[:, None], -features, features)
        table = np.column_stack([low, high, score, z])
        unique, counts = np.unique(table, axis=0, return_counts=True)
        rows = Design.build(
            len(battles.models),
            unique[:, 0].astype(np.int64),
            unique[:, 1].astype(np.int64),
            unique[:, 3:],
        )
        return cls(
            battles.models,
            battles.style_names,
            rows,
            counts.astype(np.float64),
            unique[:, 2].copy(),
            rows,
            None,
            None,
        )

    @property
    def n_params(self) -> int:
        return self.rows.n_params

    def fit_weights(self, counts: FloatArray) -> Rounds:
        """Weights of the fit rows, from counts of the rows (rows x rounds)."""
        if self.to_fit_rows is None or self.to_fit_wins is None:
            return Rounds(counts, counts * self.score[:, None])
        return Rounds(np.asarray(self.to_fit_rows @ counts), np.asarray(self.to_fit_wins @ counts))

    def fit(self, l2: float) -> FloatArray:
        """The maximum-likelihood parameters (mean-zero logits, then style coefficients)."""
        weights = self.fit_weights(self.count[:, None])
        start = np.zeros((1, self.n_params))
        fitted: FloatArray = _centred(fit_rounds(self.fit_rows, weights, start, l2), self.rows)[0]
        return fitted

    def bootstrap(
        self, fitted: FloatArray, n_rounds: int, seed: int | np.random.Generator, l2: float
    ) -> FloatArray:
        """Parameters refitted on `n_rounds` redraws of the battles (rounds x params)."""
        plan = self._chunks(n_rounds)
        generators = np.random.default_rng(seed).spawn(len(plan))
        full = self.fit_weights(self.count[:, None])
        _, probability = gradient(self.fit_rows, full, fitted[None, :], l2)
        inverse = inverse_positive_semidefinite(hessian(self.fit_rows, full, probability, l2)[0])

        def run(chunk: int) -> FloatArray:
            counts = draw_counts(generators[chunk], self.count, plan[chunk])
            weights = self.fit_weights(counts)
            return fit_rounds(self.fit_rows, weights, fitted, l2, inverse)

        workers = min(len(plan), available_cpus())
        if workers <= 1:
            parts = [run(chunk) for chunk in range(len(plan))]
        else:
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(run, range(len(plan))))
        return _centred(np.concatenate(parts or [np.empty((0, self.n_params))]), self.rows)

    def bootstrap_counts(self, n_rounds: int, seed: int | np.random.Generator) -> FloatArray:
        """The row counts `bootstrap` draws for the same arguments (rounds x rows)."""
        plan = self._chunks(n_rounds)
        generators = np.random.default_rng(seed).spawn(len(plan))
        parts = [
            draw_counts(rng, self.count, size) for rng, size in zip(generators, plan, strict=True)
        ]
        return np.concatenate(parts, axis=1).T if parts else np.empty((0, self.count.shape[0]))

    def _chunks(self, n_rounds: int) -> list[int]:
        return chunk_sizes(n_rounds, self.count.shape[0], self.n_params)


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def chunk_sizes(n_rounds: int, rows: int, params: int) -> list[int]:
    """Rounds per chunk: as even as possible, each within the memory budget."""
    if n_rounds <= 0:
        return []
    per_chunk = max(1, min(CHUNK_CELLS // max(rows, 1), CHUNK_MATRIX_CELLS // params**2))
    chunks = math.ceil(n_rounds / per_chunk)
    return [len(part) for part in np.array_split(np.arange(n_rounds), chunks)]


def draw_counts(rng: np.random.Generator, count: FloatArray, rounds: int) -> FloatArray:
    """Redraws of all battles with replacement, as counts over the rows (rows x rounds).

    Each round is exactly multinomial(total, count / total). With few battles per row the
    battles themselves are drawn; otherwise the counts are Poissonised (numpy's Poisson
    sampler is about twice as fast as the binomials behind its multinomial).
    """
    rows = count.shape[0]
    whole = np.rint(count).astype(np.int64)
    total = int(whole.sum())
    if total == 0 or rounds == 0:
        return np.zeros((rows, rounds))
    if total < INDEX_DRAW_BREAK_EVEN * rows:
        battle_row = np.repeat(np.arange(rows), whole)
        cells = battle_row[rng.integers(0, total, size=(rounds, total))] * rounds
        cells += np.arange(rounds)[:, None]
        flat = np.bincount(cells.ravel(), minlength=rows * rounds)
        return flat.reshape(rows, rounds).astype(np.float64)
    return _poissonised_multinomial(rng, whole, rounds).astype(np.float64)


def _poissonised_multinomial(
    rng: np.random.Generator, count: NDArray[np.int64], rounds: int
) -> NDArray[np.int64]:
    """Multinomial(total, count / total) per round (rows x rounds), drawn as Poisson cells.

    Independent Poisson(theta * count / total) cells are, given their sum T, multinomial(T,
    count / total) whatever theta is; adding total - T battles drawn with replacement then
    gives exactly multinomial(total). theta sits four standard deviations below the total so
    that T almost never exceeds it; when it does, T - total of the T drawn battles, chosen
    uniformly without replacement, are removed (which also leaves multinomial(total)).
    """
    rows, total = count.shape[0], int(count.sum())
    theta = max(total - 4.0 * math.sqrt(total), 0.0)
    draws = rng.poisson(count[:, None] * (theta / total), size=(rows, rounds))
    gap = total - draws.sum(axis=0)
    short = np.flatnonzero(gap > 0)
    # Row of each battle, as a lookup table: a gather is cheaper than a binary search.
    battle_row = np.repeat(np.arange(rows, dtype=np.int32), count)
    cells = battle_row[rng.integers(0, total, size=int(gap[short].sum()))] * np.int64(rounds)
    cells += np.repeat(short, gap[short])
    draws += np.bincount(cells, minlength=rows * rounds).reshape(rows, rounds)
    for index in np.flatnonzero(gap < 0):
        column = draws[:, index]
        positions = rng.choice(total - int(gap[index]), size=-int(gap[index]), replace=False)
        column -= np.bincount(
            np.searchsorted(np.cumsum(column), positions, side="right"), minlength=rows
        )
    return draws


def _centred(phi: FloatArray, design: Design) -> FloatArray:
    """Logits shifted back to mean zero (undoing rounding drift of the steps)."""
    size = design.n_models
    phi[:, :size] -= phi[:, :size].mean(axis=1, keepdims=True)
    return phi
