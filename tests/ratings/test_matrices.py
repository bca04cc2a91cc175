from __future__ import annotations

import math

import numpy as np
import pytest

from evalatlas.errors import ConfigError
from evalatlas.ratings import BattleTable, fit_bradley_terry, pairwise_matrices

NAN = math.nan


def test_hand_computed_counts_fractions_and_predictions() -> None:
    battles = BattleTable.from_records(
        [
            ("x", "y", "A"),
            ("y", "x", "A"),
            ("x", "y", "TIE"),
            ("y", "x", "BOTH_BAD"),
            ("x", "z", "A"),
            ("z", "x", "B"),
        ]
    )
    matrices = pairwise_matrices(battles, scores=np.array([1100.0, 1000.0, 900.0]))
    assert matrices.models == ("x", "y", "z")
    np.testing.assert_array_equal(matrices.battle_count, [[0, 4, 2], [4, 0, 0], [2, 0, 0]])
    # x vs y: one win, one loss, one tie, one both-bad -> (1 + 0.5 + 0.5) / 4.
    # x vs z: two wins (one as side b). y and z never met.
    np.testing.assert_allclose(
        matrices.win_fraction,
        [[NAN, 0.5, 1.0], [0.5, NAN, NAN], [0.0, NAN, NAN]],
    )
    ahead = 1 / (1 + 10 ** (-100 / 400))  # 100 points ahead: about 0.640
    np.testing.assert_allclose(
        matrices.predicted_win_rate,
        [
            [NAN, ahead, 1 / (1 + 10 ** (-200 / 400))],
            [1 - ahead, NAN, ahead],
            [1 / (1 + 10 ** (200 / 400)), 1 - ahead, NAN],
        ],
    )


def test_predictions_default_to_a_fit_of_the_same_battles() -> None:
    records = [("x", "y", "A")] * 3 + [("x", "y", "B")] + [("y", "z", "A")] * 2 + [("z", "y", "A")]
    battles = BattleTable.from_records(records)
    matrices = pairwise_matrices(battles)
    scores = fit_bradley_terry(battles)
    np.testing.assert_allclose(
        matrices.predicted_win_rate, pairwise_matrices(battles, scores).predicted_win_rate
    )
    # Two models alone: the fit reproduces the observed fraction (3 of 4).
    two = pairwise_matrices(BattleTable.from_records(records[:4]))
    assert two.predicted_win_rate[0, 1] == pytest.approx(0.75, abs=1e-6)
    assert np.isnan(np.diag(two.predicted_win_rate)).all()


def test_wrong_number_of_scores_is_a_config_error() -> None:
    battles = BattleTable.from_records([("x", "y", "A")])
    with pytest.raises(ConfigError, match="got 3 scores for 2 models"):
        pairwise_matrices(battles, np.array([1.0, 2.0, 3.0]))
