"""Arena battles for the web tests: undecided battles to vote on, and a voted battle log
drawn from known model strengths (with categories, style counts and one contrarian voter),
stored as ``evalatlas arena import`` stores one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evalatlas.arena import answer_style
from evalatlas.store import BattleSource, NewBattle, Store, VoteRequest, VoteSource

# True Bradley-Terry strengths (logits): the ratings must come out in this order.
STRENGTHS = {"acme/merge-70b": 1.2, "acme/base-13b": 0.4, "acme/chat-1.7b": -0.3, "zeta/x": -1.0}
CATEGORIES = ("coding", "writing")
CONTRARIAN = "contrarian-voter"
LOG_BATTLES = 600


def undecided_battle(
    battle_id: str,
    model_a: str = "alpha/model",
    model_b: str = "beta/model",
    *,
    answer_a: str = "Blue light scatters more.",
    answer_b: str = "Because of Rayleigh scattering.",
    leak: str | None = None,
) -> NewBattle:
    return NewBattle(
        id=battle_id,
        source=BattleSource.ARENA,
        created_by="setup",
        prompt=f"Why is the sky blue? ({battle_id})",
        model_a=model_a,
        model_b=model_b,
        answer_a=answer_a,
        answer_b=answer_b,
        style_a=answer_style(answer_a),
        style_b=answer_style(answer_b),
        identity_leak=leak,
    )


def add_undecided(root: Path, battles: Sequence[NewBattle]) -> None:
    with Store.open(root) as store:
        store.arena().add_battles(battles)


def _answer(rng: np.random.Generator) -> str:
    """An answer with random length and markdown, so style counts vary."""
    lines = [f"# Heading {k}" for k in range(int(rng.integers(0, 2)))]
    lines += [f"- item **{k}**" for k in range(int(rng.integers(0, 4)))]
    lines.append(" ".join(["word"] * int(rng.integers(5, 60))))
    return "\n".join(lines)


def fill_battle_log(
    root: Path,
    strengths: dict[str, float] = STRENGTHS,
    n_battles: int = LOG_BATTLES,
    seed: int = 0,
) -> int:
    """Store ``n_battles`` voted battles between random pairs of ``strengths``' models,
    outcomes drawn from their Bradley-Terry probabilities, by 12 voters of whom
    ``CONTRARIAN`` (every 7th battle) always votes for the weaker model. Returns how many
    battles the contrarian decided."""
    rng = np.random.default_rng(seed)
    models = sorted(strengths)
    battles, votes, contrarian = [], [], 0
    for index in range(n_battles):
        a, b = rng.choice(len(models), size=2, replace=False)
        model_a, model_b = models[int(a)], models[int(b)]
        p_a = 1 / (1 + math.exp(strengths[model_b] - strengths[model_a]))
        if index % 7 == 0:
            voter, outcome = CONTRARIAN, "A" if p_a < 0.5 else "B"
            contrarian += 1
        else:
            voter = f"voter-{index % 11}"
            draw = rng.random()
            outcome = "TIE" if draw > 0.95 else ("A" if draw < p_a * 0.95 else "B")
        answer_a, answer_b = _answer(rng), _answer(rng)
        battle_id = f"log-{index:05d}"
        battles.append(
            NewBattle(
                id=battle_id,
                source=BattleSource.IMPORT,
                created_by=voter,
                prompt=f"question {index}",
                model_a=model_a,
                model_b=model_b,
                answer_a=answer_a,
                answer_b=answer_b,
                category=CATEGORIES[index % 2],
                style_a=answer_style(answer_a),
                style_b=answer_style(answer_b),
            )
        )
        votes.append(VoteRequest(battle_id, outcome, voter, VoteSource.HUMAN))
    with Store.open(root) as store:
        store.arena().add_battles(battles, votes)
    return contrarian
