"""Replay with the real runner and store: the random baseline (a real backend, fast and
deterministic) on a tiny task file; drifts and changed tasks are made by editing the card,
as a user holding a card from elsewhere would meet them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from scipy import stats

from evalatlas.errors import ConfigError
from evalatlas.models import load_model
from evalatlas.models.backends.hf import TREE_TOLERANCE
from evalatlas.models.base import ModelInfo
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.replay import (
    ReplayOptions,
    Verdict,
    declared_tolerance,
    replay_card,
    replay_run,
    spec_change,
)
from evalatlas.runner.replay_compare import compare_samples
from evalatlas.store import MetricRecord, SampleRecord, Store
from evalatlas.store.cards import card_of
from evalatlas.tasks.yaml_task import YamlTask
from runner.replay_task import write_tiny_task

MODEL = "random?seed=3"


def _stored_run(tmp_path: Path) -> tuple[Path, str]:
    """A workspace holding one run of the random baseline (no response cache kept)."""
    task = write_tiny_task(tmp_path / "task")
    workspace = tmp_path / "ws"
    model = load_model(MODEL)
    config = EvalConfig(data_dir=task.data_dir, limit=3, use_cache=False)
    with Store.open(workspace) as store:
        outcome = evaluate(model, [YamlTask.from_file(task.task_file)], config, store)[0]
    return workspace, outcome.result.run_id


def _cached_responses(workspace: Path) -> int:
    with sqlite3.connect(workspace / "evalatlas.db") as conn:
        return int(conn.execute("SELECT count(*) FROM response_cache").fetchone()[0])


def test_replay_of_a_stored_run_is_identical_and_reuses_nothing(tmp_path: Path) -> None:
    workspace, run_id = _stored_run(tmp_path)
    with Store.open(workspace) as store:
        report = replay_run(store, run_id[:10], ReplayOptions())
        assert report.verdict is Verdict.IDENTICAL and report.exit_code == 0
        comparison = report.comparison
        assert comparison is not None and comparison.headline is not None
        assert (comparison.n_compared, comparison.n_identical, comparison.n_differ) == (3, 3, 0)
        assert comparison.headline.after == comparison.headline.before
        # Nothing cached, no second result: the replay computed every answer and kept only
        # its verdict.
        assert _cached_responses(workspace) == 0
        assert [r.run_id for r in store.list_results(latest_only=False)] == [run_id]
        assert store.replays().latest([run_id])[run_id].verdict == "identical"


def test_a_card_whose_task_definition_changed_is_not_called_a_drift(tmp_path: Path) -> None:
    workspace, run_id = _stored_run(tmp_path)
    with Store.open(workspace) as store:
        card = card_of(store.get_result(run_id))
        config = dict(card.spec.task_config or {})
        config["doc_to_text"] = "Capital of {{country}}?"
        edited = card.model_copy(
            update={"spec": card.spec.model_copy(update={"task_config": config})}
        )
        report = replay_card(store, edited, ReplayOptions())
        assert report.verdict is Verdict.TASK_CHANGED and report.exit_code == 11
        assert "task 'replay_capitals' changed" in report.reason
        assert report.comparison is None
        assert store.replays().latest([run_id])[run_id].verdict == "task_changed"


def test_records_that_differ_from_the_replay_are_a_drift(tmp_path: Path) -> None:
    workspace, run_id = _stored_run(tmp_path)
    with Store.open(workspace) as store:
        samples = store.load_samples(run_id)
        first = samples[0]
        responses = [{**r, "logprob": r["logprob"] - 0.5} for r in first.responses]
        flipped = {name: 1.0 - value for name, value in first.scores.items()}
        samples[0] = first.model_copy(update={"responses": responses, "scores": flipped})
        card = card_of(store.get_result(run_id), samples)
        report = replay_card(store, card, ReplayOptions())
    assert report.verdict is Verdict.DRIFTED and report.exit_code == 1
    comparison = report.comparison
    assert comparison is not None
    assert (comparison.n_identical, comparison.changed_predictions) == (2, 1)
    assert comparison.max_abs_delta == pytest.approx(0.5)


def _record(sample_id: str, logprob: float, score: float) -> SampleRecord:
    return SampleRecord(
        sample_id=sample_id,
        prompt="p",
        target="t",
        requests=[],
        responses=[{"logprob": logprob, "is_greedy": True, "n_tokens": 1}],
        scores={"acc": score},
    )


def test_tree_rounding_passes_within_the_declared_tolerance_only() -> None:
    stored = [_record("a", -1.25, 1.0), _record("b", -2.5, 0.0)]
    replayed = [_record("a", -1.25 + 5e-5, 1.0), _record("b", -2.5, 0.0)]
    comparison = compare_samples(stored, replayed, None)
    assert (comparison.n_identical, comparison.changed_predictions) == (1, 0)
    assert comparison.max_abs_delta == pytest.approx(5e-5)
    assert comparison.within(1e-4) and not comparison.within(0.0)
    missing = compare_samples(stored, replayed[:1], None)
    assert missing.n_missing == 1 and not missing.within(1e-4)


def test_headline_shift_is_a_paired_test_on_the_same_items() -> None:
    stored = [_record(str(i), -1.0, 1.0) for i in range(8)]
    replayed = [_record(str(i), -1.0, 0.0 if i < 5 else 1.0) for i in range(8)]
    before = MetricRecord(name="acc", value=1.0, stderr=0.0, ci_low=0.63, ci_high=1.0, n=8)
    after = MetricRecord(name="acc", value=3 / 8, stderr=0.18, ci_low=0.1, ci_high=0.7, n=8)
    shift = compare_samples(stored, replayed, (before, after)).headline
    assert shift is not None and shift.n == 8
    assert shift.outside_interval
    assert shift.difference == pytest.approx(-5 / 8)
    # 5 discordant pairs, all one way: McNemar's exact test is the two-sided binomial test.
    assert shift.p_value == pytest.approx(stats.binomtest(0, 5, 0.5).pvalue)
    assert shift.diff_low < shift.difference < shift.diff_high


def test_a_changed_model_is_named_before_any_comparison(tmp_path: Path) -> None:
    workspace, run_id = _stored_run(tmp_path)
    with Store.open(workspace) as store:
        spec = store.get_result(run_id).spec
    other = spec.model_copy(update={"model_fingerprint": "sha256:" + "0" * 64})
    changed = spec_change(spec, other)
    assert changed is not None and changed[0] is Verdict.MODEL_CHANGED
    data = spec.model_copy(update={"data_fingerprint": "x", "split_fingerprints": {}})
    found = spec_change(spec, data)
    assert found is not None and found[0] is Verdict.DATA_CHANGED
    assert spec_change(spec, spec) is None
    settings = spec.model_copy(update={"limit": 2, "data_dir": "/elsewhere"})
    named = spec_change(spec, settings)
    assert named is not None and named[0] is Verdict.SPEC_CHANGED
    assert named[1].endswith("differ here: limit")  # a recorded-only field is not named


def test_an_aggregate_result_is_refused_naming_its_members(tmp_path: Path) -> None:
    workspace, run_id = _stored_run(tmp_path)
    with Store.open(workspace) as store:
        card = card_of(store.get_result(run_id))
        spec = card.spec.model_copy(update={"task": "capitals_group", "task_version": "group"})
        aggregate = card.model_copy(update={"spec": spec})
        with pytest.raises(ConfigError, match="aggregate of group 'capitals_group'"):
            replay_card(store, aggregate, ReplayOptions())
        assert store.replays().latest([run_id]) == {}


def test_a_card_stored_before_it_kept_its_texts_is_refused(tmp_path: Path) -> None:
    workspace, run_id = _stored_run(tmp_path)
    with Store.open(workspace) as store:
        card = card_of(store.get_result(run_id))
        older = card.spec.model_copy(update={"task_config": None, "task_files": {}})
        with pytest.raises(ConfigError, match="carries no task definition"):
            replay_card(store, card.model_copy(update={"spec": older}), ReplayOptions())
        prompted = card.spec.model_copy(update={"system_prompt_hash": "0" * 16})
        with pytest.raises(ConfigError, match=r"has a system prompt .* but not its text"):
            replay_card(store, card.model_copy(update={"spec": prompted}), ReplayOptions())
        assert store.replays().latest([run_id]) == {}


def test_each_backend_declares_how_exact_a_replay_is() -> None:
    def info(backend: str, sharing: str) -> ModelInfo:
        return ModelInfo("ref", backend, "m", "sha256:0", metadata={"prefix_sharing": sharing})

    assert declared_tolerance(info("llamacpp", ""), same_batches=False) == 0.0
    assert declared_tolerance(info("hf", "off"), same_batches=True) == 0.0
    assert declared_tolerance(info("hf", "off"), same_batches=False) == TREE_TOLERANCE
    assert declared_tolerance(info("hf", "on"), same_batches=True) == TREE_TOLERANCE
