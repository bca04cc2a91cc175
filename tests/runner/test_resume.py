"""A run that dies midway (an error, or ``kill -9``) resumes from the response cache:
nothing answered is computed again and the result is exactly an uninterrupted run's."""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalatlas.errors import ModelError, StoreError
from evalatlas.models import Model, ModelInfo, RetryPolicy
from evalatlas.models.cache import cache_key, model_identity
from evalatlas.requests import Generation, LoglikelihoodRequest, LoglikelihoodResult
from evalatlas.runner import EvalConfig, evaluate
from evalatlas.runner.cache import decode_response, encode_response
from evalatlas.store import SampleRecord, Store
from evalatlas.tasks.registry import resolve_tasks

from .scripted import ScriptedBackend

ODD_FLOATS = (0.1 + 0.2, -1e-300, 5e-324, -123.456789012345678, -math.inf, -0.0)


@pytest.mark.parametrize("value", ODD_FLOATS)
def test_log_likelihoods_round_trip_bit_for_bit(value: float) -> None:
    result = LoglikelihoodResult(value, True, 7)
    back = decode_response("k", encode_response(result))
    assert back == result and isinstance(back, LoglikelihoodResult)
    assert math.copysign(1.0, back.logprob) == math.copysign(1.0, value)


def test_the_truncation_flag_round_trips_and_older_entries_read_as_not_cut() -> None:
    cut = LoglikelihoodResult(-2.5, False, 3, truncated=True)
    assert decode_response("k", encode_response(cut)) == cut
    # What the cache held before responses said whether their context was cut.
    older = '{"is_greedy": false, "logprob": -2.5, "n_tokens": 3, "type": "loglikelihood_result"}'
    assert decode_response("k", older) == LoglikelihoodResult(-2.5, False, 3, truncated=False)


def test_generations_round_trip() -> None:
    generation = Generation("Grüße\n42 ✓", 5, "stop")
    assert decode_response("k", encode_response(generation)) == generation


def test_a_damaged_payload_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"damaged.*--no-cache"):
        decode_response("k" * 64, '{"type": "mystery"}')


def test_the_cache_key_names_the_model_and_the_request() -> None:
    request = LoglikelihoodRequest("s1", 0, "2+2=", " 4")
    same_elsewhere = LoglikelihoodRequest("s9", 3, "2+2=", " 4")
    info = ModelInfo("gguf:a.gguf", "llamacpp", "a", "sha256:aa", context_length=2048)
    relabelled = ModelInfo("bundled:a", "llamacpp", "A", "sha256:aa", context_length=2048)
    key = cache_key(model_identity(info), request)
    assert cache_key(model_identity(info), same_elsewhere) == key
    assert cache_key(model_identity(relabelled), request) == key
    for changed in (
        ModelInfo("gguf:a.gguf", "llamacpp", "a", "sha256:bb", context_length=2048),
        ModelInfo("gguf:a.gguf", "hf", "a", "sha256:aa", context_length=2048),
        ModelInfo("gguf:a.gguf", "llamacpp", "a", "sha256:aa", context_length=512),
        ModelInfo(
            "gguf:a.gguf", "llamacpp", "a", "sha256:aa", context_length=2048, metadata={"x": "y"}
        ),
    ):
        assert cache_key(model_identity(changed), request) != key
    assert cache_key(model_identity(info), LoglikelihoodRequest("s1", 0, "2+2=", " 5")) != key


def _model(backend: ScriptedBackend) -> Model:
    return Model(backend, batch_size=4, retry=RetryPolicy(max_retries=0))


def _run(
    backend: ScriptedBackend, store: Store, force: bool = False, use_cache: bool = True
) -> tuple[SampleRecord, ...]:
    config = EvalConfig(limit=10, force=force, use_cache=use_cache)
    [outcome] = evaluate(_model(backend), resolve_tasks("arithmetic_mc"), config, store)
    return outcome.samples


def test_a_run_failing_on_batch_3_resumes_from_batches_1_and_2(tmp_path: Path) -> None:
    with Store.open(tmp_path / "fresh") as store:
        expected = _run(ScriptedBackend(), store, use_cache=False)
        assert store.response_cache().count() == 0
    total = sum(len(record.requests) for record in expected)
    with Store.open(tmp_path / "resumed") as store:
        failing = ScriptedBackend(fail_on_batch=3)
        with pytest.raises(ModelError, match="scripted failure"):
            _run(failing, store)
        saved = sum(failing.calls[:2])
        assert store.response_cache().count() == saved > 0
        assert store.list_results() == []
        again = ScriptedBackend()
        model = _model(again)
        [outcome] = evaluate(model, resolve_tasks("arithmetic_mc"), EvalConfig(limit=10), store)
        assert sum(again.calls) == total - saved
        assert model.usage.cached == saved
        assert model.cache is None  # the store's hook does not outlive the call
    assert outcome.samples == expected


def test_everything_cached_means_no_backend_call_and_no_cache_means_all(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        first = _run(ScriptedBackend(), store)
        cached = ScriptedBackend()
        assert _run(cached, store, force=True) == first
        assert cached.calls == []
        uncached = ScriptedBackend()
        assert _run(uncached, store, force=True, use_cache=False) == first
        assert sum(uncached.calls) == sum(len(r.requests) for r in first)


EVAL_ARGS = (
    "eval",
    "--model",
    "bundled:smollm2-135m-instruct",
    "--tasks",
    "arithmetic_mc",
    "--limit",
    "40",
    "--batch-size",
    "4",
)


def _cli(*extra: str) -> list[str]:
    return [sys.executable, "-m", "evalatlas", *EVAL_ARGS, *extra]


def _env(workspace: Path) -> dict[str, str]:
    return {**os.environ, "EVALATLAS_HOME": str(workspace), "HF_HUB_OFFLINE": "1"}


def _cached_rows(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as raw:
            return int(raw.execute("SELECT count(*) FROM response_cache").fetchone()[0])
    except sqlite3.OperationalError:  # the table does not exist yet
        return 0


def _kill_after_rows(workspace: Path, rows: int, deadline_s: float) -> int:
    """Start the eval, SIGKILL it once ``rows`` responses are cached; rows at the kill."""
    log = workspace.parent / f"{workspace.name}.log"
    with log.open("wb") as output:  # a file, not a pipe: a full pipe would stall the run
        process = subprocess.Popen(_cli(), env=_env(workspace), stdout=output, stderr=output)
    deadline = time.monotonic() + deadline_s
    try:
        while _cached_rows(workspace / "evalatlas.db") < rows:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"no {rows} cached rows before the run ended or timed out: "
                    + log.read_text(errors="replace")[-2000:]
                )
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return _cached_rows(workspace / "evalatlas.db")


def _finished_samples(workspace: Path) -> list[SampleRecord]:
    with Store.open(workspace) as store:
        [result] = store.list_results()
        return store.load_samples(result.run_id)


@pytest.mark.slow
@pytest.mark.llamacpp
def test_kill_9_midway_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    resumed, fresh = tmp_path / "resumed", tmp_path / "fresh"
    at_kill = _kill_after_rows(resumed, rows=8, deadline_s=180)
    assert 8 <= at_kill < 160, "the run must die midway for this test to mean anything"
    with Store.open(resumed) as store:
        assert store.list_results() == []
    rerun = subprocess.run(
        _cli(), env=_env(resumed), capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"160 unique, {at_kill} cached" in rerun.stdout
    uninterrupted = subprocess.run(
        _cli("--no-cache"),
        env=_env(fresh),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert _cached_rows(fresh / "evalatlas.db") == 0
    got, want = _finished_samples(resumed), _finished_samples(fresh)
    assert [s.sample_id for s in got] == [s.sample_id for s in want]
    assert [s.responses for s in got] == [s.responses for s in want]
    assert [s.scores for s in got] == [s.scores for s in want]
