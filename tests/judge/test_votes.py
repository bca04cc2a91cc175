"""Judge verdicts stored as arena battles and votes, and rated by the ratings code."""

from __future__ import annotations

from pathlib import Path

from evalatlas.judge import InconsistentPolicy, JudgedPair, Judgment, PairwiseItem, Verdict
from evalatlas.judge.votes import judge_battle_table, judge_votes
from evalatlas.ratings import rate_battles
from evalatlas.store import BattleSource, Store, VoteSource

JUDGE = "judge:bundled:smollm2-135m-instruct@pairwise:0123abcd"
V = Verdict


def judged(pair_id: str, forward: Verdict | None, backward: Verdict | None) -> JudgedPair:
    item = PairwiseItem(
        pair_id=pair_id,
        model_a="alpha",
        model_b="beta",
        questions=("Why is the sky blue?", "And at sunset?"),
        answers_a=("Rayleigh scattering.", "Longer path, red light."),
        answers_b=("Because.", "It is orange."),
        category="stem",
        question_id=pair_id,
    )
    return JudgedPair(
        item, JUDGE, Judgment(f"... {forward}", forward), Judgment(f"... {backward}", backward)
    )


PAIRS = [
    judged("strong", V.A_MUCH_BETTER, V.B_MUCH_BETTER),  # alpha wins strongly
    judged("weak", V.B_BETTER, V.A_BETTER),  # beta wins
    judged("tie", V.TIE, V.TIE),
    judged("inconsistent", V.A_BETTER, V.A_BETTER),
    judged("unscored", V.A_BETTER, None),
]


def test_counted_pairs_become_battles_and_votes() -> None:
    battles, votes = judge_votes(PAIRS)
    assert [v.outcome for v in votes] == ["A", "B", "TIE", "TIE"]  # unscored: no vote
    assert all(v.source is VoteSource.JUDGE and v.voter == JUDGE for v in votes)
    assert [v.battle_id for v in votes] == [b.id for b in battles]
    first = battles[0]
    assert first.source is BattleSource.JUDGE
    # The battle shows the judged (last) turn.
    assert (first.prompt, first.answer_a, first.answer_b) == (
        "And at sunset?",
        "Longer path, red light.",
        "It is orange.",
    )
    assert (first.model_a, first.model_b, first.category, first.turn) == (
        "alpha",
        "beta",
        "stem",
        2,
    )


def test_dropping_inconsistent_pairs() -> None:
    _, votes = judge_votes(PAIRS, InconsistentPolicy.DROP)
    assert [v.outcome for v in votes] == ["A", "B", "TIE"]


def test_battle_ids_are_stable_and_distinct() -> None:
    first, _ = judge_votes(PAIRS)
    again, _ = judge_votes(PAIRS)
    assert [b.id for b in first] == [b.id for b in again]
    assert len({b.id for b in first}) == len(first)
    assert all(len(b.id) <= 64 for b in first)


def test_votes_are_stored_once_in_a_real_workspace(tmp_path: Path) -> None:
    battles, votes = judge_votes(PAIRS)
    with Store.open(tmp_path / "workspace") as store:
        assert store.arena().add_battles(battles, votes) == (4, 0)
        assert store.arena().add_battles(battles, votes) == (0, 4)  # a rerun adds nothing
        decided = list(store.arena().decided_battles())
    assert [(d.outcome, d.source, d.voter) for d in decided] == [
        ("A", "judge", JUDGE),
        ("B", "judge", JUDGE),
        ("TIE", "judge", JUDGE),
        ("TIE", "judge", JUDGE),
    ]


def test_judge_battles_rate_like_any_battles() -> None:
    many = [judged(f"a{i}", V.A_BETTER, V.B_BETTER) for i in range(8)]
    many += [judged(f"b{i}", V.B_BETTER, V.A_BETTER) for i in range(2)]
    table = judge_battle_table(many)
    assert len(table) == 10
    ratings = {r.model: r for r in rate_battles(table, seed=0, n_rounds=50).ratings}
    assert ratings["alpha"].score > ratings["beta"].score
