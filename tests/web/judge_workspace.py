"""A workspace with people's votes and one judge's votes on the same prompts and pairs of
models, both drawn from known strengths; the judge also favours the answer shown first."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from evalatlas.judge import JudgedPair, Judgment, PairwiseItem, TemplateRef, Verdict, judge_votes
from evalatlas.store import BattleSource, NewBattle, Store, VoteRequest, VoteSource

STRENGTHS = {"smollm2-360m": 0.9, "gemma3-1b": 0.3, "qwen-0.5b": -0.2, "phi-mini": -1.0}
JUDGE = "judge:bundled:smollm2-135m-instruct@pairwise:0123abcd"
JUDGE_NAME = "judge:bundled:smollm2-135m-instruct"
TEMPLATE = TemplateRef("pairwise", "1", "0123abcd" * 8)
POSITION_BIAS = 0.3  # share of judgments the first-shown answer wins whatever it says
N_BATTLES = 240


def _a_wins(rng: np.random.Generator, model_a: str, model_b: str) -> bool:
    gap = STRENGTHS[model_a] - STRENGTHS[model_b]
    return bool(rng.random() < 1.0 / (1.0 + math.exp(-gap)))


def _people_battle(index: int, model_a: str, model_b: str, prompt: str) -> NewBattle:
    return NewBattle(
        id=f"people-{index}",
        source=BattleSource.ARENA,
        created_by="setup",
        prompt=prompt,
        model_a=model_a,
        model_b=model_b,
        answer_a="An answer.",
        answer_b="Another answer.",
    )


def _judged(
    rng: np.random.Generator, index: int, model_a: str, model_b: str, prompt: str
) -> JudgedPair:
    """Each order: the first-shown answer with probability POSITION_BIAS, else the one
    the strengths favour (the longer answer is the stronger model's, as answers go)."""
    a_better = _a_wins(rng, model_a, model_b)
    strong, weak = "A full answer with its reasons given.", "Short."
    item = PairwiseItem(
        pair_id=f"pair-{index}",
        model_a=model_a,
        model_b=model_b,
        questions=(prompt,),
        answers_a=(strong if a_better else weak,),
        answers_b=(weak if a_better else strong,),
        question_id=f"q{index}",
    )
    first_shown_wins = Verdict.A_BETTER
    forward = (
        first_shown_wins
        if rng.random() < POSITION_BIAS
        else (Verdict.A_BETTER if a_better else Verdict.B_BETTER)
    )
    backward = (
        first_shown_wins
        if rng.random() < POSITION_BIAS
        else (Verdict.B_BETTER if a_better else Verdict.A_BETTER)
    )
    judgments = (Judgment("...", forward, False, False), Judgment("...", backward, False, False))
    return JudgedPair(item, JUDGE, *judgments, TEMPLATE)


def fill_judged_workspace(
    root: Path, n_battles: int = N_BATTLES, seed: int = 0, *, people: bool = True
) -> None:
    """People's votes (unless ``people`` is false) and the judge's on the same
    ``n_battles`` prompts and pairs."""
    rng = np.random.default_rng(seed)
    models = sorted(STRENGTHS)
    battles, votes, pairs = [], [], []
    for index in range(n_battles):
        first, second = rng.choice(len(models), size=2, replace=False)
        model_a, model_b = models[first], models[second]
        prompt = f"Question {index}: which is better?"
        battle = _people_battle(index, model_a, model_b, prompt)
        battles.append(battle)
        outcome = "A" if _a_wins(rng, model_a, model_b) else "B"
        votes.append(VoteRequest(battle.id, outcome, f"person-{index % 7}", VoteSource.HUMAN))
        pairs.append(_judged(rng, index, model_a, model_b, prompt))
    judge_battles, judge_requests = judge_votes(pairs)
    with Store.open(root) as store:
        if not people:
            battles, votes = [], []
        store.arena().add_battles(battles + judge_battles, votes + judge_requests)
