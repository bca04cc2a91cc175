"""Battles as typed numpy arrays, and their compression into weighted matchups.

A `BattleTable` holds one row per battle (model index a, model index b, outcome, category),
and optionally raw style counts of both answers (`style_a`, `style_b`: one column per name
in `style_names`, e.g. answer length in tokens and markdown header, list item and bold
counts) for style-controlled ratings. `compress()` merges repeated rows into a `Matchups`
table that the Bradley-Terry fit and its bootstrap use. A tie counts as half a win for each
side; so does BOTH_BAD, because a voter who rejects both answers has not preferred either of
them (drop those rows first with `without_both_bad()` when that reading does not fit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalatlas.errors import ConfigError, did_you_mean
from evalatlas.outcomes import Outcome

# Position of each outcome in `BattleTable.outcome` codes, and the share of a win it gives a.
OUTCOME_CODES: tuple[Outcome, ...] = tuple(Outcome)
SCORE_FOR_A = np.array([1.0, 0.0, 0.5, 0.5])
TWICE_SCORE_FOR_A = np.rint(2 * SCORE_FOR_A).astype(np.int64)

# Chatbot Arena's style features: answer length in tokens, markdown headers, list items, bold.
STYLE_FEATURES: tuple[str, ...] = ("length", "headers", "lists", "bold")

BattleRecord = tuple[str, str, Outcome | str] | tuple[str, str, Outcome | str, str | None]
# One answer's style counts: in `style_names` order, or keyed by name.
StyleCounts = Sequence[float] | Mapping[str, float]


@dataclass(frozen=True)
class BattleTable:
    """One row per battle; `model_a`/`model_b` index into `models`, `outcome` indexes Outcome.

    `style_a`/`style_b` (both or neither) hold raw non-negative style counts of each side's
    answer, shape (battles, len(style_names)).
    """

    models: tuple[str, ...]
    model_a: NDArray[np.int64]
    model_b: NDArray[np.int64]
    outcome: NDArray[np.int8]
    categories: tuple[str | None, ...]
    style_names: tuple[str, ...] = ()
    style_a: NDArray[np.float64] | None = None
    style_b: NDArray[np.float64] | None = None

    @classmethod
    def from_records(
        cls,
        records: Iterable[BattleRecord],
        style: Sequence[tuple[StyleCounts, StyleCounts]] | None = None,
        *,
        style_names: Sequence[str] = STYLE_FEATURES,
    ) -> BattleTable:
        """Build from (model_a, model_b, outcome[, category]) rows; models are sorted by name.

        `style`, when given, has one `(counts_a, counts_b)` pair per record: each side's counts
        in `style_names` order, or a mapping from those names to counts.
        """
        rows = list(records)
        names = sorted({row[0] for row in rows} | {row[1] for row in rows})
        index = {name: position for position, name in enumerate(names)}
        model_a = np.array([index[row[0]] for row in rows], dtype=np.int64)
        model_b = np.array([index[row[1]] for row in rows], dtype=np.int64)
        outcome = np.array([_outcome_code(row[2]) for row in rows], dtype=np.int8)
        categories = tuple(row[3] if len(row) > 3 else None for row in rows)
        table = cls(tuple(names), model_a, model_b, outcome, categories)
        table.validate()
        if style is None:
            return table
        if len(style) != len(rows):
            raise ConfigError(
                f"battles: style has {len(style)} entries for {len(rows)} battles; "
                "give one (counts_a, counts_b) pair per battle"
            )
        wanted = tuple(style_names)
        style_a = [_counts_row(pair[0], wanted) for pair in style]
        style_b = [_counts_row(pair[1], wanted) for pair in style]
        return table.with_style(wanted, style_a, style_b)

    def with_style(
        self, names: Sequence[str], style_a: ArrayLike, style_b: ArrayLike
    ) -> BattleTable:
        """The same battles with style counts: one row per battle, one column per name."""
        style_names = tuple(names)
        _check_style_names(style_names)
        table = BattleTable(
            self.models,
            self.model_a,
            self.model_b,
            self.outcome,
            self.categories,
            style_names,
            _style_array(style_a, "style_a", len(self), len(style_names)),
            _style_array(style_b, "style_b", len(self), len(style_names)),
        )
        table.validate()
        return table

    def validate(self) -> None:
        """Raise ConfigError when the table cannot be rated."""
        if len(self.models) < 2:
            raise ConfigError(
                f"battles: rating needs at least two models, got {len(self.models)}; "
                "add battles between two or more models"
            )
        size = len(self.models)
        for column in (self.model_a, self.model_b):
            if column.size and (column.min() < 0 or column.max() >= size):
                raise ConfigError(
                    f"battles: a model index is outside 0..{size - 1}; fix the model columns"
                )
        same = self.model_a == self.model_b
        if same.any():
            name = self.models[int(self.model_a[same][0])]
            raise ConfigError(f"battles: model {name!r} is paired with itself; drop that battle")
        self._validate_style()

    def _validate_style(self) -> None:
        if (self.style_a is None) != (self.style_b is None):
            raise ConfigError("battles: give style counts for both sides (style_a and style_b)")
        if self.style_a is None or self.style_b is None:
            return
        _check_style_names(self.style_names)
        width = len(self.style_names)
        _style_array(self.style_a, "style_a", len(self), width)
        _style_array(self.style_b, "style_b", len(self), width)

    def __len__(self) -> int:
        return int(self.model_a.shape[0])

    @property
    def has_style(self) -> bool:
        """Whether every battle carries style counts."""
        return self.style_a is not None and self.style_b is not None

    @property
    def score_a(self) -> NDArray[np.float64]:
        """Share of a win each battle gives model a (1, 0.5 or 0)."""
        return SCORE_FOR_A[self.outcome]

    def battles_per_model(self) -> NDArray[np.int64]:
        """How many battles each model took part in."""
        size = len(self.models)
        counts = np.bincount(self.model_a, minlength=size)
        counts += np.bincount(self.model_b, minlength=size)
        return counts.astype(np.int64)

    def select(self, keep: NDArray[np.bool_]) -> BattleTable:
        """The rows where `keep` is true, over the same model list (style counts kept)."""
        categories = tuple(c for c, kept in zip(self.categories, keep, strict=True) if kept)
        return BattleTable(
            self.models,
            self.model_a[keep],
            self.model_b[keep],
            self.outcome[keep],
            categories,
            self.style_names,
            None if self.style_a is None else self.style_a[keep],
            None if self.style_b is None else self.style_b[keep],
        )

    def for_category(self, category: str) -> BattleTable:
        """The battles of one category."""
        return self.select(np.array([c == category for c in self.categories], dtype=bool))

    def without_both_bad(self) -> BattleTable:
        """The battles where a voter preferred one side or called a tie."""
        return self.select(self.outcome != OUTCOME_CODES.index(Outcome.BOTH_BAD))

    def without_idle_models(self) -> BattleTable:
        """The same battles over only the models that took part in at least one of them."""
        active = np.flatnonzero(self.battles_per_model() > 0)
        new_index = np.full(len(self.models), -1, dtype=np.int64)
        new_index[active] = np.arange(active.shape[0])
        return BattleTable(
            tuple(self.models[i] for i in active),
            new_index[self.model_a],
            new_index[self.model_b],
            self.outcome,
            self.categories,
            self.style_names,
            self.style_a,
            self.style_b,
        )

    def compress(self) -> Matchups:
        """Merge battles with the same pair and result into weighted rows."""
        return Matchups.from_battles(self)


@dataclass(frozen=True)
class Matchups:
    """Distinct (pair, result) rows: `count` battles where a scored `score_a` against b.

    Pairs are stored with the lower model index first (the result mirrored when swapped), so a
    battle and its mirror image fall into the same row.
    """

    models: tuple[str, ...]
    model_a: NDArray[np.int64]
    model_b: NDArray[np.int64]
    score_a: NDArray[np.float64]
    count: NDArray[np.float64]

    @classmethod
    def from_battles(cls, battles: BattleTable) -> Matchups:
        size = len(battles.models)
        low = np.minimum(battles.model_a, battles.model_b)
        high = np.maximum(battles.model_a, battles.model_b)
        # Twice the score of the lower-indexed model: an exact small integer key.
        twice = TWICE_SCORE_FOR_A[battles.outcome]
        twice = np.where(battles.model_a > battles.model_b, 2 - twice, twice)
        key = low * size
        key += high
        key *= 3
        key += twice
        if 3 * size * size <= max(4 * key.shape[0], 1 << 16):
            # Few possible keys: counting them is linear, where sorting them is not.
            all_counts = np.bincount(key, minlength=3 * size * size)
            unique_keys = np.flatnonzero(all_counts)
            count = all_counts[unique_keys].astype(np.float64)
        else:
            unique_keys, counts = np.unique(key, return_counts=True)
            count = counts.astype(np.float64)
        pair, twice_score = np.divmod(unique_keys, 3)
        model_low, model_high = np.divmod(pair, size)
        return cls(battles.models, model_low, model_high, twice_score / 2.0, count)

    @property
    def win_a(self) -> NDArray[np.float64]:
        """Wins credited to model a in each row (ties give half)."""
        return self.count * self.score_a

    @property
    def win_b(self) -> NDArray[np.float64]:
        """Wins credited to model b in each row (ties give half)."""
        return self.count * (1.0 - self.score_a)


def _outcome_code(value: Outcome | str) -> int:
    try:
        return OUTCOME_CODES.index(Outcome(value))
    except ValueError:
        known = [member.value for member in Outcome]
        raise ConfigError(
            f"battles: unknown outcome {value!r}; use one of {', '.join(known)}."
            + did_you_mean(str(value), known)
        ) from None


def _counts_row(counts: StyleCounts, names: tuple[str, ...]) -> list[float]:
    if isinstance(counts, Mapping):
        missing = [name for name in names if name not in counts]
        if missing:
            raise ConfigError(
                f"battles: style counts lack {missing[0]!r}; give a count for each of "
                f"{', '.join(names)}"
            )
        return [float(counts[name]) for name in names]
    if len(counts) != len(names):
        raise ConfigError(
            f"battles: style counts have {len(counts)} values for {len(names)} style names "
            f"({', '.join(names)}); give one count per name"
        )
    return [float(value) for value in counts]


def _check_style_names(names: tuple[str, ...]) -> None:
    if not names or len(set(names)) != len(names) or not all(names):
        raise ConfigError(
            f"battles: style names must be distinct non-empty names, got {names}; "
            f"e.g. {', '.join(STYLE_FEATURES)}"
        )


def _style_array(values: ArrayLike, field: str, rows: int, width: int) -> NDArray[np.float64]:
    """`values` as a (rows, width) float array of finite non-negative counts, or ConfigError."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"battles: {field} must hold numbers, one row per battle") from None
    if array.size == 0 and rows == 0:
        array = array.reshape(0, width)
    if array.shape != (rows, width):
        raise ConfigError(
            f"battles: {field} has shape {array.shape}, expected ({rows}, {width}): "
            "one row per battle, one column per style name"
        )
    if not np.isfinite(array).all() or (array < 0).any():
        raise ConfigError(f"battles: {field} must hold finite, non-negative counts")
    return array


def battles_from_arrays(
    models: Sequence[str], model_a: Sequence[int], model_b: Sequence[int], outcome: Sequence[str]
) -> BattleTable:
    """Build a table from parallel columns of indices into `models` and outcome names."""
    table = BattleTable(
        tuple(models),
        np.asarray(model_a, dtype=np.int64),
        np.asarray(model_b, dtype=np.int64),
        np.array([_outcome_code(value) for value in outcome], dtype=np.int8),
        (None,) * len(model_a),
    )
    table.validate()
    return table
