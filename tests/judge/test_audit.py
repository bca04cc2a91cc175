"""Bias audit on synthetic judged pairs with planted biases, and a hand-computed kappa."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evalatlas.judge import (
    AuditOptions,
    HumanVote,
    JudgedPair,
    Judgment,
    PairwiseItem,
    Verdict,
    audit_judge,
    cohen_kappa,
)
from evalatlas.judge.audit import clustered_proportion, human_agreement
from evalatlas.ratings import BattleTable, Outcome
from evalatlas.scoring.intervals import wilson_interval

JUDGE = "judge:test@pairwise:00000000"


def pair(
    pair_id: str,
    forward: Verdict | None,
    backward: Verdict | None,
    *,
    models: tuple[str, str] = ("alpha", "beta"),
    answers: tuple[str, str] = ("An answer.", "Another answer."),
) -> JudgedPair:
    item = PairwiseItem(
        pair_id=pair_id,
        model_a=models[0],
        model_b=models[1],
        questions=("Q?",),
        answers_a=(answers[0],),
        answers_b=(answers[1],),
        question_id=pair_id,
    )
    return JudgedPair(item, JUDGE, Judgment("", forward), Judgment("", backward))


def _judgment(
    rng: np.random.Generator, position_bias: float, alpha_better: bool, *, alpha_first: bool
) -> Verdict:
    if rng.random() < position_bias:
        return Verdict.A_BETTER
    return Verdict.A_BETTER if alpha_better == alpha_first else Verdict.B_BETTER


def simulated_judge(position_bias: float, seed: int, n: int = 300) -> list[JudgedPair]:
    """Each judgment: with probability ``position_bias`` the first-shown answer wins
    whatever it says; otherwise the truly better answer (alpha on 60% of pairs) wins."""
    rng = np.random.default_rng(seed)
    pairs = []
    for index in range(n):
        alpha_better = bool(rng.random() < 0.6)
        forward = _judgment(rng, position_bias, alpha_better, alpha_first=True)
        backward = _judgment(rng, position_bias, alpha_better, alpha_first=False)
        pairs.append(pair(f"p{index}", forward, backward))
    return pairs


def test_planted_position_bias_is_found() -> None:
    audit = audit_judge(simulated_judge(position_bias=0.4, seed=1))
    first = audit.first_position_win_rate
    # P(first wins) = 0.4 + 0.6 * 0.5 = 0.7 in expectation.
    assert first.ci_low > 0.5
    assert first.ci_low < 0.7 < first.ci_high
    assert first.n == 600 and first.method == "wilson-clustered"
    consistency = audit.position_consistency
    assert consistency.n == 300
    # Both orders truthful: .36; exactly one captured by position and it happens to name
    # the true winner: .24 * .6 (alpha shown first) + .24 * .4; both captured: never.
    assert consistency.ci_low < 0.36 + 0.24 * 0.6 + 0.24 * 0.4 < consistency.ci_high
    assert audit.inconsistent == 300 - round(consistency.value * 300)


def test_judgments_of_one_pair_are_not_counted_as_independent() -> None:
    # Always the first answer: 20 judgments, but they are 10 pairs' worth of evidence.
    always_first = [pair(f"p{i}", Verdict.A_BETTER, Verdict.A_BETTER) for i in range(10)]
    first = audit_judge(always_first).first_position_win_rate
    assert (first.value, first.n) == (1.0, 20)
    assert first.ci_low == pytest.approx(wilson_interval(10, 10)[0])
    assert first.ci_low < wilson_interval(20, 20)[0]


def test_clustered_interval_follows_the_design_effect() -> None:
    # Pairs whose two judgments always agree carry one judgment's information each...
    agreeing = [(2, 2)] * 30 + [(0, 2)] * 30
    clustered = clustered_proportion(agreeing, 0.95)
    assert (clustered.value, clustered.n) == (0.5, 120)
    assert clustered.ci_low == pytest.approx(wilson_interval(30, 60)[0])
    # ...pairs split one-one are no worse than independent judgments, never better.
    split = clustered_proportion([(1, 2)] * 60, 0.95)
    assert split.ci_low == pytest.approx(wilson_interval(60, 120)[0])
    # Independent judgments: a design effect near one.
    rng = np.random.default_rng(3)
    hits = rng.random((400, 2)) < 0.5
    independent = clustered_proportion([(int(row.sum()), 2) for row in hits], 0.95)
    binomial = wilson_interval(int(hits.sum()), 800)
    assert independent.ci_high - independent.ci_low == pytest.approx(
        binomial[1] - binomial[0], rel=0.15
    )


def test_a_fair_judge_shows_no_position_bias() -> None:
    audit = audit_judge(simulated_judge(position_bias=0.0, seed=2))
    first = audit.first_position_win_rate
    assert first.ci_low < 0.5 < first.ci_high
    assert audit.position_consistency.value == 1.0
    assert audit.inconsistent == 0


def test_longer_answers_win_rate() -> None:
    short, long = "Yes.", "Yes, because the evidence in the question says so, twice."
    pairs = [
        pair(f"l{i}", Verdict.B_BETTER, Verdict.A_BETTER, answers=(short, long)) for i in range(9)
    ]
    pairs += [pair("s", Verdict.A_BETTER, Verdict.B_BETTER, answers=(short, long))]
    pairs += [pair("t", Verdict.TIE, Verdict.TIE, answers=(short, long))]  # ties left out
    pairs += [pair("u", None, Verdict.TIE, answers=(short, long))]  # unscored left out
    estimate = audit_judge(pairs).longer_answer_win_rate
    assert (estimate.value, estimate.n) == (0.9, 10)
    assert 0.5 < estimate.ci_low < 0.9 < estimate.ci_high <= 1.0


def test_length_bias_per_judgment_is_free_of_position_bias() -> None:
    short, long = "Yes.", "Yes, because the evidence in the question says so, twice."
    # Always the first answer: every pair inconsistent, so no decisive pair to measure...
    first = [
        pair(f"f{i}", Verdict.A_BETTER, Verdict.A_BETTER, answers=(short, long)) for i in range(6)
    ]
    first += [
        pair(f"g{i}", Verdict.A_BETTER, Verdict.A_BETTER, answers=(long, short)) for i in range(2)
    ]
    audit = audit_judge(first)
    assert audit.longer_answer_win_rate.n == 0
    # ...but each judgment is: half of them showed the longer answer first.
    per_judgment = audit.longer_answer_judgment_win_rate
    assert (per_judgment.value, per_judgment.n) == (0.5, 16)
    # Always the longer answer, whichever position: every decisive judgment (ties and
    # missing verdicts left out) goes to it.
    longer = [
        pair(f"l{i}", Verdict.B_BETTER, Verdict.A_BETTER, answers=(short, long)) for i in range(5)
    ]
    longer += [pair("m", Verdict.A_MUCH_BETTER, None, answers=(long, short))]
    longer += [pair("t", Verdict.TIE, Verdict.B_BETTER, answers=(long, short))]
    estimate = audit_judge(longer).longer_answer_judgment_win_rate
    assert (estimate.value, estimate.n) == (1.0, 12)
    # Twelve judgments from seven pairs, all one way: worth six independent ones.
    assert estimate.ci_low == pytest.approx(wilson_interval(6, 6)[0])


def test_counts_of_unscored_and_inconsistent_pairs() -> None:
    pairs = [
        pair("a", Verdict.A_BETTER, Verdict.B_BETTER),
        pair("b", Verdict.A_BETTER, Verdict.A_BETTER),
        pair("c", None, Verdict.A_BETTER),
    ]
    audit = audit_judge(pairs)
    assert (audit.pairs, audit.unscored, audit.inconsistent) == (3, 1, 1)
    assert (audit.position_consistency.value, audit.position_consistency.n) == (0.5, 2)


JUDGE_LABELS = ["A", "A", "A", "B", "B", "T", "T", "A", "B", "T"]
HUMAN_LABELS = ["A", "A", "B", "B", "B", "T", "A", "A", "B", "B"]


def test_cohen_kappa_by_hand() -> None:
    # Observed agreement 7/10. Marginals: judge A .4 B .3 T .3, human A .4 B .5 T .1,
    # chance agreement .16 + .15 + .03 = .34, kappa = (.7 - .34) / (1 - .34) = 6/11.
    assert cohen_kappa(JUDGE_LABELS, HUMAN_LABELS) == pytest.approx(6 / 11)
    assert cohen_kappa(["A", "B"], ["A", "B"]) == pytest.approx(1.0)
    assert math.isnan(cohen_kappa(["A", "A"], ["A", "A"]))


def test_agreement_with_human_votes_on_the_same_battles() -> None:
    verdicts = {"A": Verdict.A_BETTER, "B": Verdict.B_BETTER, "T": Verdict.TIE}
    outcomes = {"A": Outcome.A, "B": Outcome.B, "T": Outcome.TIE}
    pairs = [
        pair(f"q{i}", verdicts[label], verdicts[label].swapped())
        for i, label in enumerate(JUDGE_LABELS)
    ]
    humans = [
        HumanVote(f"q{i}", 1, "alpha", "beta", outcomes[label])
        for i, label in enumerate(HUMAN_LABELS)
    ]
    # The same human vote written with the models the other way round reads the same.
    humans[3] = HumanVote("q3", 1, "beta", "alpha", Outcome.A)
    humans.append(HumanVote("elsewhere", 1, "alpha", "beta", Outcome.A))  # no judged pair
    agreement = human_agreement(pairs, humans, np.random.default_rng(0), n_boot=500)
    assert agreement.matched == 10
    assert agreement.kappa.value == pytest.approx(6 / 11)
    assert agreement.kappa.ci_low < 6 / 11 < agreement.kappa.ci_high
    # Without ties: battles 0, 1, 2, 3, 4, 7, 8; all but battle 2 agree.
    assert agreement.accuracy.value == pytest.approx(6 / 7)
    assert agreement.accuracy.n == 7


def test_self_preference_against_a_reference_source() -> None:
    rng = np.random.default_rng(3)
    # The judge's family model "smol" wins 75% of its battles under the judge, 45% under
    # humans: a self-preference of about 0.3.
    judged = [
        pair(
            f"j{i}",
            *(
                (Verdict.A_BETTER, Verdict.B_BETTER)
                if rng.random() < 0.75
                else (Verdict.B_BETTER, Verdict.A_BETTER)
            ),
            models=("smol", f"other{i % 3}"),
        )
        for i in range(300)
    ]
    human_rows = [
        ("smol", f"other{i % 3}", Outcome.A if rng.random() < 0.45 else Outcome.B)
        for i in range(300)
    ]
    human_rows += [("other0", "other1", Outcome.A)] * 20  # outside the family: left out
    options = AuditOptions(family=("smol",), reference=BattleTable.from_records(human_rows))
    preference = audit_judge(judged, options).self_preference
    assert preference is not None and preference.difference is not None
    assert preference.judge_win_rate.n == 300
    assert preference.reference_win_rate is not None
    assert preference.reference_win_rate.n == 300
    assert 0.15 < preference.difference.ci_low < 0.3 < preference.difference.ci_high
    assert preference.difference.method == "bootstrap"


def test_audit_json_has_no_nan() -> None:
    audit = audit_judge([pair("u", None, None)])
    data = audit.as_json()
    assert data["first_position_win_rate"]["value"] is None
    assert data["position_consistency"]["n"] == 0
