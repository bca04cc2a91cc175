"""Our Bradley-Terry fit against FastChat's published one (fschat 0.2.36), on the same battles."""

from __future__ import annotations

import numpy as np
import pytest

from evalatlas.ratings import BattleTable, BradleyTerryConfig, fit_bradley_terry

from .fastchat_reference import battles_frame, load_functions, matching_l2, unavailable_reason
from .synthetic import draw_battles_with_ties

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"FastChat reference: {REASON}")

LOGITS = np.array([-1.0, -0.4, -0.1, 0.2, 0.6, 1.1])


@pytest.fixture(scope="module")
def battles() -> BattleTable:
    table = draw_battles_with_ties(4000, seed=17, logits=LOGITS, tie_share=0.2)
    codes = set(table.outcome.tolist())
    assert codes == {0, 1, 2, 3}  # wins both ways, "tie" and "tie (bothbad)"
    return table


@pytest.fixture(scope="module")
def theirs(battles: BattleTable) -> np.ndarray:
    compute = load_functions()["compute_elo_mle_with_tie"]
    ratings = compute(battles_frame(battles))
    return np.array([ratings[name] for name in battles.models])


def test_every_rating_within_half_a_point_of_fastchat(
    battles: BattleTable, theirs: np.ndarray
) -> None:
    ours = fit_bradley_terry(battles)
    assert np.abs(ours - theirs).max() < 0.5
    assert np.argsort(ours).tolist() == np.argsort(theirs).tolist()


def test_with_fastchats_penalty_the_fits_agree_closer_still(
    battles: BattleTable, theirs: np.ndarray
) -> None:
    # sklearn's C=1 penalty on the duplicated battles, restated as our per-battle l2: what is
    # left is sklearn's stopping tolerance.
    matched = fit_bradley_terry(battles, BradleyTerryConfig(l2=matching_l2(len(battles))))
    assert np.abs(matched - theirs).max() < 0.05
    assert np.abs(matched - theirs).max() < np.abs(fit_bradley_terry(battles) - theirs).max()


def test_fastchats_bootstrap_runs_on_the_same_frame(battles: BattleTable) -> None:
    functions = load_functions()
    np.random.seed(0)
    samples = functions["get_bootstrap_result"](
        battles_frame(battles), functions["compute_elo_mle_with_tie"], 2
    )
    assert samples.shape == (2, len(battles.models))
