"""Verdicts a judge writes, how they are read, and how the two orders of a pair reconcile.

A pairwise judge ends its reasoning with one of five markers: ``[[A>>B]]``, ``[[A>B]]``,
``[[A=B]]``, ``[[B>A]]``, ``[[B>>A]]`` (the mirrored spellings ``[[B<A]]``, ``[[A<<B]]``...
read the same). A grading judge ends with ``Rating: [[N]]``, N from 1 to 10. The LAST
marker in the judge's output wins: a judge may quote or weigh options before deciding.
Output with no valid marker is unparsed, and the item it judged stays unscored: a verdict
is never guessed.

A judge too small to write a marker can be asked for its verdict as a constrained choice
instead (``VerdictMode.CHOICE``, see ``choice``): after its reasoning, the five markers are
scored by log-likelihood and the most likely one is the judge's answer. Each judgment
records which way its verdict was read (``verdict_source``); the two are never mixed.

Every pair is judged twice, once in each order. Each verdict is read from model A's side;
when both orders name the same winner (or both a tie) the pair has that outcome; when
they disagree it is INCONSISTENT, counted as a tie or dropped (``InconsistentPolicy``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from enum import StrEnum

from evalatlas.outcomes import Outcome


class Verdict(StrEnum):
    """A verdict about the answers in the positions shown: A first, B second."""

    A_MUCH_BETTER = "A>>B"
    A_BETTER = "A>B"
    TIE = "A=B"
    B_BETTER = "B>A"
    B_MUCH_BETTER = "B>>A"

    @property
    def score(self) -> int:
        """+2 .. -2: how strongly the first-shown answer wins."""
        return _SCORES[self]

    @property
    def strong(self) -> bool:
        return abs(self.score) == 2

    def swapped(self) -> Verdict:
        """The same judgment with the positions exchanged (B>A becomes A>B)."""
        return _BY_SCORE[-self.score]


class VerdictMode(StrEnum):
    """How a verdict is read: the last marker the judge wrote (``text``), or the judge's
    own choice among the possible markers (five pairwise verdicts, or ratings 1-10),
    scored by log-likelihood after its reasoning (``choice``)."""

    TEXT = "text"
    CHOICE = "choice"


_SCORES = {
    Verdict.A_MUCH_BETTER: 2,
    Verdict.A_BETTER: 1,
    Verdict.TIE: 0,
    Verdict.B_BETTER: -1,
    Verdict.B_MUCH_BETTER: -2,
}
_BY_SCORE = {score: verdict for verdict, score in _SCORES.items()}

_VERDICT_MARKER = re.compile(r"\[\[\s*([AB])\s*(>>|>|=|<<|<)\s*([AB])\s*\]\]")
_RATING_MARKER = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]")
_RELATION_SCORE = {">>": 2, ">": 1, "=": 0, "<": -1, "<<": -2}
RATING_RANGE = (1.0, 10.0)


def parse_verdict(text: str) -> Verdict | None:
    """The last well-formed verdict marker in ``text``; None when there is none."""
    for match in reversed(list(_VERDICT_MARKER.finditer(text))):
        left, relation, right = match.groups()
        if left == right:
            continue  # [[A>A]] names no pair: not a verdict
        score = _RELATION_SCORE[relation]
        return _BY_SCORE[score if left == "A" else -score]
    return None


def choose_verdict(logprobs: Sequence[float]) -> Verdict | None:
    """The most likely verdict given one log-probability per ``Verdict`` (in the enum's
    order); None when any is not a finite number, the count is wrong or two tie for the
    top: the judge made no choice, and none is guessed for it."""
    verdicts = list(Verdict)
    if len(logprobs) != len(verdicts) or not all(math.isfinite(v) for v in logprobs):
        return None
    top = max(logprobs)
    if list(logprobs).count(top) > 1:
        return None
    return verdicts[list(logprobs).index(top)]


def parse_rating(text: str) -> float | None:
    """The last ``[[N]]`` rating in ``text`` when it lies in 1..10; None otherwise."""
    matches = list(_RATING_MARKER.finditer(text))
    if not matches:
        return None
    value = float(matches[-1].group(1))
    low, high = RATING_RANGE
    return value if low <= value <= high and math.isfinite(value) else None


class PairOutcome(StrEnum):
    """A pair's outcome over both orders, for its model A (the first model of the item)."""

    A = "A"
    B = "B"
    TIE = "TIE"
    INCONSISTENT = "INCONSISTENT"
    UNSCORED = "UNSCORED"


class InconsistentPolicy(StrEnum):
    """What an inconsistent pair counts as: a tie (FastChat's choice) or nothing."""

    TIE = "tie"
    DROP = "drop"


def reconcile(forward: Verdict | None, backward: Verdict | None) -> PairOutcome:
    """Outcome of a pair from its forward verdict (model A shown first) and its backward
    verdict (model B shown first, read as written: positions, not models)."""
    if forward is None or backward is None:
        return PairOutcome.UNSCORED
    first = _sign(forward.score)
    second = _sign(backward.swapped().score)
    if first != second:
        return PairOutcome.INCONSISTENT
    return {1: PairOutcome.A, 0: PairOutcome.TIE, -1: PairOutcome.B}[first]


def counted_outcome(outcome: PairOutcome, policy: InconsistentPolicy) -> Outcome | None:
    """The vote a pair's outcome becomes; None: it is not counted (unscored, or dropped)."""
    if outcome is PairOutcome.UNSCORED:
        return None
    if outcome is PairOutcome.INCONSISTENT:
        return Outcome.TIE if policy is InconsistentPolicy.TIE else None
    return Outcome(outcome.value)


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)
