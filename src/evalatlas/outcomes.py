"""The arena's nouns: how a battle ends, where a vote and a battle come from, and how
Chatbot Arena's battle logs name the winner.

Ratings, the arena, judges, the store and the web app all speak of these, so they live in
one module that imports only the standard library: ratings (numpy and scipy only) and the
store (no arena logic) may both depend on it, and every layer checks an outcome against
the same closed set.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """Who won one battle: model a, model b, a tie, or both answers bad."""

    A = "A"
    B = "B"
    TIE = "TIE"
    BOTH_BAD = "BOTH_BAD"


class VoteSource(StrEnum):
    """Who cast a vote: a person or a judge model."""

    HUMAN = "human"
    JUDGE = "judge"


class BattleSource(StrEnum):
    """Where a battle came from: the arena page, an imported battle log, or a judge run."""

    ARENA = "arena"
    IMPORT = "import"
    JUDGE = "judge"


# The "winner" column of Chatbot Arena's battle logs (and of MT-Bench's human judgments).
ARENA_WINNER_OF: dict[Outcome, str] = {
    Outcome.A: "model_a",
    Outcome.B: "model_b",
    Outcome.TIE: "tie",
    Outcome.BOTH_BAD: "tie (bothbad)",
}
OUTCOME_OF_ARENA_WINNER: dict[str, Outcome] = {
    winner: outcome for outcome, winner in ARENA_WINNER_OF.items()
}
