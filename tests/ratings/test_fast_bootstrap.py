"""The batched bootstrap gives, round by round, the exact fits of the one-fit L-BFGS path."""

from __future__ import annotations

import numpy as np
import pytest

from evalatlas.ratings import (
    BattleTable,
    bootstrap_counts,
    bootstrap_logits,
    fit_bradley_terry,
    fit_logits,
    rate_battles,
)
from evalatlas.ratings import likelihood as likelihood_module
from evalatlas.ratings.likelihood import BattleLikelihood, chunk_sizes, draw_counts
from evalatlas.ratings.solver import (
    Rounds,
    chord_fit,
    fit_rounds,
    gradient,
    newton_fit,
    objective,
)

from .synthetic import draw_battles, draw_battles_with_ties


def assert_rounds_match_lbfgs(battles: BattleTable, n_rounds: int, seed: int) -> None:
    matchups = battles.compress()
    samples = bootstrap_logits(matchups, n_rounds, seed)
    counts = bootstrap_counts(matchups, n_rounds, seed)
    assert samples.shape == (n_rounds, len(battles.models))
    assert counts.shape == (n_rounds, len(matchups.count))
    assert (counts.sum(axis=1) == len(battles)).all()
    for round_counts, sample in zip(counts, samples, strict=True):
        np.testing.assert_allclose(sample, fit_logits(matchups, round_counts), atol=1e-6)


def test_rounds_equal_lbfgs_fits_with_ties() -> None:
    assert_rounds_match_lbfgs(draw_battles_with_ties(3000, seed=4), n_rounds=25, seed=1)


def test_rounds_on_sparse_battles_are_optimal_where_lbfgs_stops_short() -> None:
    # 40 battles among 6 models: in some rounds a model wins or loses everything, so only the
    # tiny penalty holds its logit (near 12) and the objective is almost flat there. L-BFGS
    # stops within ~1e-6 of the optimum; the batched fit lands on it (gradient ~1e-17).
    matchups = draw_battles(40, seed=2).compress()
    likelihood = BattleLikelihood.from_matchups(matchups)
    samples = bootstrap_logits(matchups, 30, seed=3)
    counts = bootstrap_counts(matchups, 30, seed=3)
    assert np.abs(samples).max() > 8  # the test covers separated rounds
    for round_counts, sample in zip(counts, samples, strict=True):
        weights = likelihood.fit_weights(round_counts[:, None])
        grad, _ = gradient(likelihood.fit_rows, weights, sample[None, :], 1e-6)
        assert np.abs(grad).max() < 1e-14
        reference = fit_logits(matchups, round_counts)
        np.testing.assert_allclose(sample, reference, atol=1e-5)
        ours, theirs = (
            objective(likelihood.fit_rows, weights, phi[None, :], 1e-6)[0]
            for phi in (sample, reference)
        )
        assert ours <= theirs + 1e-15


def test_rounds_equal_lbfgs_fits_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(likelihood_module, "CHUNK_CELLS", 60)  # a few rounds per chunk
    battles = draw_battles_with_ties(1500, seed=6)
    assert len(chunk_sizes(20, len(battles.compress().count), len(battles.models))) > 3
    assert_rounds_match_lbfgs(battles, n_rounds=20, seed=8)


def test_samples_do_not_depend_on_the_number_of_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(likelihood_module, "CHUNK_CELLS", 60)
    battles = draw_battles_with_ties(1500, seed=6)
    monkeypatch.setattr(likelihood_module, "available_cpus", lambda: 4)
    threaded = bootstrap_logits(battles.compress(), 20, seed=5)
    monkeypatch.setattr(likelihood_module, "available_cpus", lambda: 1)
    np.testing.assert_array_equal(bootstrap_logits(battles.compress(), 20, seed=5), threaded)


def test_full_fit_equals_lbfgs() -> None:
    battles = draw_battles_with_ties(5000, seed=12)
    newton = fit_bradley_terry(battles)
    lbfgs = fit_logits(battles.compress()) * 400 / np.log(10) + 1000
    np.testing.assert_allclose(newton, lbfgs, atol=1e-4)


def test_a_bad_fixed_hessian_is_caught_and_newton_finishes() -> None:
    likelihood = BattleLikelihood.from_matchups(draw_battles(2000, seed=1).compress())
    counts = likelihood.bootstrap_counts(5, seed=0)
    weights = likelihood.fit_weights(counts.T)
    fitted = likelihood.fit(1e-6)
    start = np.repeat(fitted[None, :], 5, axis=0)
    wrong = 50.0 * np.eye(likelihood.n_params)  # steps far too long: the iteration diverges
    _, converged = chord_fit(likelihood.fit_rows, weights, start, wrong, 1e-6)
    assert not converged.any()
    exact, done = newton_fit(likelihood.fit_rows, weights, start, 1e-6)
    assert done.all()
    np.testing.assert_allclose(
        fit_rounds(likelihood.fit_rows, weights, fitted, 1e-6, wrong), exact, atol=1e-9
    )


def test_both_draws_are_multinomial_redraws_of_every_battle() -> None:
    count = np.array([3.0, 1.0, 0.0, 4.0])
    rng = np.random.default_rng(0)
    by_index = draw_counts(rng, count, 4000).T  # 8 battles over 4 rows: draws battle indices
    many = np.array([300.0, 100.0, 0.0, 400.0])
    poissonised = draw_counts(rng, many, 4000).T  # 200 per row: Poisson cells, corrected
    for draws, source in ((by_index, count), (poissonised, many)):
        assert (draws.sum(axis=1) == source.sum()).all()
        assert (draws[:, 2] == 0).all()
        share = source / source.sum()
        np.testing.assert_allclose(draws.mean(axis=0), source, rtol=0.03, atol=0.01)
        # Multinomial variance n p (1 - p) per row (uncorrected Poisson cells would give n p)
        # and covariance -n p_i p_j between rows.
        expected = source.sum() * share * (1 - share)
        np.testing.assert_allclose(draws.var(axis=0), expected, rtol=0.1, atol=0.01)
        covariance = np.cov(draws[:, 0], draws[:, 3])[0, 1]
        assert covariance == pytest.approx(-source.sum() * share[0] * share[3], rel=0.15)


def test_empty_rounds_and_no_rounds() -> None:
    battles = draw_battles(300, seed=1)
    assert bootstrap_logits(battles.compress(), 0, seed=0).shape == (0, len(battles.models))
    table = rate_battles(battles, seed=0, n_rounds=0)
    assert all(rating.ci_low == rating.score == rating.ci_high for rating in table.ratings)


def test_rounds_layout_helpers() -> None:
    weights = Rounds(np.ones((3, 2)), np.zeros((3, 2)))
    assert weights.count == 2
    assert weights.take(np.array([1])).n.shape == (3, 1)
    np.testing.assert_array_equal(weights.total, [3.0, 3.0])
