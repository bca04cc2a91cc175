"""Bradley-Terry fit with 1,000 bootstrap rounds on 1,000,000 battles among 100 models.

Battles: seeded synthetic, known strengths (logits drawn from N(0, 1)), uniformly random
pairs and sides; 10% of battles are ties and 5% both-bad, the rest won by a with probability
sigmoid(beta_a - beta_b).

Measured in one run, on the same battles:

- ours: ``rate_battles(battles, seed=0, n_rounds=1000)`` (the full fit, 1,000 bootstrap
  refits, intervals, ranks, tiers), ``--repeat`` times; the median counts.
- FastChat (``fschat==0.2.36``, ``fastchat/serve/monitor/elo_analysis.py``, loaded by
  tests/ratings/fastchat_reference.py): ``compute_elo_mle_with_tie`` once (the full fit),
  and ``get_bootstrap_result`` with ``--fastchat-rounds`` rounds. Its 1,000-round time is
  extrapolated linearly: fit + 1,000 x (bootstrap time / rounds run). Each round refits
  sklearn's LogisticRegression on 2 x battles rows, so the time per round is steady.

Targets: ours <= 2 s; FastChat's extrapolated time / ours >= 100. Also printed: how far our
fit is from FastChat's, with the mean log-likelihood of each fit (the higher fits the
battles better), and how well our fit orders the true strengths (rank correlation). Exit
status is non-zero only with ``--strict`` and a FAIL (or a target that could not be
measured).

    .venv/bin/python benchmarks/ratings_speed.py [--battles 1000000] [--models 100]
        [--rounds 1000] [--fastchat-rounds 3] [--repeat 3] [--strict] [--json PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import spearmanr

from evalatlas.ratings import BattleTable, fit_bradley_terry, rate_battles

REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "ratings" / "fastchat_reference.py"
TARGET_SECONDS = 2.0
TARGET_SPEEDUP = 100.0
TIE_SHARE, BOTH_BAD_SHARE = 0.10, 0.05
POINTS_PER_LOGIT = 400.0 / math.log(10.0)


def synthetic_battles(
    n_battles: int, n_models: int, seed: int
) -> tuple[BattleTable, NDArray[np.float64]]:
    """Seeded battles and the true logits (mean zero) they were drawn from."""
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(n_models)
    logits -= logits.mean()
    model_a = rng.integers(0, n_models, n_battles)
    model_b = (model_a + rng.integers(1, n_models, n_battles)) % n_models
    a_wins = rng.random(n_battles) < 1.0 / (1.0 + np.exp(logits[model_b] - logits[model_a]))
    draw = rng.random(n_battles)
    # Outcome codes: 0 A, 1 B, 2 TIE, 3 BOTH_BAD.
    outcome = np.where(a_wins, 0, 1)
    outcome = np.where(draw < TIE_SHARE + BOTH_BAD_SHARE, 3, outcome)
    outcome = np.where(draw < TIE_SHARE, 2, outcome)
    models = tuple(f"model-{i:03d}" for i in range(n_models))
    table = BattleTable(
        models,
        model_a.astype(np.int64),
        model_b.astype(np.int64),
        outcome.astype(np.int8),
        (None,) * n_battles,
    )
    table.validate()
    return table, logits


def log_likelihood(battles: BattleTable, ratings: NDArray[np.float64]) -> float:
    """Mean log-likelihood per battle of `ratings` (ties as half a win each)."""
    matchups = battles.compress()
    logits = ratings / POINTS_PER_LOGIT
    gap = logits[matchups.model_a] - logits[matchups.model_b]
    per_row = -matchups.score_a * np.logaddexp(0.0, -gap)
    per_row -= (1.0 - matchups.score_a) * np.logaddexp(0.0, gap)
    return float(matchups.count @ per_row / matchups.count.sum())


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def load_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastchat_reference", REFERENCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure_ours(battles: BattleTable, rounds: int, repeat: int) -> dict[str, Any]:
    times, cpu_times = [], []
    for _ in range(repeat):
        cpu_start = time.process_time()
        seconds, table = timed(lambda: rate_battles(battles, seed=0, n_rounds=rounds))
        times.append(seconds)
        cpu_times.append(time.process_time() - cpu_start)
    widths = [rating.ci_high - rating.ci_low for rating in table.ratings]
    return {
        "seconds": statistics.median(times),
        "seconds_min": min(times),
        "seconds_all": times,
        "cpu_seconds": statistics.median(cpu_times),
        "median_ci_width": statistics.median(widths),
    }


def measure_fastchat(battles: BattleTable, rounds: int, extrapolate_to: int) -> dict[str, Any]:
    reference = load_reference()
    reason = reference.unavailable_reason()
    if reason:
        return {"skipped": reason}
    functions = reference.load_functions()
    fit, bootstrap = functions["compute_elo_mle_with_tie"], functions["get_bootstrap_result"]
    frame = reference.battles_frame(battles)
    fit(frame.head(200))  # warm-up: their function imports sklearn on first use
    fit_seconds, ratings = timed(lambda: fit(frame))
    np.random.seed(0)  # pandas' sample() draws from numpy's global generator
    boot_seconds, _ = timed(lambda: bootstrap(frame, fit, rounds))
    per_round = boot_seconds / rounds
    return {
        "fit_seconds": fit_seconds,
        "bootstrap_seconds": boot_seconds,
        "rounds_run": rounds,
        "seconds_per_round": per_round,
        "extrapolated_seconds": fit_seconds + extrapolate_to * per_round,
        "ratings": np.array([ratings[name] for name in battles.models]),
    }


def verdict(passed: bool | None) -> str:
    return "SKIP" if passed is None else ("PASS" if passed else "FAIL")


def fastchat_lines(
    fastchat: dict[str, Any], battles: BattleTable, ours_fit: NDArray[np.float64], rounds: int
) -> tuple[list[str], dict[str, Any]]:
    """FastChat's rows of the timing table and how its fit compares with ours."""
    theirs = fastchat.pop("ratings")
    gap = float(np.abs(theirs - ours_fit).max())
    fit_ours, fit_theirs = log_likelihood(battles, ours_fit), log_likelihood(battles, theirs)
    measured = f"FastChat: get_bootstrap_result, {fastchat['rounds_run']} rounds (measured)"
    lines = [
        f"{'FastChat: compute_elo_mle_with_tie, full fit':<58} {fastchat['fit_seconds']:>10.2f}",
        f"{measured:<58} {fastchat['bootstrap_seconds']:>10.2f}",
        f"{f'FastChat: fit + {rounds} rounds (extrapolated linearly)':<58} "
        f"{fastchat['extrapolated_seconds']:>10.1f}",
        f"FastChat's full fit vs ours: max |diff| {gap:.3f} points; mean log-likelihood "
        f"per battle: ours {fit_ours:.8f}, FastChat {fit_theirs:.8f}",
    ]
    if fit_ours > fit_theirs:
        lines.append(
            "  (ours fits better: sklearn's LogisticRegression stops at its default tol=1e-4, "
            "and its C=1 penalty shrinks a little)"
        )
    numbers = fastchat | {
        "max_abs_diff_points": gap,
        "log_likelihood_ours": fit_ours,
        "log_likelihood_fastchat": fit_theirs,
    }
    return lines, numbers


def report(args: argparse.Namespace) -> tuple[list[str], dict[str, Any], bool]:
    """Lines to print, the numbers as JSON, and whether every target passed."""
    load_before = os.getloadavg()[0]
    make_seconds, (battles, logits) = timed(
        lambda: synthetic_battles(args.battles, args.models, args.seed)
    )
    ours = measure_ours(battles, args.rounds, args.repeat)
    ours_fit = fit_bradley_terry(battles)
    agreement = spearmanr(ours_fit, logits).statistic
    fastchat = measure_fastchat(battles, args.fastchat_rounds, args.rounds)
    lines = [
        f"machine: {os.cpu_count()} CPUs; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (other work on the machine slows every timing here)",
        f"battles: {args.battles:,} among {args.models} models (seed {args.seed}; "
        f"{TIE_SHARE:.0%} ties, {BOTH_BAD_SHARE:.0%} both-bad), made in {make_seconds:.2f} s",
        f"our fit vs true strengths: rank correlation {agreement:.4f}; median 95% interval "
        f"width {ours['median_ci_width']:.1f} points",
        "",
        f"{'measurement':<58} {'seconds':>10}",
        f"{f'ours: rate_battles, fit + {args.rounds} bootstrap rounds (median)':<58} "
        f"{ours['seconds']:>10.2f}",
        f"{'  runs':<58} {', '.join(f'{s:.2f}' for s in ours['seconds_all']):>10}",
        f"{'  CPU time of one run, all threads (median)':<58} {ours['cpu_seconds']:>10.2f}",
    ]
    numbers: dict[str, Any] = {"battles": args.battles, "models": args.models, "ours": ours}
    ok_speedup: bool | None = None
    speedup = math.nan
    if "skipped" in fastchat:
        lines.append(f"FastChat: not measured ({fastchat['skipped']})")
    else:
        speedup = fastchat["extrapolated_seconds"] / ours["seconds"]
        ok_speedup = speedup >= TARGET_SPEEDUP
        more, numbers["fastchat"] = fastchat_lines(fastchat, battles, ours_fit, args.rounds)
        lines += more
    ok_time = ours["seconds"] <= TARGET_SECONDS
    lines += [
        "",
        f"{'target':<44} {'measured':>12} {'verdict':>8}",
        f"{f'ours <= {TARGET_SECONDS:g} s':<44} {ours['seconds']:>11.2f}s {verdict(ok_time):>8}",
        f"{f'FastChat (extrapolated) / ours >= {TARGET_SPEEDUP:g}x':<44} "
        f"{speedup:>11.0f}x {verdict(ok_speedup):>8}",
    ]
    numbers["speedup"] = speedup
    return lines, numbers, ok_time and ok_speedup is True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--fastchat-rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    lines, numbers, passed = report(args)
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2, default=float), encoding="utf-8")
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
