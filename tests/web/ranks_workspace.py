"""A workspace with all three kinds of ranking source on the same models: benchmark runs
of the real bundled models and the random baseline (the real runner, a small limit),
people's arena votes, and one judge's verdicts stored as the judge stores them.

People's votes follow ``PEOPLE``; the judge's verdicts follow ``JUDGE_VIEW``, which
reverses the order, so the arena and the judge disagree clearly on some pairs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from evalatlas.judge import JudgedPair, Judgment, PairwiseItem, TemplateRef, Verdict, judge_votes
from evalatlas.models import load_model
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.store import BattleSource, NewBattle, Store, VoteRequest, VoteSource
from evalatlas.tasks.registry import resolve_tasks

SMOLLM2 = "bundled:smollm2-135m-instruct"
GEMMA3 = "bundled:gemma3-270m"
RANDOM = "random"
MODELS = (SMOLLM2, GEMMA3, RANDOM)
TASK = "arithmetic_mc"
LIMIT = 6
PEOPLE = {SMOLLM2: 1.5, GEMMA3: 0.0, RANDOM: -1.5}
JUDGE_VIEW = {SMOLLM2: -1.5, GEMMA3: 0.0, RANDOM: 1.5}
JUDGE = "judge:bundled:smollm2-135m-instruct@pairwise:0123abcd"
JUDGE_SOURCE = "judge:bundled:smollm2-135m-instruct (text)"
TEMPLATE = TemplateRef("pairwise", "1", "0123abcd" * 8)
N_BATTLES = 150


def fill_ranks_workspace(root: Path) -> None:
    with Store.open(root) as store:
        for reference in MODELS:
            evaluate(load_model(reference), resolve_tasks(TASK), EvalConfig(limit=LIMIT), store)
        battles, votes = _people_votes(np.random.default_rng(0))
        judge_battles, judge_requests = judge_votes(_judged(np.random.default_rng(1)))
        store.arena().add_battles(battles + judge_battles, votes + judge_requests)


def _first_wins(rng: np.random.Generator, strengths: dict[str, float], a: str, b: str) -> bool:
    return bool(rng.random() < 1.0 / (1.0 + math.exp(strengths[b] - strengths[a])))


def _pairs(rng: np.random.Generator) -> list[tuple[int, str, str]]:
    drawn = []
    for index in range(N_BATTLES):
        first, second = rng.choice(len(MODELS), size=2, replace=False)
        drawn.append((index, MODELS[first], MODELS[second]))
    return drawn


def _people_votes(rng: np.random.Generator) -> tuple[list[NewBattle], list[VoteRequest]]:
    battles, votes = [], []
    for index, model_a, model_b in _pairs(rng):
        battle = NewBattle(
            id=f"people-{index}",
            source=BattleSource.ARENA,
            created_by="setup",
            prompt=f"Question {index}",
            model_a=model_a,
            model_b=model_b,
            answer_a="An answer.",
            answer_b="Another answer.",
        )
        battles.append(battle)
        outcome = "A" if _first_wins(rng, PEOPLE, model_a, model_b) else "B"
        votes.append(VoteRequest(battle.id, outcome, f"person-{index % 9}", VoteSource.HUMAN))
    return battles, votes


def _judged(rng: np.random.Generator) -> list[JudgedPair]:
    """Both orders agree on the model ``JUDGE_VIEW`` favours (drawn once per pair)."""
    judged = []
    for index, model_a, model_b in _pairs(rng):
        a_better = _first_wins(rng, JUDGE_VIEW, model_a, model_b)
        item = PairwiseItem(
            pair_id=f"pair-{index}",
            model_a=model_a,
            model_b=model_b,
            questions=(f"Question {index}",),
            answers_a=("An answer.",),
            answers_b=("Another answer.",),
            question_id=f"q{index}",
        )
        forward = Verdict.A_BETTER if a_better else Verdict.B_BETTER
        backward = Verdict.B_BETTER if a_better else Verdict.A_BETTER
        orders = (Judgment("...", forward, False, False), Judgment("...", backward, False, False))
        judged.append(JudgedPair(item, JUDGE, *orders, TEMPLATE))
    return judged
