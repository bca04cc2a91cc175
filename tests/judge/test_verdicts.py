"""Reading verdicts and ratings from judge output, and reconciling the two orders."""

from __future__ import annotations

import pytest

from evalatlas.judge import InconsistentPolicy, PairOutcome, Verdict, parse_rating, parse_verdict
from evalatlas.judge.verdicts import counted_outcome, reconcile
from evalatlas.ratings import Outcome


@pytest.mark.parametrize(
    ("marker", "verdict"),
    [
        ("[[A>>B]]", Verdict.A_MUCH_BETTER),
        ("[[A>B]]", Verdict.A_BETTER),
        ("[[A=B]]", Verdict.TIE),
        ("[[B>A]]", Verdict.B_BETTER),
        ("[[B>>A]]", Verdict.B_MUCH_BETTER),
        # Mirrored spellings say the same thing.
        ("[[B<A]]", Verdict.A_BETTER),
        ("[[B<<A]]", Verdict.A_MUCH_BETTER),
        ("[[A<B]]", Verdict.B_BETTER),
        ("[[B=A]]", Verdict.TIE),
        ("[[ A > B ]]", Verdict.A_BETTER),
    ],
)
def test_each_verdict_is_read(marker: str, verdict: Verdict) -> None:
    assert parse_verdict(f"A is concise, B rambles.\n\nMy final verdict is: {marker}") is verdict


def test_the_last_marker_wins() -> None:
    text = "At first sight [[A>>B]], but B is correct and A is not. Final verdict: [[B>A]]"
    assert parse_verdict(text) is Verdict.B_BETTER


def test_a_malformed_last_marker_leaves_the_last_valid_one() -> None:
    assert parse_verdict("[[A>B]] then [[A>A]] and [[C]]") is Verdict.A_BETTER


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Assistant A is better.",
        "[[A]]",  # FastChat's three-way format is not this judge's declared format
        "[[C]]",
        "[A>B]",
        "[[A>>>B]]",
        "[ [A>B] ]",  # what fencing leaves of a marker inside an answer
        "Rating: [[7]]",
    ],
)
def test_output_without_a_valid_marker_is_unparsed(text: str) -> None:
    assert parse_verdict(text) is None


def test_verdict_scores_and_swaps() -> None:
    assert [v.score for v in Verdict] == [2, 1, 0, -1, -2]
    assert Verdict.A_MUCH_BETTER.swapped() is Verdict.B_MUCH_BETTER
    assert Verdict.B_BETTER.swapped() is Verdict.A_BETTER
    assert Verdict.TIE.swapped() is Verdict.TIE
    assert [v.strong for v in Verdict] == [True, False, False, False, True]


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("Good answer. Rating: [[7]]", 7.0),
        ("Rating: [[10]]", 10.0),
        ("Rating: [[1]]", 1.0),
        ("Rating: [[6.5]]", 6.5),
        ("I first thought [[3]]; on reflection Rating: [[8]]", 8.0),
        ("Rating: [[0]]", None),
        ("Rating: [[11]]", None),
        ("Rating: 7", None),
        ("Rating: [7]", None),
        ("", None),
    ],
)
def test_ratings(text: str, rating: float | None) -> None:
    assert parse_rating(text) == rating


V = Verdict


@pytest.mark.parametrize(
    ("forward", "backward", "outcome"),
    [
        # backward is written about positions: model B was shown as A.
        (V.A_BETTER, V.B_BETTER, PairOutcome.A),
        (V.A_MUCH_BETTER, V.B_BETTER, PairOutcome.A),  # strength may differ
        (V.B_MUCH_BETTER, V.A_BETTER, PairOutcome.B),
        (V.TIE, V.TIE, PairOutcome.TIE),
        (V.A_BETTER, V.A_BETTER, PairOutcome.INCONSISTENT),  # first position always wins
        (V.B_BETTER, V.B_MUCH_BETTER, PairOutcome.INCONSISTENT),
        (V.A_BETTER, V.TIE, PairOutcome.INCONSISTENT),
        (V.TIE, V.A_BETTER, PairOutcome.INCONSISTENT),
        (None, V.B_BETTER, PairOutcome.UNSCORED),
        (V.A_BETTER, None, PairOutcome.UNSCORED),
        (None, None, PairOutcome.UNSCORED),
    ],
)
def test_reconciling_both_orders(
    forward: Verdict | None, backward: Verdict | None, outcome: PairOutcome
) -> None:
    assert reconcile(forward, backward) is outcome


def test_inconsistent_pairs_count_as_ties_or_are_dropped() -> None:
    tie, drop = InconsistentPolicy.TIE, InconsistentPolicy.DROP
    assert counted_outcome(PairOutcome.INCONSISTENT, tie) is Outcome.TIE
    assert counted_outcome(PairOutcome.INCONSISTENT, drop) is None
    assert counted_outcome(PairOutcome.UNSCORED, tie) is None
    for policy in InconsistentPolicy:
        assert counted_outcome(PairOutcome.A, policy) is Outcome.A
        assert counted_outcome(PairOutcome.B, policy) is Outcome.B
        assert counted_outcome(PairOutcome.TIE, policy) is Outcome.TIE
