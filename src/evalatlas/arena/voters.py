"""Which voters vote unlike everyone else?

For each voter with enough decisive votes (A or B), the other voters' battles give
Bradley-Terry strengths, and so the probability p of each choice this voter made. Under
the hypothesis that the voter votes like the crowd, the log-likelihood of their choices
has mean sum(p log p + q log q) and variance sum(p q (log p/q)^2); a log-likelihood far
below that mean (one-sided normal test) marks votes inconsistent with the crowd: random
clicks where the crowd agrees, or systematic votes for the weaker answer. p-values are
Holm-adjusted over the voters tested. Flagged voters are reported; ratings leave them
out only when asked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from scipy.stats import norm

from evalatlas.ratings import BattleTable, Matchups, fit_logits
from evalatlas.scoring.paired import holm_adjust
from evalatlas.store import DecidedBattle

MIN_VOTES = 10
ALPHA = 0.01
# Choices the crowd's model calls near-certain would give log(0): clip probabilities.
PROBABILITY_CLIP = 1e-4


@dataclass(frozen=True)
class VoterReport:
    """One voter's test: decisive votes, agreement with the crowd's favourite, the test's
    z statistic, raw and Holm-adjusted p-values, and whether it is flagged."""

    voter: str
    votes: int
    agreement: float
    expected_agreement: float
    z: float
    p_value: float
    p_adjusted: float
    flagged: bool


def voter_reports(
    battles: Sequence[DecidedBattle], *, min_votes: int = MIN_VOTES, alpha: float = ALPHA
) -> list[VoterReport]:
    """Test every voter with at least ``min_votes`` decisive votes; most suspect first."""
    by_voter: dict[str, list[int]] = defaultdict(list)
    for index, battle in enumerate(battles):
        by_voter[battle.voter].append(index)
    decisive = {
        voter: [i for i in rows if battles[i].outcome in ("A", "B")]
        for voter, rows in by_voter.items()
    }
    tested = sorted(voter for voter, rows in decisive.items() if len(rows) >= min_votes)
    if not tested:
        return []
    crowd = _Crowd(battles)
    raw = [
        _test_voter(battles, voter, decisive[voter], crowd.strengths_without(by_voter[voter]))
        for voter in tested
    ]
    adjusted = holm_adjust([report.p_value for report in raw])
    reports = [
        VoterReport(**{**vars(report), "p_adjusted": p, "flagged": p < alpha})
        for report, p in zip(raw, adjusted, strict=True)
    ]
    return sorted(reports, key=lambda report: (report.p_adjusted, report.z))


class _Crowd:
    """Every battle compressed once into (pair, result) rows, so the strengths without one
    voter are a refit on the row counts less that voter's own: the cost of a test does not
    grow with the number of battles."""

    def __init__(self, battles: Sequence[DecidedBattle]) -> None:
        table = BattleTable.from_records([(b.model_a, b.model_b, b.outcome) for b in battles])
        swapped = table.model_a > table.model_b
        low = np.where(swapped, table.model_b, table.model_a)
        high = np.where(swapped, table.model_a, table.model_b)
        twice_score = np.rint(2 * np.where(swapped, 1.0 - table.score_a, table.score_a))
        keys = np.stack([low, high, twice_score.astype(np.int64)], axis=1)
        rows, self._row_of = np.unique(keys, axis=0, return_inverse=True)
        self._row_of = self._row_of.reshape(-1)
        self._matchups = Matchups(
            table.models,
            rows[:, 0],
            rows[:, 1],
            rows[:, 2] / 2.0,
            np.bincount(self._row_of, minlength=len(rows)).astype(np.float64),
        )

    def strengths_without(self, own: list[int]) -> dict[str, float]:
        """Bradley-Terry logits of the models from every battle but those at ``own``."""
        count = self._matchups.count - np.bincount(
            self._row_of[own], minlength=len(self._matchups.count)
        )
        logits = fit_logits(self._matchups, count=count)
        return dict(zip(self._matchups.models, (float(v) for v in logits), strict=True))


def _test_voter(
    battles: Sequence[DecidedBattle], voter: str, rows: list[int], strengths: dict[str, float]
) -> VoterReport:
    chosen_probability = []
    for index in rows:
        battle = battles[index]
        gap = strengths[battle.model_a] - strengths[battle.model_b]
        p_a = float(expit(gap))
        chosen_probability.append(p_a if battle.outcome == "A" else 1.0 - p_a)
    p = np.clip(np.array(chosen_probability), PROBABILITY_CLIP, 1 - PROBABILITY_CLIP)
    # Probability of the choice made, and of the crowd's favourite in each battle.
    favourite = np.maximum(p, 1 - p)
    log_likelihood = float(np.log(p).sum())
    mean = float((favourite * np.log(favourite) + (1 - favourite) * np.log1p(-favourite)).sum())
    variance = float((favourite * (1 - favourite) * np.log(favourite / (1 - favourite)) ** 2).sum())
    z = (log_likelihood - mean) / np.sqrt(variance) if variance > 0 else 0.0
    return VoterReport(
        voter=voter,
        votes=len(rows),
        agreement=float(np.mean(p >= 0.5)),
        expected_agreement=float(np.mean(favourite)),
        z=float(z),
        p_value=float(norm.cdf(z)),
        p_adjusted=1.0,
        flagged=False,
    )
