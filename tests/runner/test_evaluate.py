"""Runner bookkeeping: plan-time failures, joins, scores, store reuse, nothing partial."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from evalatlas.cli.display import truncation_notes
from evalatlas.errors import ModelError, UnsupportedRequestError
from evalatlas.models import Model, RetryPolicy
from evalatlas.requests import LoglikelihoodRequest, RequestKind
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.records import TRUNCATED_KEY
from evalatlas.store.workspace import Store
from evalatlas.tasks.registry import resolve_tasks

from .scripted import ScriptedBackend


def _model(backend: ScriptedBackend, batch_size: int = 4) -> Model:
    return Model(backend, batch_size=batch_size, retry=RetryPolicy(max_retries=0))


def test_multiple_choice_scores_match_the_backend_choices() -> None:
    backend = ScriptedBackend()
    [outcome] = evaluate(_model(backend), resolve_tasks("arithmetic_mc"), EvalConfig(limit=20))
    records = outcome.samples
    assert len(records) == 20
    # The scripted backend picks the shortest continuation: recompute acc from the records.
    expected = []
    for record in records:
        lengths = [len(r["continuation"]) for r in record.requests]
        picked = lengths.index(min(lengths))
        expected.append(1.0 if record.choices[picked] == record.target else 0.0)
    acc = outcome.result.metric("acc")
    assert acc is not None
    assert acc.n == 20
    assert acc.value == pytest.approx(sum(expected) / 20)
    assert acc.ci_low <= acc.value <= acc.ci_high


class RecordedProgress:
    """A ``ProgressReporter`` that keeps what the runner told it."""

    def __init__(self) -> None:
        self.totals: list[int] = []
        self.advances: list[int] = []

    def start(self, description: str, total: int) -> None:
        del description
        self.totals.append(total)

    def advance(self, n: int) -> None:
        self.advances.append(n)

    def finish(self) -> None:
        return None

    def note(self, message: str) -> None:
        del message


def test_with_default_batches_the_progress_advances_once_per_batch(tmp_path: Path) -> None:
    backend = ScriptedBackend()
    progress = RecordedProgress()
    model = Model(backend)  # no batch size: paced batches, as the CLI runs without one
    with Store.open(tmp_path) as store:
        evaluate(model, resolve_tasks("arithmetic_mc"), EvalConfig(limit=20), store, progress)
        assert store.response_cache().count() == 80
    assert progress.totals == [80]
    assert len(backend.calls) > 1 and backend.calls[0] == 4  # the first batch: one question
    assert progress.advances == backend.calls


def show(*args: str, workspace: Path) -> str:
    """``evalatlas results show`` as a user runs it; its standard output."""
    command = [sys.executable, "-m", "evalatlas", "results", "show", *args, "-w", str(workspace)]
    shown = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_samples_with_a_cut_context_are_counted_stored_and_shown(tmp_path: Path) -> None:
    tasks = resolve_tasks("arithmetic_mc,arithmetic_gen")
    [plain, _] = evaluate(_model(ScriptedBackend()), tasks, EvalConfig(limit=10))
    ids = [record.sample_id for record in plain.samples]
    n_choices = len(plain.samples[7].requests)
    cut = {f"{ids[2]}#0", f"{ids[5]}#1", *(f"{ids[7]}#{i}" for i in range(n_choices))}

    def is_cut(request: LoglikelihoodRequest) -> bool:
        return request.request_id in cut

    backend = ScriptedBackend(is_cut=is_cut, context_length=2048)
    workspace = tmp_path / "ws"
    with Store.open(workspace) as store:
        [mc, gen] = evaluate(_model(backend), tasks, EvalConfig(limit=10), store)
        stored = store.get_result(mc.result.run_id)
        records = store.load_samples(mc.result.run_id)
    assert (mc.result.truncated_samples, mc.result.context_length) == (3, 2048)
    assert (stored.truncated_samples, stored.context_length) == (3, 2048)
    assert gen.result.truncated_samples == 0
    counts = {r.sample_id: r.metadata.get(TRUNCATED_KEY) for r in records}
    assert counts == {i: {ids[2]: 1, ids[5]: 1, ids[7]: n_choices}.get(i) for i in ids}
    assert [r["truncated"] for r in records[5].responses] == [i == 1 for i in range(n_choices)]
    assert mc.result.metrics == plain.result.metrics  # a cut context changes no score here

    line = (
        "arithmetic_mc: 3 of 10 samples had their context cut from the left to fit the "
        "model's 2048-token window"
    )
    listed = show(workspace=workspace)
    assert line in listed and "arithmetic_gen:" not in listed
    assert line in show(mc.result.run_id[:8], workspace=workspace)
    payload = json.loads(show("--json", workspace=workspace))
    assert {r["spec"]["task"]: r["truncated_samples"] for r in payload} == {
        "arithmetic_mc": 3,
        "arithmetic_gen": 0,
    }


def test_unsupported_kind_fails_before_any_request_runs() -> None:
    backend = ScriptedBackend(kinds=frozenset({RequestKind.LOGLIKELIHOOD}))
    tasks = resolve_tasks("arithmetic_mc,arithmetic_gen")
    with pytest.raises(UnsupportedRequestError, match="generate_until"):
        evaluate(_model(backend), tasks, EvalConfig(limit=5))
    assert backend.calls == []


def test_identical_spec_is_reused_unless_forced(tmp_path: Path) -> None:
    backend = ScriptedBackend()
    tasks = resolve_tasks("arithmetic_gen")
    with Store.open(tmp_path / "ws") as store:
        [first] = evaluate(_model(backend), tasks, EvalConfig(limit=6), store)
        calls_after_first = len(backend.calls)
        [second] = evaluate(_model(backend), tasks, EvalConfig(limit=6), store)
        assert second.reused and second.result.run_id == first.result.run_id
        assert len(backend.calls) == calls_after_first
        [third] = evaluate(_model(backend), tasks, EvalConfig(limit=6, force=True), store)
        assert not third.reused and third.result.run_id != first.result.run_id
        assert len(store.load_samples(third.result.run_id)) == 6


def test_a_failed_run_stores_nothing(tmp_path: Path) -> None:
    backend = ScriptedBackend(fail_on_batch=2)
    with Store.open(tmp_path / "ws") as store:
        with pytest.raises(ModelError, match="scripted failure"):
            evaluate(
                _model(backend, batch_size=2),
                resolve_tasks("arithmetic_gen"),
                EvalConfig(limit=6),
                store,
            )
        assert store.list_results() == []
    assert not list((tmp_path / "ws" / "details").rglob("*.parquet"))


def test_group_result_pools_member_samples(shared_data: Path) -> None:
    tasks = resolve_tasks("mmlu")
    first_sample_cut = ScriptedBackend(is_cut=lambda r: r.sample_id == "0")
    outcomes = evaluate(_model(first_sample_cut), tasks, EvalConfig(limit=2, data_dir=shared_data))
    group = outcomes[-1]
    assert group.result.spec.task == "mmlu" and len(outcomes) == 58
    assert [o.result.truncated_samples for o in outcomes[:-1]] == [1] * 57
    assert group.result.truncated_samples == 57
    # Folded members are counted in the group's line, not listed one by one.
    [note] = truncation_notes([o.result for o in outcomes])
    assert note.startswith("mmlu: 57 of 114 samples had their context cut from the left")
    acc = group.result.metric("acc")
    assert acc is not None and acc.n == 114
    member_values = [v for o in outcomes[:-1] for v in (s.scores["acc"] for s in o.samples)]
    assert acc.value == pytest.approx(sum(member_values) / 114)
    assert not math.isnan(acc.stderr)


def test_a_partial_group_gets_no_group_result(shared_data: Path) -> None:
    tasks = resolve_tasks("mmlu_abstract_algebra,mmlu_anatomy")
    outcomes = evaluate(_model(ScriptedBackend()), tasks, EvalConfig(limit=2, data_dir=shared_data))
    assert [o.result.spec.task for o in outcomes] == ["mmlu_abstract_algebra", "mmlu_anatomy"]
