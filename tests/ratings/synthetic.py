"""Battles drawn from known Bradley-Terry strengths, for tests that check recovery."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evalatlas.ratings import BattleTable, battles_from_arrays

TRUE_LOGITS = np.array([-1.2, -0.6, 0.0, 0.4, 0.9, 1.5])
MODELS = tuple(f"model-{i}" for i in range(TRUE_LOGITS.shape[0]))


def draw_battles(
    n_battles: int, seed: int, logits: NDArray[np.float64] = TRUE_LOGITS
) -> BattleTable:
    """Uniformly random pairs; a wins with probability sigmoid(logit_a - logit_b)."""
    rng = np.random.default_rng(seed)
    size = logits.shape[0]
    model_a = rng.integers(0, size, n_battles)
    model_b = (model_a + rng.integers(1, size, n_battles)) % size
    p_a = 1.0 / (1.0 + np.exp(logits[model_b] - logits[model_a]))
    outcome = np.where(rng.random(n_battles) < p_a, "A", "B")
    return battles_from_arrays(MODELS[:size], model_a.tolist(), model_b.tolist(), outcome.tolist())


def draw_battles_with_ties(
    n_battles: int,
    seed: int,
    logits: NDArray[np.float64] = TRUE_LOGITS,
    tie_share: float = 0.15,
) -> BattleTable:
    """As `draw_battles`, with a share of TIE and BOTH_BAD outcomes (two to one)."""
    battles = draw_battles(n_battles, seed, logits)
    rng = np.random.default_rng(seed + 1)
    draw = rng.random(n_battles)
    outcome = np.where(draw < tie_share, np.where(draw < tie_share * 2 / 3, 2, 3), battles.outcome)
    return BattleTable(
        battles.models,
        battles.model_a,
        battles.model_b,
        outcome.astype(np.int8),
        battles.categories,
    )


# Style simulation: the two weakest models write long answers, so without style control
# their ratings are inflated by the voters' taste for length.
STYLE_LOGITS = np.array([-0.8, -0.4, 0.0, 0.3, 0.6, 0.9])
MEAN_LENGTH = np.array([900.0, 700.0, 250.0, 250.0, 250.0, 250.0])
LENGTH_EFFECT = 0.6  # logits per standard deviation of the normalised length difference


def draw_style_battles(n_battles: int, seed: int) -> BattleTable:
    """Battles whose winner depends on the true strengths and on the answers' lengths."""
    rng = np.random.default_rng(seed)
    size = STYLE_LOGITS.shape[0]
    model_a = rng.integers(0, size, n_battles)
    model_b = (model_a + rng.integers(1, size, n_battles)) % size
    length_a = rng.gamma(4.0, MEAN_LENGTH[model_a] / 4.0)
    length_b = rng.gamma(4.0, MEAN_LENGTH[model_b] / 4.0)
    headers_a = rng.poisson(1.0, n_battles).astype(float)
    headers_b = rng.poisson(1.0, n_battles).astype(float)
    difference = (length_a - length_b) / (length_a + length_b)
    z = (difference - difference.mean()) / difference.std()
    strength = STYLE_LOGITS[model_a] - STYLE_LOGITS[model_b] + LENGTH_EFFECT * z
    outcome = np.where(rng.random(n_battles) < 1.0 / (1.0 + np.exp(-strength)), "A", "B")
    table = battles_from_arrays(MODELS[:size], model_a.tolist(), model_b.tolist(), outcome.tolist())
    zeros = np.zeros(n_battles)
    return table.with_style(
        ("length", "headers", "lists", "bold"),
        np.column_stack([length_a, headers_a, zeros, zeros]),
        np.column_stack([length_b, headers_b, zeros, zeros]),
    )
