"""The recommendation a pick states, with its evidence, and the sentence that says it.

The best candidate, the candidates statistically tied with it, and the smallest of those
(fewest parameters; the fastest when no size is known). When several are tied, how many
examples would separate the best from that smallest one, from the observed effect. When
every candidate's interval includes the random baseline, the data support no choice and
the sentence says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from evalatlas.analysis.pick.power import ExamplesNeeded, examples_needed
from evalatlas.analysis.pick.ranking import (
    CandidateScores,
    Ranked,
    item_array,
    rank_candidates,
    shared_items,
)
from evalatlas.errors import DataError


@dataclass(frozen=True)
class Recommendation:
    ranked: tuple[Ranked, ...]
    n_items: int
    baseline: float | None
    best: str
    tied: tuple[str, ...]  # best first
    choice: str  # the smallest (or fastest) of the tied set
    choice_by: str  # "parameters", "speed" or "score"
    all_at_chance: bool
    # The tied candidate the best is to be told from (the choice, or when the best is the
    # choice, the runner-up of the tied set), and the examples that would take.
    separate_from: str | None
    needed: ExamplesNeeded | None
    sentence: str


def recommend(
    candidates: Sequence[CandidateScores], baseline: float | None, seed: int = 0
) -> Recommendation:
    """Rank ``candidates`` (all answered the same examples) and say what the data support."""
    if not candidates:
        raise DataError("no candidate answered the examples; nothing to recommend")
    items = shared_items(candidates)
    if not items:
        raise DataError("the candidates share no scored example; nothing to compare")
    ranked = rank_candidates(candidates, baseline, seed)
    tied = [r for r in ranked if r.tied_with_best]
    choice, choice_by = _smallest(tied)
    best = ranked[0].candidate
    other = choice if choice.name != best.name else None
    if other is None and len(tied) > 1:
        other = tied[1].candidate
    needed = None
    if other is not None:
        needed = examples_needed(item_array(best, items), item_array(other, items))
    all_at_chance = all(r.at_chance for r in ranked)
    recommendation = Recommendation(
        tuple(ranked),
        len(items),
        baseline,
        best.name,
        tuple(r.candidate.name for r in tied),
        choice.name,
        choice_by,
        all_at_chance,
        other.name if other else None,
        needed,
        "",
    )
    return _with_sentence(recommendation)


def _smallest(tied: Sequence[Ranked]) -> tuple[CandidateScores, str]:
    sized = [r.candidate for r in tied if r.candidate.parameters is not None]
    if sized:
        return min(sized, key=lambda c: c.parameters or 0), "parameters"
    timed = [r.candidate for r in tied if r.candidate.tokens_per_second is not None]
    if timed:
        return max(timed, key=lambda c: c.tokens_per_second or 0.0), "speed"
    return tied[0].candidate, "score"


def _with_sentence(rec: Recommendation) -> Recommendation:
    return replace(rec, sentence=recommendation_sentence(rec))


def recommendation_sentence(rec: Recommendation) -> str:
    n = rec.n_items
    if rec.all_at_chance:
        return (
            f"With {n} examples, every candidate's interval includes the random baseline"
            f" ({rec.baseline:.3g}): none is shown to do better than chance; no recommendation."
        )
    if len(rec.ranked) == 1:
        return f"Only {rec.best} answered the {n} examples; there is nothing to compare it with."
    if len(rec.tied) == 1:
        return (
            f"{rec.best} is best: on the same {n} examples it beats every other candidate"
            " (paired tests, Holm-corrected, 5% level)."
        )
    names = _listed(rec.tied)
    smallest = _choice_phrase(rec)
    return f"With {n} examples, {names} cannot be told apart; {smallest}{_more(rec)}"


def _choice_phrase(rec: Recommendation) -> str:
    if rec.choice_by == "parameters":
        return f"the smallest is {rec.choice}"
    if rec.choice_by == "speed":
        return f"the fastest is {rec.choice} (no parameter count known)"
    return f"{rec.choice} scored highest (neither size nor speed known)"


def _more(rec: Recommendation) -> str:
    needed, other = rec.needed, rec.separate_from
    if needed is None or other is None:
        return "."
    if needed.total is None:
        return (
            f"; {rec.best} and {other} differ by nothing on average over these items, so"
            " they give no estimate of how many examples would separate them."
        )
    return (
        f"; add about {needed.more} examples (about {needed.total} in all) to separate"
        f" {rec.best} from {other}, if the observed difference"
        f" ({needed.observed_difference:+.3f}) holds."
    )


def _listed(names: Sequence[str]) -> str:
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f" and {names[-1]}"
