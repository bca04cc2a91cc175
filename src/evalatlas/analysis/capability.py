"""The capability map (models x task categories) and the discovery query over it.

    from evalatlas.analysis import build_leaderboard
    from evalatlas.analysis.capability import Category, DiscoveryQuery, capability_map, discover

    board = build_leaderboard(store)
    found = discover(capability_map(board), DiscoveryQuery(Category.MATH, params_max=8 * 10**9))
    for candidate in found.ranked:
        print(candidate.rank, candidate.card.name, candidate.score.value)
    if found.tie is not None:
        print(found.tie.text)

Rules (mapping version ``CATEGORY_MAP_VERSION``; change the version with the mapping):

- **Category of a column**: the first pattern of ``TASK_CATEGORIES`` (shell-style, ``*``
  matches anything) that matches the leaderboard column's name; no match is ``other``. A
  group column (``mmlu``) and its members (``mmlu_anatomy``, present as columns when the
  group did not run whole) map alike; every MMLU subject is ``knowledge``.
- **Part score** of a cell: its normalised score (0-100, random guessing 0) when it has
  one, else its raw value x 100. The part's stderr is the raw stderr scaled the same way
  (x 100 / (1 - baseline) with the column's common random baseline, x 100 without one).
- **Category score** of a model: the mean of its part scores over the category's columns
  it has, with the interval of ``scoring.normalised.mean_of_independent`` (the columns
  are disjoint samples) and n the sum of their n. ``tasks`` says which columns it covers,
  ``of_tasks`` how many the category has on the board.
- **Discovery**: the models matching the filters (a model of unknown size matches no
  ``params_max``; licences compare case-insensitively) that have a score in the category.
  Models covering every column of the category are ranked, best score first; a rank is
  1 + the number of models whose interval lies wholly above (as on the leaderboard).
  Models covering only some columns are listed apart, unranked: their mean is over other
  tasks, so it is not comparable.
- **Random guessing**: a category score on the normalised scale (every part normalised)
  whose 95% interval includes 0 is *not distinguishable from random guessing* on the
  category's tasks (``analysis.random_baseline``); ``random_note`` names such ranked
  models. They are never "tied at the top": a tie is a claim that the leaders are good
  alike, and guessing is no lead. When the best-scoring model itself is not
  distinguishable from random guessing there is no tie note at all.
- **Tie note**: when the 95% interval of the best-scoring ranked model overlaps those of
  others (those not distinguishable from random guessing left out), the note names them.
  Overlapping intervals are a conservative test: models whose intervals overlap a little
  may still differ, but models whose intervals do not overlap certainly do at this level.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

import numpy as np

from evalatlas.analysis.leaderboard import Leaderboard, ScoreCell
from evalatlas.analysis.model_cards import ModelCard
from evalatlas.analysis.random_baseline import (
    NOT_DISTINGUISHABLE,
    VersusRandom,
    is_indistinguishable,
    versus_random,
)
from evalatlas.analysis.rank_intervals import point_ranks
from evalatlas.scoring.normalised import NORMAL_95

CATEGORY_MAP_VERSION = "1"
RANDOM_NOTE_NAMES = 5  # models the note names before it says how many more


class Category(StrEnum):
    """A task category; the value is the URL and JSON form, ``label`` the shown one."""

    KNOWLEDGE = "knowledge"
    REASONING = "reasoning"
    MATH = "math"
    INSTRUCTION_FOLLOWING = "instruction_following"
    TRUTHFULNESS = "truthfulness"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# Pattern -> category, first match wins (so ``mmlu_pro`` is decided before ``mmlu_*``).
TASK_CATEGORIES: tuple[tuple[str, Category], ...] = (
    ("arc_*", Category.REASONING),
    ("hellaswag", Category.REASONING),
    ("winogrande", Category.REASONING),
    ("bbh", Category.REASONING),
    ("bbh_*", Category.REASONING),
    ("musr", Category.REASONING),
    ("musr_*", Category.REASONING),
    ("mmlu_pro", Category.KNOWLEDGE),
    ("mmlu", Category.KNOWLEDGE),
    ("mmlu_*", Category.KNOWLEDGE),
    ("gpqa", Category.KNOWLEDGE),
    ("gpqa_*", Category.KNOWLEDGE),
    ("gsm8k", Category.MATH),
    ("math_hard", Category.MATH),
    ("math_hard_*", Category.MATH),
    ("arithmetic_*", Category.MATH),
    ("ifeval", Category.INSTRUCTION_FOLLOWING),
    ("truthfulqa_*", Category.TRUTHFULNESS),
)

CategoryRules = Sequence[tuple[str, Category]]


def category_of(task: str, rules: CategoryRules = TASK_CATEGORIES) -> Category:
    """The category of a leaderboard column (rules in the module docstring)."""
    return next(
        (category for pattern, category in rules if fnmatchcase(task, pattern)), Category.OTHER
    )


@dataclass(frozen=True)
class CategoryScore:
    """One model's score in one category, on the 0-100 scale of the module docstring."""

    category: Category
    value: float
    ci_low: float
    ci_high: float
    stderr: float
    n: int
    tasks: tuple[str, ...]  # the category's columns this model has, in name order
    of_tasks: int  # how many columns the category has on the board
    normalised: bool = True  # every part is normalised (random guessing 0)

    @property
    def complete(self) -> bool:
        return len(self.tasks) == self.of_tasks

    @property
    def versus_random(self) -> VersusRandom | None:
        """Where the interval lies against random guessing (0); None off the normalised
        scale, where the baseline is unknown."""
        return versus_random(self.ci_low, self.ci_high, 0.0) if self.normalised else None

    @property
    def near_random(self) -> bool:
        """Not distinguishable from random guessing: the interval includes 0."""
        return is_indistinguishable(self.versus_random)


@dataclass(frozen=True)
class CapabilityRow:
    card: ModelCard
    scores: Mapping[Category, CategoryScore]  # only categories where the model has a column
    leaderboard_rank: int | None


@dataclass(frozen=True)
class CapabilityMap:
    categories: tuple[Category, ...]  # those with a column on the board, in ``Category`` order
    tasks: Mapping[Category, tuple[str, ...]]  # category -> its columns, in name order
    rows: tuple[CapabilityRow, ...]  # in leaderboard order
    fingerprint: str  # the leaderboard's
    version: str = CATEGORY_MAP_VERSION


def capability_map(board: Leaderboard, rules: CategoryRules = TASK_CATEGORIES) -> CapabilityMap:
    """Every model of ``board`` scored per category (rules in the module docstring)."""
    grouped: dict[Category, list[str]] = {}
    for task in board.columns:
        grouped.setdefault(category_of(task, rules), []).append(task)
    categories = tuple(category for category in Category if category in grouped)
    tasks = {category: tuple(sorted(grouped[category])) for category in categories}
    per_row: list[dict[Category, CategoryScore]] = [{} for _ in board.rows]
    for category, columns in tasks.items():
        for index, score in _category_scores(board, category, columns):
            per_row[index][category] = score
    rows = tuple(
        CapabilityRow(row.card, scores, row.rank)
        for row, scores in zip(board.rows, per_row, strict=True)
    )
    return CapabilityMap(categories, tasks, rows, board.fingerprint)


def _category_scores(
    board: Leaderboard, category: Category, columns: tuple[str, ...]
) -> Iterator[tuple[int, CategoryScore]]:
    """(row index, score) for every row with a column of the category: the arithmetic of
    ``scoring.normalised.mean_of_independent``, done for all rows at once (a board of
    10,000 models has 100,000 cells)."""
    missing = (math.nan,) * 4
    table = [
        [
            _part(cell, board.random_baseline.get(task)) if cell is not None else missing
            for task in columns
            for cell in (row.cells.get(task),)
        ]
        for row in board.rows
    ]
    parts = np.array(table, dtype=np.float64).reshape(len(board.rows), len(columns), 4)
    sizes = [sum(c.n for t in columns if (c := row.cells.get(t)) is not None) for row in board.rows]
    normalised = [
        all(c.normalised is not None for t in columns if (c := row.cells.get(t)) is not None)
        for row in board.rows
    ]
    present = ~np.isnan(parts[:, :, 0])
    k = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        value, stderr, low, high = (parts[:, :, field] for field in range(4))
        from_interval = (high - low) / (2 * NORMAL_95)
        effective = np.where(from_interval > stderr, from_interval, stderr)
        mean = np.where(present, value, 0.0).sum(axis=1) / k
        error = np.sqrt(np.where(present, effective**2, 0.0).sum(axis=1)) / k
        inside = np.where(present, (value >= 0.0) & (value <= 100.0), True).all(axis=1)
    # fmax/fmin keep a bound when the error is unknown, as max()/min() do there.
    lows = np.where(inside, np.fmax(0.0, mean - NORMAL_95 * error), mean - NORMAL_95 * error)
    highs = np.where(inside, np.fmin(100.0, mean + NORMAL_95 * error), mean + NORMAL_95 * error)
    numbers = zip(mean.tolist(), lows.tolist(), highs.tolist(), error.tolist(), strict=True)
    for index, (has, (score, ci_low, ci_high, stderr_of_mean)) in enumerate(
        zip(present.tolist(), numbers, strict=True)
    ):
        if any(has):
            covered = tuple(task for task, found in zip(columns, has, strict=True) if found)
            yield (
                index,
                CategoryScore(
                    category,
                    score,
                    ci_low,
                    ci_high,
                    stderr_of_mean,
                    sizes[index],
                    covered,
                    len(columns),
                    normalised[index],
                ),
            )


def _part(cell: ScoreCell, baseline: float | None) -> tuple[float, float, float, float]:
    """(value, stderr, ci_low, ci_high) of the cell on the 0-100 scale: normalised when it
    has a normalised score, else x 100."""
    if cell.normalised is not None and cell.normalised_ci is not None:
        scale = 100.0 / (1.0 - baseline) if baseline is not None else 100.0
        low, high = cell.normalised_ci
        return (cell.normalised, cell.stderr * scale, low, high)
    return (cell.value * 100.0, cell.stderr * 100.0, cell.ci_low * 100.0, cell.ci_high * 100.0)


@dataclass(frozen=True)
class DiscoveryQuery:
    """Best models for ``category`` with at most ``params_max`` parameters, one of
    ``licences`` and one of ``types`` (an empty filter keeps every model)."""

    category: Category
    params_max: int | None = None
    licences: tuple[str, ...] = ()
    types: tuple[str, ...] = ()

    def matches(self, card: ModelCard) -> bool:
        if self.params_max is not None and (
            card.parameters is None or card.parameters > self.params_max
        ):
            return False
        if self.licences:
            wanted = {licence.casefold() for licence in self.licences}
            if card.licence is None or card.licence.casefold() not in wanted:
                return False
        return not self.types or card.model_type in self.types


@dataclass(frozen=True)
class Candidate:
    card: ModelCard
    score: CategoryScore
    rank: int | None  # None: the model lacks some of the category's columns


@dataclass(frozen=True)
class TieNote:
    """The best-scoring model and those whose 95% intervals overlap its own."""

    leader: ModelCard
    tied_with: tuple[ModelCard, ...]
    text: str


@dataclass(frozen=True)
class RandomNote:
    """The ranked models whose category score cannot be told apart from random guessing."""

    models: tuple[ModelCard, ...]
    text: str


@dataclass(frozen=True)
class Discovery:
    query: DiscoveryQuery
    tasks: tuple[str, ...]  # the category's columns on the board
    ranked: tuple[Candidate, ...]  # complete coverage, best score first
    partial: tuple[Candidate, ...]  # some of the category's columns only, best score first
    tie: TieNote | None  # None when the leader's interval overlaps no other's
    random_note: RandomNote | None = None  # None when every ranked model beats guessing
    lead: str | None = None  # the leader's standing when no tie note applies (``lead_note``)


def discover(capabilities: CapabilityMap, query: DiscoveryQuery) -> Discovery:
    """The models matching ``query``, ranked in its category (rules in the module docstring)."""
    found = [
        (row.card, score)
        for row in capabilities.rows
        if (score := row.scores.get(query.category)) is not None and query.matches(row.card)
    ]
    found.sort(key=_best_first)
    complete = [(card, score) for card, score in found if score.complete]
    ranks = _ranks([score for _, score in complete])
    ranked = tuple(
        Candidate(card, score, rank) for (card, score), rank in zip(complete, ranks, strict=True)
    )
    partial = tuple(Candidate(card, score, None) for card, score in found if not score.complete)
    return Discovery(
        query=query,
        tasks=capabilities.tasks.get(query.category, ()),
        ranked=ranked,
        partial=partial,
        tie=tie_note(ranked),
        random_note=random_note(ranked),
        lead=lead_note(ranked),
    )


def _best_first(found: tuple[ModelCard, CategoryScore]) -> tuple[bool, float, str, str]:
    card, score = found
    unknown = math.isnan(score.value)
    return (unknown, 0.0 if unknown else -score.value, card.name.casefold(), card.key)


def _interval(score: CategoryScore) -> tuple[float, float]:
    """The score's interval; one that could not be computed is taken as the value alone."""
    low = score.value if math.isnan(score.ci_low) else score.ci_low
    high = score.value if math.isnan(score.ci_high) else score.ci_high
    return low, high


def _ranks(scores: Sequence[CategoryScore]) -> list[int]:
    if not scores:
        return []
    intervals = np.array([_interval(score) for score in scores], dtype=np.float64)
    return [int(rank) for rank in point_ranks(intervals[:, 0], intervals[:, 1])]


def tie_note(ranked: Sequence[Candidate]) -> TieNote | None:
    """The note naming the models whose interval overlaps the first one's, if any."""
    if len(ranked) < 2 or ranked[0].score.near_random:
        return None
    leader = ranked[0]
    low, high = _interval(leader.score)
    tied = [
        other
        for other in ranked[1:]
        if _interval(other.score)[0] <= high
        and _interval(other.score)[1] >= low
        and not other.score.near_random
    ]
    if not tied:
        return None
    others = _joined([f"{other.card.name} {_shown(other.score)}" for other in tied])
    text = (
        f"Statistically tied at the top: the 95% interval of {leader.card.name} "
        f"{_shown(leader.score)} overlaps those of {others}; the data do not separate them."
    )
    return TieNote(leader.card, tuple(other.card for other in tied), text)


def lead_note(ranked: Sequence[Candidate]) -> str | None:
    """What can be said of the best-scoring model when no tie note names others: that its
    interval overlaps no other's, or overlaps only those of models not distinguishable
    from random guessing (then it is not shown to beat them either). None when there is
    a tie note, a single model, or the leader itself is at random level."""
    if len(ranked) < 2 or ranked[0].score.near_random or tie_note(ranked) is not None:
        return None
    leader = ranked[0]
    low, high = _interval(leader.score)
    overlapping = [
        other.card.name
        for other in ranked[1:]
        if _interval(other.score)[0] <= high and _interval(other.score)[1] >= low
    ]
    if not overlapping:
        return f"{leader.card.name} leads: its 95% interval overlaps no other model's."
    return (
        f"{leader.card.name} scores best, but its 95% interval overlaps those of "
        f"{_joined(overlapping[:RANDOM_NOTE_NAMES])}, which are {NOT_DISTINGUISHABLE}: the "
        "data do not separate it from them either."
    )


def random_note(ranked: Sequence[Candidate]) -> RandomNote | None:
    """The note naming the ranked models not distinguishable from random guessing."""
    near = [candidate for candidate in ranked if candidate.score.near_random]
    if not near:
        return None
    named = [f"{item.card.name} {_shown(item.score)}" for item in near[:RANDOM_NOTE_NAMES]]
    if len(near) > RANDOM_NOTE_NAMES:  # a large board: the JSON lists them all
        named.append(f"{len(near) - RANDOM_NOTE_NAMES} more")
    names = _joined(named)
    verb = "is" if len(near) == 1 else "are"
    text = (
        f"{names} {verb} {NOT_DISTINGUISHABLE} on this category's tasks: the 95% interval "
        "includes 0, the score of random guessing."
    )
    if len(near) == len(ranked):
        text += " No model here is shown to do better than guessing."
    return RandomNote(tuple(item.card for item in near), text)


def _shown(score: CategoryScore) -> str:
    low, high = _interval(score)
    return f"({score.value:.1f}, 95% CI {low:.1f}-{high:.1f})"


def _joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
