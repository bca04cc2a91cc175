"""What the bias audit reads of a pair judged in both orders, kept apart from the texts.

A ``JudgedPair`` holds the answers and the judge's outputs; a ``PairEvidence`` holds only
what the audit needs: the two verdicts as written (about positions), whether each order
ran out of tokens, the answers' lengths and the battle's key. A judge vote stores exactly
this in its ``details`` (``votes``), so an audit can be recomputed from the store
(``stored``) without the judge's texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evalatlas.judge.items import JudgedPair
from evalatlas.judge.verdicts import PairOutcome, Verdict, VerdictMode, reconcile
from evalatlas.ratings.style_counts import style_counts


def answer_length(text: str) -> int:
    """Length of an answer in word and punctuation tokens (the same for every model; the
    ``length`` of its style counts)."""
    return int(style_counts(text)["length"])


@dataclass(frozen=True)
class PairEvidence:
    """One pair judged in both orders, as the audit sees it. ``forward`` showed model A
    first, ``backward`` model B first; each verdict is as written."""

    model_a: str
    model_b: str
    forward: Verdict | None
    backward: Verdict | None
    length_a: int
    length_b: int
    forward_at_token_limit: bool = False
    backward_at_token_limit: bool = False
    question_id: str | None = None
    turn: int = 1
    verdict_source: VerdictMode = VerdictMode.TEXT

    @property
    def outcome(self) -> PairOutcome:
        return reconcile(self.forward, self.backward)

    @property
    def verdicts(self) -> tuple[Verdict | None, Verdict | None]:
        return self.forward, self.backward

    @property
    def at_token_limit(self) -> tuple[bool, bool]:
        return self.forward_at_token_limit, self.backward_at_token_limit


def evidence_of(pair: JudgedPair) -> PairEvidence:
    item = pair.item
    return PairEvidence(
        model_a=item.model_a,
        model_b=item.model_b,
        forward=pair.forward.verdict,
        backward=pair.backward.verdict,
        length_a=answer_length(item.answer_a),
        length_b=answer_length(item.answer_b),
        forward_at_token_limit=pair.forward.hit_token_limit,
        backward_at_token_limit=pair.backward.hit_token_limit,
        question_id=item.question_id,
        turn=item.turn,
        verdict_source=pair.verdict_source,
    )


AuditedPair = JudgedPair | PairEvidence


def as_evidence(pairs: Sequence[AuditedPair]) -> list[PairEvidence]:
    """Each pair's evidence (evidence passes through as it is)."""
    return [pair if isinstance(pair, PairEvidence) else evidence_of(pair) for pair in pairs]
