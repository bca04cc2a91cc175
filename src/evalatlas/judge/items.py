"""What a judge is asked about (items) and what it said (judged pairs, graded answers).

An item is one conversation to judge at its last turn: ``questions`` are the user turns up
to that turn, each answer tuple holds one answer per turn. Single-turn items have one
question. ``references`` (one per turn, or empty) are reference answers for categories
graded against one (math, reasoning, coding in MT-Bench).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from evalatlas.errors import ConfigError, DataError
from evalatlas.judge.templates import TemplateRef
from evalatlas.judge.verdicts import (
    PairOutcome,
    Verdict,
    VerdictMode,
    choose_verdict,
    parse_verdict,
    reconcile,
)


def _check_turns(item_id: str, questions: tuple[str, ...], *answers: tuple[str, ...]) -> None:
    if not questions:
        raise ConfigError(f"judge item {item_id!r}: no question to judge")
    for answer in answers:
        if len(answer) != len(questions):
            raise ConfigError(
                f"judge item {item_id!r}: {len(questions)} questions but {len(answer)} answers"
            )


@dataclass(frozen=True)
class PairwiseItem:
    """Two models' answers to the same conversation; ``model_a`` is shown first in the
    forward order."""

    pair_id: str
    model_a: str
    model_b: str
    questions: tuple[str, ...]
    answers_a: tuple[str, ...]
    answers_b: tuple[str, ...]
    references: tuple[str, ...] = ()
    category: str | None = None
    question_id: str | None = None

    def __post_init__(self) -> None:
        _check_turns(self.pair_id, self.questions, self.answers_a, self.answers_b)
        if self.references:
            _check_turns(self.pair_id, self.questions, self.references)
        if self.model_a == self.model_b:
            raise ConfigError(f"judge item {self.pair_id!r}: both answers are {self.model_a!r}")

    @property
    def turn(self) -> int:
        """The judged turn, from 1."""
        return len(self.questions)

    @property
    def prompt(self) -> str:
        return self.questions[-1]

    @property
    def answer_a(self) -> str:
        return self.answers_a[-1]

    @property
    def answer_b(self) -> str:
        return self.answers_b[-1]


@dataclass(frozen=True)
class SingleItem:
    """One model's answers to a conversation, graded 1-10 at its last turn."""

    item_id: str
    model: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    references: tuple[str, ...] = ()
    category: str | None = None
    question_id: str | None = None

    def __post_init__(self) -> None:
        _check_turns(self.item_id, self.questions, self.answers)
        if self.references:
            _check_turns(self.item_id, self.questions, self.references)

    @property
    def turn(self) -> int:
        return len(self.questions)


@dataclass(frozen=True)
class Judgment:
    """One judge output: its text and its verdict, about positions. ``verdict_source``
    says how the verdict was read: from the text, or as the judge's choice among the five
    markers, whose log-probabilities (in ``Verdict`` order) are ``choice_logprobs``."""

    text: str
    verdict: Verdict | None
    truncated: bool = False  # the judge prompt was cut to fit the judge's context
    hit_token_limit: bool = False  # the judge was still writing when max_tokens ran out
    verdict_source: VerdictMode = VerdictMode.TEXT
    choice_logprobs: tuple[float, ...] = ()


@dataclass(frozen=True)
class JudgedPair:
    """A pair judged in both orders. ``forward`` showed model A first, ``backward`` showed
    model B first; both verdicts are as written (about positions)."""

    item: PairwiseItem
    judge: str
    forward: Judgment
    backward: Judgment
    template: TemplateRef | None = None

    @property
    def verdict_source(self) -> VerdictMode:
        return self.forward.verdict_source

    @property
    def outcome(self) -> PairOutcome:
        return reconcile(self.forward.verdict, self.backward.verdict)

    @property
    def strong(self) -> bool:
        """Both orders gave a strong verdict (``>>``) for the same winner."""
        verdicts = (self.forward.verdict, self.backward.verdict)
        return self.outcome in (PairOutcome.A, PairOutcome.B) and all(
            v is not None and v.strong for v in verdicts
        )


@dataclass(frozen=True)
class GradedAnswer:
    """One graded answer: the judge's text and its rating (None: unscored). ``verdict_source``
    says how the rating was read: written in the text, or the judge's choice among the ten
    ratings, whose log-probabilities (ratings 1 to 10) are ``choice_logprobs``."""

    item: SingleItem
    judge: str
    text: str
    rating: float | None
    truncated: bool = False
    hit_token_limit: bool = False
    verdict_source: VerdictMode = VerdictMode.TEXT
    choice_logprobs: tuple[float, ...] = ()


def judged_pair_to_json(pair: JudgedPair) -> dict[str, Any]:
    """A JSON-ready dict of a judged pair (read back by ``judged_pair_from_json``)."""
    return {
        "judge": pair.judge,
        "item": asdict(pair.item),
        "forward": _judgment_json(pair.forward),
        "backward": _judgment_json(pair.backward),
        "outcome": pair.outcome.value,
        "template": None if pair.template is None else asdict(pair.template),
    }


def _judgment_json(judgment: Judgment) -> dict[str, Any]:
    verdict = None if judgment.verdict is None else judgment.verdict.value
    row: dict[str, Any] = {
        "text": judgment.text,
        "verdict": verdict,
        "verdict_source": judgment.verdict_source.value,
        "truncated": judgment.truncated,
        "hit_token_limit": judgment.hit_token_limit,
    }
    if judgment.verdict_source is VerdictMode.CHOICE:
        row["choice_logprobs"] = choice_logprobs_json(judgment.choice_logprobs)
    return row


def choice_logprobs_json(logprobs: tuple[float, ...]) -> dict[str, float | None] | None:
    """``{"A>>B": logprob, ...}``; None when there are none (a NaN is JSON's null)."""
    if not logprobs:
        return None
    return {
        verdict.value: None if math.isnan(value) else value
        for verdict, value in zip(Verdict, logprobs, strict=True)
    }


def judged_pair_from_json(row: dict[str, Any], where: str = "judgments") -> JudgedPair:
    """A judged pair from ``judged_pair_to_json``'s dict; verdicts are re-read from the
    judge's text (or, for choice verdicts, from the five log-probabilities), so a file
    edited by hand cannot claim a verdict its evidence does not give."""
    try:
        fields = dict(row["item"])
        for key in ("questions", "answers_a", "answers_b", "references"):
            fields[key] = tuple(str(text) for text in fields.get(key, ()))
        item = PairwiseItem(**fields)
        return JudgedPair(
            item=item,
            judge=str(row["judge"]),
            forward=_judgment_from(row["forward"]),
            backward=_judgment_from(row["backward"]),
            template=None if row.get("template") is None else TemplateRef(**row["template"]),
        )
    except (KeyError, TypeError, ValueError, ConfigError) as error:
        raise DataError(
            f"{where}: not a judged pair written by 'evalatlas judge pairwise --output' "
            f"({type(error).__name__}: {error})"
        ) from None


def _judgment_from(row: dict[str, Any]) -> Judgment:
    text = str(row["text"])
    source = VerdictMode(row.get("verdict_source", VerdictMode.TEXT))
    logprobs: tuple[float, ...] = ()
    if source is VerdictMode.CHOICE:
        logprobs = choice_logprobs_from(row.get("choice_logprobs"))
    verdict = choose_verdict(logprobs) if source is VerdictMode.CHOICE else parse_verdict(text)
    return Judgment(
        text,
        verdict,
        bool(row.get("truncated", False)),
        bool(row.get("hit_token_limit", False)),
        source,
        logprobs,
    )


def choice_logprobs_from(value: Any) -> tuple[float, ...]:
    """The log-probabilities of ``choice_logprobs_json``, in ``Verdict`` order (null: NaN)."""
    if value is None:
        return ()
    if not isinstance(value, dict) or set(value) != {v.value for v in Verdict}:
        raise ValueError(f"choice_logprobs must name each of {', '.join(Verdict)}")
    return tuple(math.nan if value[v] is None else float(value[v]) for v in Verdict)
