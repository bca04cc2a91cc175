"""Judge votes keep how they were reached; the bias audit is recomputed from a real store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import URL

from evalatlas.errors import DataError
from evalatlas.judge import (
    InconsistentPolicy,
    JudgedPair,
    Judgment,
    PairwiseItem,
    TemplateRef,
    Verdict,
    VerdictMode,
    audit_judge,
    judge_votes,
    stored_judges,
)
from evalatlas.judge.evidence import evidence_of
from evalatlas.judge.verdicts import PairOutcome
from evalatlas.store import DecidedBattle, Store, VoteRequest, VoteSource
from evalatlas.store.engine import make_engine
from evalatlas.store.migrations import migrate

V = Verdict
TEMPLATE = TemplateRef("pairwise-multi-turn", "1", "ab" * 32)
TEXT_JUDGE = "judge:bundled:smollm2-135m-instruct@pairwise-multi-turn:abababab"
CHOICE_JUDGE = "judge:bundled:smollm2-135m-instruct@pairwise-multi-turn-choice:cdcdcdcd"
OTHER_JUDGE = "judge:gguf:other.gguf@pairwise-multi-turn:abababab"


def judged(
    pair_id: str,
    forward: Verdict | None,
    backward: Verdict | None,
    *,
    judge: str = TEXT_JUDGE,
    at_limit: bool = False,
) -> JudgedPair:
    item = PairwiseItem(
        pair_id=pair_id,
        model_a="alpha",
        model_b="beta",
        questions=("Why is the sky blue?", "And at sunset?"),
        answers_a=("Rayleigh scattering.", "## Sunset\n- a **longer** path\n- red light"),
        answers_b=("Because.", "It is orange."),
        category="stem",
        question_id=pair_id,
    )
    mode = VerdictMode.CHOICE if "-choice" in judge else VerdictMode.TEXT
    scores = (-1.0, -2.0, -3.0, -4.0, -5.0) if mode is VerdictMode.CHOICE else ()

    def judgment(verdict: Verdict | None) -> Judgment:
        if mode is VerdictMode.CHOICE:
            verdict = V.A_MUCH_BETTER  # the most likely of ``scores``
        return Judgment("...", verdict, False, at_limit, mode, scores)

    return JudgedPair(item, judge, judgment(forward), judgment(backward), TEMPLATE)


PAIRS = [
    judged("strong", V.A_MUCH_BETTER, V.B_MUCH_BETTER, at_limit=True),
    judged("weak", V.B_BETTER, V.A_BETTER),
    judged("tie", V.TIE, V.TIE),
    judged("inconsistent", V.A_BETTER, V.A_BETTER),
    judged("unscored", V.A_BETTER, None),
]


def stored(workspace: Path, pairs: list[JudgedPair], **policy: InconsistentPolicy) -> Store:
    battles, votes = judge_votes(pairs, **policy)
    store = Store.open(workspace)
    store.arena().add_battles(battles, votes)
    return store


def test_votes_keep_both_orders_and_the_battles_their_style(tmp_path: Path) -> None:
    battles, votes = judge_votes(PAIRS)
    details = votes[0].details
    assert details is not None
    assert details["forward"] == {"verdict": "A>>B", "hit_token_limit": True, "truncated": False}
    assert details["backward"]["verdict"] == "B>>A"
    assert details["verdict_source"] == "text"
    assert details["template"] == {
        "name": "pairwise-multi-turn",
        "version": "1",
        "sha256": "ab" * 32,
    }
    # Words and punctuation marks of the judged turn's answers (## counts 2, ** 2 each).
    assert details["answer_lengths"] == [14, 4]
    assert (details["question_id"], details["turn"]) == ("strong", 2)
    assert battles[0].style_a == {"length": 14.0, "headers": 1.0, "lists": 2.0, "bold": 1.0}
    assert battles[0].style_b == {"length": 4.0, "headers": 0.0, "lists": 0.0, "bold": 0.0}
    with stored(tmp_path / "ws", PAIRS) as store:
        (first, *_) = store.arena().decided_battles()
        vote = store.arena().get_battle(first.battle_id).vote
    assert first.details == details and vote is not None and vote.details == details


def test_the_audit_from_the_store_equals_the_audit_of_the_counted_pairs(tmp_path: Path) -> None:
    with stored(tmp_path / "ws", PAIRS) as store:
        (judge,) = stored_judges(store.arena().decided_battles())
    counted = [pair for pair in PAIRS if pair.outcome is not PairOutcome.UNSCORED]
    assert judge.pairs == [evidence_of(pair) for pair in counted]
    assert (judge.name, judge.voters) == (
        "judge:bundled:smollm2-135m-instruct",
        [TEXT_JUDGE],
    )
    assert audit_judge(judge.pairs).as_json() == audit_judge(counted).as_json()
    assert audit_judge(judge.pairs).at_token_limit == 2


def test_judges_are_grouped_by_model_and_verdict_mode(tmp_path: Path) -> None:
    pairs = [
        *PAIRS[:2],
        judged("c1", V.A_BETTER, V.B_BETTER, judge=CHOICE_JUDGE),
        judged("o1", V.A_BETTER, V.B_BETTER, judge=OTHER_JUDGE),
    ]
    with stored(tmp_path / "ws", pairs) as store:
        decided = list(store.arena().decided_battles())
    groups = stored_judges(decided)
    assert [(g.name, g.verdict_source, g.votes) for g in groups] == [
        ("judge:bundled:smollm2-135m-instruct", VerdictMode.CHOICE, 1),
        ("judge:bundled:smollm2-135m-instruct", VerdictMode.TEXT, 2),
        ("judge:gguf:other.gguf", VerdictMode.TEXT, 1),
    ]
    assert groups[0].pairs[0].verdict_source is VerdictMode.CHOICE
    # One judge by its voter name, its name or its model reference.
    assert [g.votes for g in stored_judges(decided, CHOICE_JUDGE)] == [1]
    assert [g.votes for g in stored_judges(decided, "gguf:other.gguf")] == [1]
    assert len(stored_judges(decided, "judge:bundled:smollm2-135m-instruct")) == 2
    assert stored_judges(decided, "nobody") == []


def test_dropped_inconsistent_pairs_are_not_stored(tmp_path: Path) -> None:
    with stored(tmp_path / "ws", PAIRS, policy=InconsistentPolicy.DROP) as store:
        (judge,) = stored_judges(store.arena().decided_battles())
    assert [pair.outcome for pair in judge.pairs] == [PairOutcome.A, PairOutcome.B, PairOutcome.TIE]


def test_details_that_contradict_their_vote_are_refused(tmp_path: Path) -> None:
    battles, votes = judge_votes(PAIRS[:1])
    lying = VoteRequest(votes[0].battle_id, "B", TEXT_JUDGE, VoteSource.JUDGE, votes[0].details)
    with Store.open(tmp_path / "ws") as store:
        store.arena().add_battles(battles, [lying])
        decided = list(store.arena().decided_battles())
    with pytest.raises(DataError, match="the vote is B but its details give A"):
        stored_judges(decided)
    fields = ("b1", "alpha", "beta", "A", TEXT_JUDGE, "judge", None, None, None)
    broken = DecidedBattle(*fields, details={"format": "judge-pair/1"})
    with pytest.raises(DataError, match="battle 'b1': unreadable details"):
        stored_judges([broken])


def test_votes_stored_before_details_were_kept_are_counted_not_guessed(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    engine = make_engine(URL.create("sqlite", database=str(workspace / "evalatlas.db")))
    migrate(engine, target=9)  # the arena tables as they were before version 10
    engine.dispose()
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(workspace / "evalatlas.db") as raw:
        raw.execute(
            "INSERT INTO arena_battles (id, created_at, source, created_by, prompt, model_a, "
            "model_b, answer_a, answer_b) VALUES ('old', ?, 'judge', ?, 'Q?', 'alpha', 'beta', "
            "'a', 'b')",
            (now, TEXT_JUDGE),
        )
        raw.execute(
            "INSERT INTO arena_votes (battle_id, outcome, voter, source, created_at) "
            "VALUES ('old', 'A', ?, 'judge', ?)",
            (TEXT_JUDGE, now),
        )
    with stored(workspace, PAIRS[:1]) as store:  # opening migrates to version 10
        decided = list(store.arena().decided_battles())
    assert [battle.details is None for battle in decided] == [True, False]
    (judge,) = stored_judges(decided)
    assert (judge.votes, judge.without_details, len(judge.pairs)) == (2, 1, 1)
