"""Length-controlled win rate on synthetic preferences with a planted length bias."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from evalatlas.errors import ConfigError
from evalatlas.judge import (
    JudgedPair,
    Judgment,
    LengthControlConfig,
    PairwiseItem,
    Preference,
    PreferenceTable,
    Verdict,
    baseline_preferences,
    length_controlled_win_rates,
)
from evalatlas.judge.length_control import LengthControlledResult

# name -> (strength theta, log of the typical length ratio to the baseline); None: the
# null model, one fixed 1,500-token answer to every instruction.
MODELS = {"short": (0.0, 0.0), "long": (-0.2, 0.8), "strong": (0.8, -0.2), "null": (-4.0, None)}
LENGTH_BIAS = 1.5


def simulate(
    seed: int, length_bias: float = LENGTH_BIAS, n: int = 400
) -> tuple[list[Preference], dict[str, float]]:
    """Judge preferences from logit P = theta_m + delta_i + beta * tanh(d / sd(d)); returns
    them and each model's true length-free win rate, mean_i sigma(theta_m + delta_i)."""
    rng = np.random.default_rng(seed)
    difficulty = rng.normal(0.0, 1.0, n)
    baseline_length = rng.lognormal(np.log(250), 0.5, n)
    lengths = {
        name: np.full(n, 1500.0)
        if ratio is None
        else baseline_length * np.exp(ratio + 0.6 * rng.normal(size=n))
        for name, (_, ratio) in MODELS.items()
    }
    scale = np.std(np.concatenate([lengths[m] - baseline_length for m in MODELS]))
    records, truth = [], {}
    for name, (strength, _) in MODELS.items():
        feature = np.tanh((lengths[name] - baseline_length) / scale)
        wins = rng.random(n) < expit(strength + difficulty + length_bias * feature)
        truth[name] = float(expit(strength + difficulty).mean())
        records += [
            Preference(name, f"q{i}", float(wins[i]), lengths[name][i], baseline_length[i])
            for i in range(n)
        ]
    return records, truth


@pytest.fixture(scope="module")
def planted() -> tuple[LengthControlledResult, dict[str, float]]:
    records, truth = simulate(seed=0)
    result = length_controlled_win_rates(
        PreferenceTable.from_records(records), seed=0, config=LengthControlConfig(n_boot=30)
    )
    return result, truth


def test_length_bias_inflates_the_raw_rate_and_length_control_removes_it(
    planted: tuple[LengthControlledResult, dict[str, float]],
) -> None:
    result, truth = planted
    rows = {row.model: row for row in result.rows}
    long = rows["long"]
    assert long.win_rate > truth["long"] + 0.08  # writing more bought wins
    assert abs(long.lc_win_rate - truth["long"]) < 0.05
    assert long.lc_ci[0] < truth["long"] < long.lc_ci[1]
    assert long.win_ci[0] > truth["long"]  # the raw rate's own interval misses the truth
    for name in ("short", "strong"):
        assert abs(rows[name].lc_win_rate - truth[name]) < 0.07
    assert result.length_weight_ci[0] > 0.5  # the judge's length bias is found
    assert long.n == 400 and long.mean_length_difference > 0


def test_a_null_model_stays_low(
    planted: tuple[LengthControlledResult, dict[str, float]],
) -> None:
    result, _ = planted
    null = next(row for row in result.rows if row.model == "null")
    assert null.win_rate > 0.05  # a long constant answer gets some wins from the bias...
    assert null.lc_win_rate < 0.05  # ...that length control takes away
    assert null.lc_ci[1] < 0.1


def test_without_length_bias_both_rates_agree() -> None:
    records, _ = simulate(seed=4, length_bias=0.0)
    result = length_controlled_win_rates(
        PreferenceTable.from_records(records), seed=0, config=LengthControlConfig(n_boot=10)
    )
    for row in result.rows:
        assert abs(row.lc_win_rate - row.win_rate) < 0.04


def test_preferences_from_pairs_judged_against_a_baseline() -> None:
    def judged(pair_id: str, model_a: str, model_b: str, forward: Verdict) -> JudgedPair:
        item = PairwiseItem(
            pair_id, model_a, model_b, ("Q?",), ("one two three",), ("one",), question_id=pair_id
        )
        return JudgedPair(
            item, "judge:x@t:0", Judgment("", forward), Judgment("", forward.swapped())
        )

    pairs = [
        judged("q1", "mine", "base", Verdict.A_BETTER),
        judged("q2", "base", "mine", Verdict.A_MUCH_BETTER),  # the baseline on side A
        judged("q3", "mine", "base", Verdict.TIE),
        judged("q4", "mine", "other", Verdict.A_BETTER),  # no baseline: left out
    ]
    preferences = baseline_preferences(pairs, "base")
    assert [(p.model, p.instruction, p.preference) for p in preferences] == [
        ("mine", "q1#1", 1.0),
        ("mine", "q2#1", 0.0),
        ("mine", "q3#1", 0.5),
    ]
    assert (preferences[0].model_length, preferences[0].baseline_length) == (3.0, 1.0)
    assert (preferences[1].model_length, preferences[1].baseline_length) == (1.0, 3.0)


def test_bad_preferences_are_refused() -> None:
    with pytest.raises(ConfigError, match="at least one"):
        PreferenceTable.from_records([])
    with pytest.raises(ConfigError, match=r"outside 0\.\.1"):
        PreferenceTable.from_records([Preference("m", "q", 1.5, 1.0, 1.0)])
