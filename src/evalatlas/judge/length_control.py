"""Win rate against a baseline, and the length-controlled win rate (AlpacaEval 2 style).

Judges prefer longer answers, so a model can raise its win rate by writing more. The
length-controlled (LC) win rate asks what the win rate would be if the model's answers
were as long as the baseline's. A logistic model of P(model m beats the baseline on
instruction i) is fitted to the judge's preferences:

    logit P = theta_m + delta_i + beta * tanh((len_m,i - len_base,i) / s)

``theta_m`` is the model's strength, ``delta_i`` the instruction's difficulty (an L2
penalty, a Gaussian prior, keeps it from absorbing everything when an instruction has few
rows), ``beta`` the judge's length bias, shared by all models, and ``s`` the standard
deviation of the length differences. The LC win rate of m is the prediction at zero length
difference, sigma(theta_m + delta_i), averaged over the instructions m answered. Intervals
come from a seeded bootstrap over instructions (every row of a drawn instruction together),
refitting each time.

A null model, one constant answer whatever the instruction (empty, or a fixed long text),
must keep a low LC win rate: its strength term soaks up how bad it is and the length term
cannot credit it for length, because beta is fitted on every model's rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit

from evalatlas.errors import ConfigError
from evalatlas.judge.evidence import answer_length
from evalatlas.judge.items import JudgedPair
from evalatlas.judge.verdicts import InconsistentPolicy, counted_outcome
from evalatlas.outcomes import Outcome
from evalatlas.scoring.intervals import check_confidence
from evalatlas.scoring.stats import percentile_interval

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_TINY_L2 = 1e-6  # keeps a model that won (or lost) every row finite


@dataclass(frozen=True)
class Preference:
    """The judge's preference for ``model`` over the baseline on one instruction: 1 win,
    0.5 tie, 0 loss (or a probability), with both answers' lengths."""

    model: str
    instruction: str
    preference: float
    model_length: float
    baseline_length: float


@dataclass(frozen=True)
class PreferenceTable:
    models: tuple[str, ...]
    instructions: tuple[str, ...]
    model: IntArray
    instruction: IntArray
    preference: FloatArray
    length_difference: FloatArray

    @classmethod
    def from_records(cls, records: Sequence[Preference]) -> PreferenceTable:
        if not records:
            raise ConfigError("length control needs at least one judged preference; judge more")
        bad = [r for r in records if not 0.0 <= r.preference <= 1.0]
        if bad:
            raise ConfigError(
                f"preference {bad[0].preference} for {bad[0].model!r} on {bad[0].instruction!r} "
                "is outside 0..1"
            )
        models = tuple(sorted({r.model for r in records}))
        instructions = tuple(sorted({r.instruction for r in records}))
        model_index = {name: i for i, name in enumerate(models)}
        instruction_index = {name: i for i, name in enumerate(instructions)}
        return cls(
            models,
            instructions,
            np.array([model_index[r.model] for r in records], dtype=np.int64),
            np.array([instruction_index[r.instruction] for r in records], dtype=np.int64),
            np.array([r.preference for r in records], dtype=np.float64),
            np.array([r.model_length - r.baseline_length for r in records], dtype=np.float64),
        )

    def __len__(self) -> int:
        return int(self.model.size)


@dataclass(frozen=True)
class LengthControlConfig:
    difficulty_l2: float = 0.5  # prior variance of delta_i is 1 / (2 * difficulty_l2)
    n_boot: int = 200
    confidence: float = 0.95

    def __post_init__(self) -> None:
        check_confidence(self.confidence)
        if self.difficulty_l2 <= 0 or self.n_boot < 1:
            raise ConfigError("length control: difficulty_l2 must be positive, n_boot >= 1")


@dataclass(frozen=True)
class LengthFit:
    model_strength: FloatArray  # theta, one per model
    difficulty: FloatArray  # delta, one per instruction
    length_weight: float  # beta
    length_scale: float  # s

    def lc_win_rates(self, table: PreferenceTable) -> FloatArray:
        """sigma(theta_m + delta_i) averaged over the instructions each model answered."""
        logits = self.model_strength[table.model] + self.difficulty[table.instruction]
        totals = np.bincount(table.model, expit(logits), minlength=len(table.models))
        counts = np.bincount(table.model, minlength=len(table.models))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(totals / counts, dtype=np.float64)


def length_scale(table: PreferenceTable) -> float:
    """Standard deviation of the length differences (1 when they are all equal)."""
    spread = float(np.std(table.length_difference))
    return spread if spread > 0 else 1.0


def fit_length_model(
    table: PreferenceTable,
    config: LengthControlConfig,
    scale: float | None = None,
    start: LengthFit | None = None,
) -> LengthFit:
    """Penalised maximum likelihood of the logistic length model (L-BFGS, exact gradient);
    ``start`` (a fit on the same models) warm-starts the strengths and the length weight."""
    scale = length_scale(table) if scale is None else scale
    n_models, n_instructions = len(table.models), len(table.instructions)
    feature = np.tanh(table.length_difference / scale)
    target = table.preference

    def loss(params: FloatArray) -> tuple[float, FloatArray]:
        theta, delta = params[:n_models], params[n_models:-1]
        beta = params[-1]
        logits = theta[table.model] + delta[table.instruction] + beta * feature
        value = float(np.sum(np.logaddexp(0.0, logits) - target * logits))
        value += config.difficulty_l2 * float(delta @ delta)
        value += _TINY_L2 * float(theta @ theta + beta * beta)
        residual = expit(logits) - target
        gradient = np.concatenate(
            [
                np.bincount(table.model, residual, minlength=n_models) + 2 * _TINY_L2 * theta,
                np.bincount(table.instruction, residual, minlength=n_instructions)
                + 2 * config.difficulty_l2 * delta,
                [float(residual @ feature) + 2 * _TINY_L2 * beta],
            ]
        )
        return value, gradient

    initial = np.zeros(n_models + n_instructions + 1)
    if start is not None:
        initial[:n_models] = start.model_strength
        initial[-1] = start.length_weight
    result = minimize(loss, initial, jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    params = np.asarray(result.x, dtype=np.float64)
    return LengthFit(params[:n_models], params[n_models:-1], float(params[-1]), scale)


@dataclass(frozen=True)
class BaselineWinRate:
    """One model against the baseline: raw and length-controlled win rates with intervals."""

    model: str
    n: int
    win_rate: float
    win_ci: tuple[float, float]
    lc_win_rate: float
    lc_ci: tuple[float, float]
    mean_length_difference: float


@dataclass(frozen=True)
class LengthControlledResult:
    rows: tuple[BaselineWinRate, ...]
    length_weight: float
    length_weight_ci: tuple[float, float]
    length_scale: float


def length_controlled_win_rates(
    table: PreferenceTable,
    *,
    seed: int | np.random.Generator,
    config: LengthControlConfig | None = None,
) -> LengthControlledResult:
    """Raw and LC win rates of every model with bootstrap intervals over instructions."""
    config = config or LengthControlConfig()
    rng = np.random.default_rng(seed)
    fit = fit_length_model(table, config)
    raw = _raw_win_rates(table)
    lc = fit.lc_win_rates(table)
    rows_of = _rows_by_instruction(table)
    replicates = [_bootstrap_round(table, rows_of, config, fit, rng) for _ in range(config.n_boot)]
    raw_boot = np.stack([r[0] for r in replicates])
    lc_boot = np.stack([r[1] for r in replicates])
    beta_boot = np.array([r[2] for r in replicates])
    counts = np.bincount(table.model, minlength=len(table.models))
    differences = np.bincount(table.model, table.length_difference, minlength=len(table.models))
    rows = tuple(
        BaselineWinRate(
            model=name,
            n=int(counts[m]),
            win_rate=float(raw[m]),
            win_ci=_interval(raw_boot[:, m], config.confidence),
            lc_win_rate=float(lc[m]),
            lc_ci=_interval(lc_boot[:, m], config.confidence),
            mean_length_difference=float(differences[m] / counts[m]),
        )
        for m, name in enumerate(table.models)
    )
    beta_ci = _interval(beta_boot, config.confidence)
    return LengthControlledResult(rows, fit.length_weight, beta_ci, fit.length_scale)


def _raw_win_rates(table: PreferenceTable) -> FloatArray:
    totals = np.bincount(table.model, table.preference, minlength=len(table.models))
    counts = np.bincount(table.model, minlength=len(table.models))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(totals / counts, dtype=np.float64)


def _bootstrap_round(
    table: PreferenceTable,
    rows_of: list[IntArray],
    config: LengthControlConfig,
    full: LengthFit,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, float]:
    """One replicate: instructions drawn with replacement, each copy its own difficulty."""
    n_instructions = len(table.instructions)
    drawn = rng.integers(0, n_instructions, size=n_instructions)
    picked = [rows_of[i] for i in drawn]
    rows = np.concatenate(picked)
    copies = np.concatenate([np.full(len(r), j, dtype=np.int64) for j, r in enumerate(picked)])
    resampled = PreferenceTable(
        table.models,
        tuple(str(j) for j in range(n_instructions)),
        table.model[rows],
        copies,
        table.preference[rows],
        table.length_difference[rows],
    )
    fit = fit_length_model(resampled, config, full.length_scale, start=full)
    return _raw_win_rates(resampled), fit.lc_win_rates(resampled), fit.length_weight


def _rows_by_instruction(table: PreferenceTable) -> list[IntArray]:
    order = np.argsort(table.instruction, kind="stable")
    bounds = np.searchsorted(table.instruction[order], np.arange(len(table.instructions) + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(len(table.instructions))]


def _interval(values: FloatArray, confidence: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    return percentile_interval(finite, confidence) if finite.size else (math.nan, math.nan)


def baseline_preferences(
    pairs: Sequence[JudgedPair],
    baseline: str,
    policy: InconsistentPolicy = InconsistentPolicy.TIE,
) -> list[Preference]:
    """Preferences of each counted pair that has ``baseline`` on one side; the instruction
    is the question id (or pair id) and turn."""
    preferences = []
    for pair in pairs:
        item = pair.item
        outcome = counted_outcome(pair.outcome, policy)
        if outcome is None or baseline not in (item.model_a, item.model_b):
            continue
        model_is_a = item.model_b == baseline
        score = {Outcome.A: 1.0, Outcome.B: 0.0}.get(outcome, 0.5)
        answers = (item.answer_a, item.answer_b) if model_is_a else (item.answer_b, item.answer_a)
        preferences.append(
            Preference(
                model=item.model_a if model_is_a else item.model_b,
                instruction=f"{item.question_id or item.pair_id}#{item.turn}",
                preference=score if model_is_a else 1.0 - score,
                model_length=float(answer_length(answers[0])),
                baseline_length=float(answer_length(answers[1])),
            )
        )
    return preferences
