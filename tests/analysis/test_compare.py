"""Two models compared item by item: joined by sample id, tested per task, Holm-corrected."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from evalatlas.analysis import build_leaderboard
from evalatlas.analysis.compare import (
    Comparison,
    PairedTestName,
    TaskComparison,
    Verdict,
    compare_models,
)
from evalatlas.errors import ConfigError
from evalatlas.scoring.paired import holm_adjust
from evalatlas.store import EvalResult, EvalSpec, MetricRecord, SampleRecord, Store, new_run_id

from .boards import Oracle, run, write_quiz

START = datetime(2025, 6, 1, tzinfo=UTC)


def spec(model: str, task: str, num_fewshot: int = 0) -> EvalSpec:
    return EvalSpec(
        model_reference=f"test/{model}",
        model_name=model,
        model_fingerprint=f"weights:{model}",
        backend="scripted",
        task=task,
        task_version="1",
        task_hash="feed" * 8,
        data_fingerprint="d" * 16,
        num_fewshot=num_fewshot,
        fewshot_seed=1234,
    )


def save(
    store: Store,
    model: str,
    task: str,
    scores: dict[str, float],
    *,
    metric: str = "acc",
    group: str | None = None,
    num_fewshot: int = 0,
    value: float | None = None,
) -> EvalResult:
    """A finished run of ``model`` on ``task`` whose samples scored ``scores`` (by id); its
    metric is their mean unless ``value`` is given."""
    values = np.array(list(scores.values()), dtype=np.float64)
    scored = values[~np.isnan(values)]
    mean = value if value is not None else float(scored.mean()) if scored.size else math.nan
    run_spec = spec(model, task, num_fewshot)
    result = EvalResult(
        run_id=new_run_id(),
        spec=run_spec,
        spec_hash=run_spec.spec_hash(),
        metrics=[MetricRecord(name=metric, value=mean, stderr=0.05, ci_low=0, ci_high=1, n=9)],
        created_at=START + timedelta(seconds=len(store.list_results(latest_only=False))),
        n_samples=len(scores),
        group=group,
    )
    samples = [
        SampleRecord(
            sample_id=sample_id,
            prompt=f"question {sample_id}",
            target="x",
            requests=[],
            responses=[],
            scores={metric: value},
        )
        for sample_id, value in scores.items()
    ]
    return store.save_result(result, samples)


def binary(right: str) -> dict[str, float]:
    """Scores of items q0, q1, ...: 1 where ``right`` has "1", NaN where it has "?"."""
    return {f"q{i}": math.nan if c == "?" else float(c) for i, c in enumerate(right)}


def compared(store: Store, a: str, b: str, **options: int) -> Comparison:
    board = build_leaderboard(store, n_boot=50)
    keys = {row.card.name: row.card.key for row in board.rows}
    return compare_models(store, board, keys[a], keys[b], **options)


def task_row(comparison: Comparison, task: str) -> TaskComparison:
    return next(row for row in comparison.tasks if row.task == task)


def test_accuracies_get_mcnemar_on_the_items_both_answered(tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        # Items q0-q11 both answered; A also has q12-q13, B has q12 too. q11: B unscored.
        save(store, "A", "quiz", binary("11111111" + "00" + "11" + "11"))
        save(store, "B", "quiz", binary("10000000" + "11" + "1?" + "0"))
        result = task_row(compared(store, "A", "B"), "quiz")
    # Paired: q0-q10 and q12. A right and B wrong: q1-q7, q12 (8); A wrong, B right: q8, q9.
    assert (result.n_paired, result.n_unscored, result.n_only_a, result.n_only_b) == (12, 1, 1, 0)
    assert (result.b10, result.b01) == (8, 2)
    assert result.test == PairedTestName.MCNEMAR_EXACT
    assert result.p_value == pytest.approx(2 * (1 + 10 + 45) / 2**10)
    assert (result.mean_a, result.mean_b) == pytest.approx((10 / 12, 4 / 12))
    assert result.difference == pytest.approx(6 / 12)
    assert result.ci_low < result.difference < result.ci_high
    # Alone in the family, Holm changes nothing; p = 0.11 is not significant.
    assert result.p_adjusted == pytest.approx(result.p_value)
    assert result.verdict == Verdict.NO_DIFFERENCE
    assert result.metric == "acc" and result.settings_differ == ()


def test_other_scores_get_the_seeded_paired_bootstrap(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base = rng.random(60)
    with Store.open(tmp_path / "ws") as store:
        save(store, "A", "f1", {f"s{i}": v for i, v in enumerate(base)}, metric="f1")
        better = np.clip(base + 0.2 + rng.normal(0, 0.05, 60), 0, 1)
        save(store, "B", "f1", {f"s{i}": v for i, v in enumerate(better)}, metric="f1")
        first = compared(store, "A", "B", n_boot=500, seed=3)
        again = compared(store, "A", "B", n_boot=500, seed=3)
    result = task_row(first, "f1")
    assert first == again
    assert result.test == PairedTestName.PAIRED_BOOTSTRAP and result.b01 is None
    assert result.difference == pytest.approx(float((base - better).mean()))
    assert result.statistic == result.difference
    assert result.ci_high < 0 and result.p_value == pytest.approx(1 / 501)
    assert result.verdict == Verdict.B_BETTER


def test_holm_across_tasks_decides_the_verdict(tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        # 10 discordant pairs all for A: exact p = 2 / 1024 on each of the first two tasks;
        # 6 of 6 for A on the third: p = 2 / 64 = 0.031, significant alone but not after
        # Holm (x 2 as the second largest of four); one each way on the fourth: p = 1.
        for task, a, b in (
            ("t1", "1" * 10, "0" * 10),
            ("t2", "1" * 10, "0" * 10),
            ("t3", "1" * 6, "0" * 6),
            ("t4", "10", "01"),
        ):
            save(store, "A", task, binary(a + "1" * 5))
            save(store, "B", task, binary(b + "1" * 5))
        comparison = compared(store, "A", "B")
    rows = {row.task: row for row in comparison.tasks}
    tasks = ("t1", "t2", "t3", "t4")
    p_values = [rows[task].p_value for task in tasks]
    assert p_values == pytest.approx([2 / 1024, 2 / 1024, 2 / 64, 1.0])
    assert [rows[t].p_adjusted for t in tasks] == pytest.approx(holm_adjust(p_values))
    assert rows["t1"].verdict == rows["t2"].verdict == Verdict.A_BETTER
    assert rows["t3"].p_value < 0.05 < rows["t3"].p_adjusted == pytest.approx(4 / 64)
    assert rows["t3"].verdict == Verdict.NO_DIFFERENCE
    assert (comparison.alpha, comparison.correction) == (0.05, "holm")


def test_tasks_only_one_model_has_or_without_shared_items_are_not_comparable(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "ws") as store:
        save(store, "A", "shared", binary("1100"))
        save(store, "B", "shared", binary("1010"))
        save(store, "A", "only_a", binary("11"))
        save(store, "B", "only_b", binary("11"))
        save(store, "A", "disjoint", {"x1": 1.0, "x2": 0.0})
        save(store, "B", "disjoint", {"y1": 1.0, "y2": 0.0})
        comparison = compared(store, "A", "B")
    assert [row.task for row in comparison.tasks] == ["shared"]
    reasons = {item.task: item.reason for item in comparison.not_comparable}
    assert reasons == {
        "disjoint": "the runs share no stored item (acc)",
        "only_a": "only A has a result",
        "only_b": "only B has a result",
    }


def test_a_group_pools_its_members_keyed_by_task(tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        for model, first, second, pooled in (
            ("A", "1111", "1111", 1.0),
            ("B", "0000", "1100", 0.25),
        ):
            # Both members have items q0-q3: the same ids are different items.
            save(store, model, "part_1", binary(first), group="suite")
            save(store, model, "part_2", binary(second), group="suite")
            save(store, model, "suite", {}, value=pooled)  # the group's own result
        comparison = compared(store, "A", "B")
    [result] = comparison.tasks
    assert result.task == "suite"
    assert (result.n_paired, result.b10, result.b01) == (8, 6, 0)


def test_results_of_two_protocols_are_not_compared(tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        save(store, "A", "quiz", binary("1100"), num_fewshot=5)
        save(store, "B", "quiz", binary("1010"))
        comparison = compared(store, "A", "B")
    # Results of two protocols are never compared: the column ranks one of them.
    assert comparison.tasks == ()
    [skipped] = comparison.not_comparable
    assert "only under another protocol" in skipped.reason


def test_unknown_or_identical_models_are_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path / "ws") as store:
        save(store, "A", "quiz", binary("1100"))
        board = build_leaderboard(store, n_boot=10)
        key = board.rows[0].card.key
        with pytest.raises(ConfigError, match="no model 'nope'"):
            compare_models(store, board, key, "nope")
        with pytest.raises(ConfigError, match="two different models"):
            compare_models(store, board, key, key)


def test_models_evaluated_by_the_runner_are_compared_per_question(tmp_path: Path) -> None:
    data = tmp_path / "data"
    quiz = write_quiz(data, tmp_path / "tasks", 4, 40)
    with Store.open(tmp_path / "ws") as store:
        run(store, Oracle(), [quiz], data)
        run(store, "random?seed=1", [quiz], data)
        board = build_leaderboard(store, n_boot=50)
        oracle, guesser = (board.rows[0].card, board.rows[1].card)
        comparison = compare_models(store, board, oracle.key, guesser.key)
    [result] = comparison.tasks
    assert oracle.reference == "oracle"
    assert (result.n_paired, result.n_only_a, result.n_only_b) == (40, 0, 0)
    assert result.mean_a == 1.0 and result.b01 == 0
    assert result.b10 == round(40 * (1 - result.mean_b))
    assert result.verdict == Verdict.A_BETTER and result.p_value < 1e-4
