"""How far a judge's verdicts can be trusted: position, length and self-preference biases,
and agreement with human votes. Pure computation over judged pairs, or over their
evidence as stored with judge votes (``PairEvidence``), with numpy and scipy.

Every number is an ``Estimate``: value, 95% interval, n, and the interval's method —
Wilson for proportions, a seeded percentile bootstrap for Cohen's kappa and for
differences of win rates. Statistics over judgments count both orders of a pair, and
those two judgments are not independent (a judge that always picks the first answer
decides both at once): their Wilson interval uses the effective sample size, n over the
pair-clustered design effect (``"wilson-clustered"``).

- position consistency: share of pairs (both orders parsed) whose two orders agree;
- first-position win rate: share of decisive judgments (either order) won by the answer
  shown first; 0.5 when position does not matter;
- P(longer answer wins): share of decisive counted pairs won by the longer answer
  (lengths in word and punctuation tokens; equal lengths left out);
- P(longer answer wins) per judgment: the same over decisive judgments, each order
  counting. Every pair is shown once with its longer answer first and once second, so
  position bias cancels out of it, and it is measurable when no pair is decisive (a judge
  that always prefers the first answer makes every pair inconsistent);
- self-preference: the win rate of the judge's own model family against other models
  under this judge, minus the same win rate under a reference source (human votes or
  another judge), ties counting half;
- agreement with humans on the same battles (question, turn, pair of models): accuracy
  over battles both call decisive, and Cohen's kappa over winner-or-tie labels.

Verdicts written by the judge and verdicts chosen by log-likelihood (``VerdictMode``) are
different measurements: an audit of pairs that mix them is refused.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evalatlas.errors import ConfigError
from evalatlas.jsonio import json_ready
from evalatlas.judge.evidence import AuditedPair, PairEvidence, as_evidence
from evalatlas.judge.evidence import answer_length as answer_length  # its former home
from evalatlas.judge.verdicts import InconsistentPolicy, PairOutcome, counted_outcome
from evalatlas.outcomes import Outcome
from evalatlas.ratings import BattleTable
from evalatlas.ratings.battles import OUTCOME_CODES
from evalatlas.scoring.intervals import check_confidence, wilson_interval
from evalatlas.scoring.stats import bootstrap_replicates, percentile_interval

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    value: float
    ci_low: float
    ci_high: float
    n: int
    method: str  # "wilson" or "bootstrap"

    @classmethod
    def proportion(cls, successes: int, n: int, confidence: float = 0.95) -> Estimate:
        low, high = wilson_interval(successes, n, confidence)
        value = successes / n if n else math.nan
        return cls(value, low, high, n, "wilson")


def position_consistency(pairs: Sequence[AuditedPair], confidence: float = 0.95) -> Estimate:
    """Share of pairs, among those with both orders parsed, whose orders agree."""
    parsed = [pair for pair in as_evidence(pairs) if pair.outcome is not PairOutcome.UNSCORED]
    consistent = sum(pair.outcome is not PairOutcome.INCONSISTENT for pair in parsed)
    return Estimate.proportion(consistent, len(parsed), confidence)


def first_position_win_rate(pairs: Sequence[AuditedPair], confidence: float = 0.95) -> Estimate:
    """Share of decisive judgments (each order counts) won by the answer shown first,
    with a pair-clustered interval."""
    clusters = []
    for pair in as_evidence(pairs):
        scores = [v.score for v in pair.verdicts if v is not None and v.score != 0]
        clusters.append((sum(score > 0 for score in scores), len(scores)))
    return clustered_proportion(clusters, confidence)


def clustered_proportion(clusters: Sequence[tuple[int, int]], confidence: float) -> Estimate:
    """Successes over trials pooled from clusters of ``(successes, trials)``, with a
    Wilson interval at the effective sample size ``n / design effect``.

    The design effect is the cluster-robust variance of the pooled share over its
    binomial variance, kept within [1, the largest cluster]: clustering never buys
    precision here, and no cluster can count for more than one trial. When every trial
    agrees (share 0 or 1) the data cannot tell independence from perfect correlation,
    so the largest design effect is taken."""
    successes = sum(hit for hit, _ in clusters)
    n = sum(trials for _, trials in clusters)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "wilson-clustered")
    share = successes / n
    effective_n = n / _design_effect(clusters, share, n)
    low, high = wilson_interval(share * effective_n, effective_n, confidence)
    return Estimate(share, low, high, n, "wilson-clustered")


def _design_effect(clusters: Sequence[tuple[int, int]], share: float, n: int) -> float:
    used = [(hit, trials) for hit, trials in clusters if trials > 0]
    largest = float(max(trials for _, trials in used))
    if len(used) < 2 or share in (0.0, 1.0):
        return largest
    residuals = np.array([hit - share * trials for hit, trials in used], dtype=np.float64)
    clustered_variance = len(used) / (len(used) - 1) * float(residuals @ residuals) / n**2
    binomial_variance = share * (1.0 - share) / n
    return min(max(clustered_variance / binomial_variance, 1.0), largest)


def longer_answer_win_rate(
    pairs: Sequence[AuditedPair],
    policy: InconsistentPolicy = InconsistentPolicy.TIE,
    confidence: float = 0.95,
) -> Estimate:
    """Share of decisive counted pairs with answers of different length won by the longer."""
    wins = total = 0
    for pair in as_evidence(pairs):
        outcome = counted_outcome(pair.outcome, policy)
        if outcome not in (Outcome.A, Outcome.B) or pair.length_a == pair.length_b:
            continue
        total += 1
        wins += (outcome is Outcome.A) == (pair.length_a > pair.length_b)
    return Estimate.proportion(wins, total, confidence)


def longer_answer_judgment_win_rate(
    pairs: Sequence[AuditedPair], confidence: float = 0.95
) -> Estimate:
    """Share of decisive judgments (each order counts; answers of different length) that
    favour the longer answer, with a pair-clustered interval as for the first-position
    win rate."""
    clusters = []
    for pair in as_evidence(pairs):
        if pair.length_a == pair.length_b:
            continue
        a_longer = pair.length_a > pair.length_b
        wins = total = 0
        for verdict, a_first in zip(pair.verdicts, (True, False), strict=True):
            if verdict is None or verdict.score == 0:
                continue
            total += 1
            first_wins = verdict.score > 0
            wins += (first_wins == a_first) == a_longer  # the winner is model A == A longer
        clusters.append((wins, total))
    return clustered_proportion(clusters, confidence)


def family_scores(table: BattleTable, family: Collection[str]) -> FloatArray:
    """Per battle between a family model and an outside model: the family side's score
    (1 win, 0.5 tie or both bad, 0 loss). Battles inside or outside the family are left out."""
    members = np.array([name in family for name in table.models], dtype=bool)
    in_a, in_b = members[table.model_a], members[table.model_b]
    scores = np.where(in_a, table.score_a, 1.0 - table.score_a)
    return np.asarray(scores[in_a != in_b], dtype=np.float64)


@dataclass(frozen=True)
class SelfPreference:
    """The family's win rate under this judge and, with a reference, under the reference
    and the difference (judge minus reference): positive means the judge favours its own.
    The two win rates come from independent samples, each resampled on its own; the
    difference's ``n`` is the smaller of the two."""

    judge_win_rate: Estimate
    reference_win_rate: Estimate | None = None
    difference: Estimate | None = None


def self_preference(
    judged: BattleTable,
    family: Collection[str],
    reference: BattleTable | None,
    rng: np.random.Generator,
    *,
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> SelfPreference:
    """Win rate of ``family`` models under the judge, against a ``reference`` source."""
    own = family_scores(judged, family)
    own_rate = _mean_estimate(own, rng, n_boot, confidence)
    if reference is None:
        return SelfPreference(own_rate)
    other = family_scores(reference, family)
    other_rate = _mean_estimate(other, rng, n_boot, confidence)
    if own.size == 0 or other.size == 0:
        empty = Estimate(math.nan, math.nan, math.nan, 0, "bootstrap")
        return SelfPreference(own_rate, other_rate, empty)
    own_means = _resampled_means(own, rng, n_boot)
    other_means = _resampled_means(other, rng, n_boot)
    low, high = percentile_interval(own_means - other_means, confidence)
    difference = float(own.mean() - other.mean())
    n = int(min(own.size, other.size))
    return SelfPreference(own_rate, other_rate, Estimate(difference, low, high, n, "bootstrap"))


def _mean_estimate(
    values: FloatArray, rng: np.random.Generator, n_boot: int, confidence: float
) -> Estimate:
    if values.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "bootstrap")
    low, high = percentile_interval(_resampled_means(values, rng, n_boot), confidence)
    return Estimate(float(values.mean()), low, high, int(values.size), "bootstrap")


def _resampled_means(values: FloatArray, rng: np.random.Generator, n_boot: int) -> FloatArray:
    return bootstrap_replicates(values.size, lambda index: float(values[index].mean()), rng, n_boot)


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float:
    """Cohen's kappa of two raters' labels on the same items; NaN when chance agreement is
    certain (both raters always give one and the same label)."""
    if len(first) != len(second):
        raise ValueError("cohen_kappa needs one label from each rater per item")
    labels = sorted(set(first) | set(second))
    code = {label: index for index, label in enumerate(labels)}
    return _kappa(
        np.array([code[label] for label in first], dtype=np.int64),
        np.array([code[label] for label in second], dtype=np.int64),
        len(labels),
    )


def _kappa(first: NDArray[np.int64], second: NDArray[np.int64], n_labels: int) -> float:
    if first.size == 0:
        return math.nan
    observed = float(np.mean(first == second))
    share_first = np.bincount(first, minlength=n_labels) / first.size
    share_second = np.bincount(second, minlength=n_labels) / second.size
    chance = float(np.dot(share_first, share_second))
    if chance >= 1.0:
        return math.nan
    return (observed - chance) / (1.0 - chance)


@dataclass(frozen=True)
class HumanVote:
    """A human's vote on one battle, e.g. a row of MT-Bench's human judgments."""

    question_id: str
    turn: int
    model_a: str
    model_b: str
    outcome: Outcome


@dataclass(frozen=True)
class Agreement:
    """Judge against human votes on the same battles (one row per human vote)."""

    accuracy: Estimate  # over votes where both the judge and the human chose a winner
    kappa: Estimate  # over winner-or-tie labels of every matched vote
    matched: int


def human_agreement(
    pairs: Sequence[AuditedPair],
    humans: Sequence[HumanVote],
    rng: np.random.Generator,
    *,
    policy: InconsistentPolicy = InconsistentPolicy.TIE,
    n_boot: int = 1000,
    confidence: float = 0.95,
) -> Agreement:
    """Match human votes to counted judge pairs by (question, turn, the two models)."""
    judged: dict[tuple[str, int, str, str], str] = {}
    for pair in as_evidence(pairs):
        outcome = counted_outcome(pair.outcome, policy)
        if outcome is not None and pair.question_id is not None:
            key, label = _battle_label(
                pair.question_id, pair.turn, pair.model_a, pair.model_b, outcome
            )
            judged[key] = label
    judge_labels: list[str] = []
    human_labels: list[str] = []
    for vote in humans:
        key, label = _battle_label(
            vote.question_id, vote.turn, vote.model_a, vote.model_b, vote.outcome
        )
        if key in judged:
            judge_labels.append(judged[key])
            human_labels.append(label)
    decisive = [
        (j, h) for j, h in zip(judge_labels, human_labels, strict=True) if "tie" not in (j, h)
    ]
    accuracy = Estimate.proportion(sum(j == h for j, h in decisive), len(decisive), confidence)
    kappa = _kappa_estimate(judge_labels, human_labels, rng, n_boot, confidence)
    return Agreement(accuracy, kappa, len(judge_labels))


def _battle_label(
    question_id: str, turn: int, model_a: str, model_b: str, outcome: Outcome
) -> tuple[tuple[str, int, str, str], str]:
    """An order-free key of a battle and its result as 'first', 'second' (the winner among
    the two model names sorted) or 'tie' (a tie or both bad)."""
    low, high = sorted((model_a, model_b))
    if outcome in (Outcome.TIE, Outcome.BOTH_BAD):
        return (question_id, turn, low, high), "tie"
    winner = model_a if outcome is Outcome.A else model_b
    return (question_id, turn, low, high), "first" if winner == low else "second"


def _kappa_estimate(
    first: list[str], second: list[str], rng: np.random.Generator, n_boot: int, confidence: float
) -> Estimate:
    if not first:
        return Estimate(math.nan, math.nan, math.nan, 0, "bootstrap")
    code = {"first": 0, "second": 1, "tie": 2}
    a = np.array([code[label] for label in first], dtype=np.int64)
    b = np.array([code[label] for label in second], dtype=np.int64)

    def statistic(index: NDArray[np.intp]) -> float:
        return _kappa(a[index], b[index], 3)

    replicates = bootstrap_replicates(a.size, statistic, rng, n_boot)
    finite = replicates[np.isfinite(replicates)]
    low, high = percentile_interval(finite, confidence) if finite.size else (math.nan, math.nan)
    return Estimate(_kappa(a, b, 3), low, high, int(a.size), "bootstrap")


@dataclass(frozen=True)
class AuditOptions:
    """What to compare the judge with, and how: ``family`` names the models of the judge's
    own family; ``reference`` is another source's battles on them (human votes, another
    judge); ``humans`` are human votes on the same battles."""

    policy: InconsistentPolicy = InconsistentPolicy.TIE
    family: tuple[str, ...] = ()
    reference: BattleTable | None = None
    humans: tuple[HumanVote, ...] = ()
    seed: int = 0
    n_boot: int = 1000
    confidence: float = 0.95


@dataclass(frozen=True)
class BiasAudit:
    pairs: int
    unscored: int
    inconsistent: int
    unparsed_at_token_limit: int  # judgments without a verdict that ran out of max_tokens
    position_consistency: Estimate
    first_position_win_rate: Estimate
    longer_answer_win_rate: Estimate
    longer_answer_judgment_win_rate: Estimate
    self_preference: SelfPreference | None = None
    agreement: Agreement | None = None
    # Judgments (with or without a verdict) whose reasoning stopped at max_tokens: a choice
    # verdict is still read after a cut reasoning, so this says how often that happened.
    at_token_limit: int = 0
    verdict_source: str | None = None  # "text" or "choice"; None for no pairs

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict; NaN (and infinity) becomes null, as all JSON does."""
        cleaned: dict[str, Any] = json_ready(asdict(self))
        return cleaned


def audit_judge(pairs: Sequence[AuditedPair], options: AuditOptions | None = None) -> BiasAudit:
    """Every bias statistic the judged pairs (and the options' references) allow; pairs
    whose verdicts were read in different ways (text, choice) are refused together."""
    options = options or AuditOptions()
    check_confidence(options.confidence)
    evidence = as_evidence(pairs)
    sources = sorted({pair.verdict_source.value for pair in evidence})
    if len(sources) > 1:
        raise ConfigError(
            "judged pairs mix verdicts read as " + " and ".join(sources) + ": audit each "
            "verdict mode (each judge) on its own"
        )
    rng = np.random.default_rng(options.seed)
    outcomes = [pair.outcome for pair in evidence]
    preference = None
    if options.family:
        preference = self_preference(
            _battle_table_or_empty(evidence, options.policy),
            options.family,
            options.reference,
            rng,
            n_boot=options.n_boot,
            confidence=options.confidence,
        )
    agreement = None
    if options.humans:
        agreement = human_agreement(
            evidence,
            options.humans,
            rng,
            policy=options.policy,
            n_boot=options.n_boot,
            confidence=options.confidence,
        )
    return BiasAudit(
        pairs=len(evidence),
        unscored=outcomes.count(PairOutcome.UNSCORED),
        inconsistent=outcomes.count(PairOutcome.INCONSISTENT),
        unparsed_at_token_limit=sum(
            verdict is None and at_limit
            for pair in evidence
            for verdict, at_limit in zip(pair.verdicts, pair.at_token_limit, strict=True)
        ),
        position_consistency=position_consistency(evidence, options.confidence),
        first_position_win_rate=first_position_win_rate(evidence, options.confidence),
        longer_answer_win_rate=longer_answer_win_rate(evidence, options.policy, options.confidence),
        longer_answer_judgment_win_rate=longer_answer_judgment_win_rate(
            evidence, options.confidence
        ),
        self_preference=preference,
        agreement=agreement,
        at_token_limit=sum(sum(pair.at_token_limit) for pair in evidence),
        verdict_source=sources[0] if sources else None,
    )


def _battle_table_or_empty(
    pairs: Sequence[PairEvidence], policy: InconsistentPolicy
) -> BattleTable:
    rows = [
        (pair.model_a, pair.model_b, outcome)
        for pair in pairs
        if (outcome := counted_outcome(pair.outcome, policy)) is not None
    ]
    models = tuple(sorted({name for row in rows for name in row[:2]}))
    index = {name: position for position, name in enumerate(models)}
    # Built directly: BattleTable.from_records refuses fewer than two models, and an audit
    # of a judge that decided nothing should say n=0, not fail.
    return BattleTable(
        models,
        np.array([index[row[0]] for row in rows], dtype=np.int64),
        np.array([index[row[1]] for row in rows], dtype=np.int64),
        np.array([OUTCOME_CODES.index(row[2]) for row in rows], dtype=np.int8),
        tuple(None for _ in rows),
    )
