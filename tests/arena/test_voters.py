"""The voter consistency test on a synthetic crowd with known model strengths."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from evalatlas.arena import voter_reports
from evalatlas.store import DecidedBattle

STRENGTHS = {"m1": 0.0, "m2": 0.9, "m3": 1.8, "m4": 2.7, "m5": 3.6}
HONEST = 20
VOTES_EACH = 60
# Enough votes that a coin-flipping voter is told apart from the crowd (checked over 60
# seeds: every one flags both suspects and no honest voter).
SUSPECT_VOTES = 150


def _battle(index: int, model_a: str, model_b: str, outcome: str, voter: str) -> DecidedBattle:
    return DecidedBattle(f"b{index}", model_a, model_b, outcome, voter, "human", None, None, None)


def synthetic_crowd(seed: int) -> list[DecidedBattle]:
    """Honest voters choose by Bradley-Terry from STRENGTHS (with some ties); 'random'
    flips a coin; 'contrarian' picks the weaker answer as often as the crowd the stronger."""
    rng = np.random.default_rng(seed)
    models = list(STRENGTHS)
    voters = [f"honest{i}" for i in range(HONEST)] + ["random", "contrarian"]
    battles: list[DecidedBattle] = []
    for voter in voters:
        for _ in range(VOTES_EACH if voter.startswith("honest") else SUSPECT_VOTES):
            a, b = rng.choice(len(models), size=2, replace=False)
            model_a, model_b = models[a], models[b]
            p_a = float(expit(STRENGTHS[model_a] - STRENGTHS[model_b]))
            if voter == "random":
                outcome = "A" if rng.random() < 0.5 else "B"
            elif voter == "contrarian":
                outcome = "B" if rng.random() < p_a else "A"
            elif rng.random() < 0.1:
                outcome = "TIE"
            else:
                outcome = "A" if rng.random() < p_a else "B"
            battles.append(_battle(len(battles), model_a, model_b, outcome, voter))
    return battles


def test_random_and_contrarian_voters_are_flagged_honest_ones_are_not() -> None:
    reports = voter_reports(synthetic_crowd(seed=11))
    by_voter = {report.voter: report for report in reports}
    assert len(reports) == HONEST + 2
    flagged = {report.voter for report in reports if report.flagged}
    assert flagged == {"random", "contrarian"}
    assert [report.voter for report in reports[:2]] == ["contrarian", "random"]
    assert by_voter["contrarian"].agreement < 0.3
    assert abs(by_voter["random"].agreement - 0.5) < 0.1
    honest = [by_voter[f"honest{i}"] for i in range(HONEST)]
    assert all(report.agreement > 0.6 and report.p_adjusted > 0.5 for report in honest)


def test_holm_adjustment_is_monotone_and_capped() -> None:
    reports = voter_reports(synthetic_crowd(seed=2))
    ordered = sorted(reports, key=lambda report: report.p_value)
    adjusted = [report.p_adjusted for report in ordered]
    assert adjusted == sorted(adjusted)
    assert all(r.p_value <= r.p_adjusted <= 1.0 for r in reports)


def test_voters_with_too_few_decisive_votes_are_not_tested() -> None:
    crowd = synthetic_crowd(seed=3)
    few = [_battle(10_000 + i, "m1", "m5", "TIE", "tier") for i in range(30)]
    few += [_battle(20_000 + i, "m1", "m5", "A", "newcomer") for i in range(9)]
    reports = voter_reports(crowd + few, min_votes=10)
    assert {"tier", "newcomer"}.isdisjoint(report.voter for report in reports)
    assert "newcomer" in {r.voter for r in voter_reports(crowd + few, min_votes=9)}
