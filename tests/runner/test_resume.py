"""A run that dies midway (an error, or ``kill -9``) resumes from the response cache:
nothing answered is computed again and the result is exactly an uninterrupted run's."""

from __future__ import annotations

import contextlib
import math
import os
import pty
import re
import select
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


LIMIT = 16
REQUESTS = 4 * LIMIT  # arithmetic_mc has four choices per sample
# The command a user types: no --batch-size, so batches are paced by time. One thread:
# where the cores are shared with other work, llama.cpp's threads wait on each other.
EVAL_ARGS = (
    "eval",
    "--model",
    "bundled:smollm2-135m-instruct?n_threads=1",
    "--tasks",
    "arithmetic_mc",
    "--limit",
    str(LIMIT),
)
# What the progress bar shows of the requests done, e.g. "12/64".
BAR_COUNT = re.compile(rb"(\d+)/" + str(REQUESTS).encode() + rb"\b")


def _cli(*extra: str) -> list[str]:
    return [sys.executable, "-m", "evalatlas", *EVAL_ARGS, *extra]


def _env(workspace: Path) -> dict[str, str]:
    return {
        **os.environ,
        "EVALATLAS_HOME": str(workspace),
        "HF_HUB_OFFLINE": "1",
        "TERM": "xterm",
        "COLUMNS": "120",
    }


def _cached_rows(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as raw:
            return int(raw.execute("SELECT count(*) FROM response_cache").fetchone()[0])
    except sqlite3.OperationalError:  # the table does not exist yet
        return 0


def _shown_progress(terminal: int, seen: bytearray) -> int:
    """The latest count of done requests the progress bar drew (0 before any)."""
    ready, _, _ = select.select([terminal], [], [], 0.05)
    if ready:
        with contextlib.suppress(OSError):  # the terminal closes when the process dies
            seen.extend(os.read(terminal, 1 << 16))
    counts = BAR_COUNT.findall(bytes(seen[-2000:]))
    return int(counts[-1]) if counts else 0


def _kill_once_progress_shows(workspace: Path, deadline_s: float) -> tuple[int, str]:
    """Run the eval on a terminal (so the bar is drawn live), SIGKILL it as soon as the bar
    shows some requests done; the count the bar showed, and what the terminal got."""
    terminal, child_side = pty.openpty()
    process = subprocess.Popen(
        _cli(), env=_env(workspace), stdin=subprocess.DEVNULL, stdout=child_side, stderr=child_side
    )
    os.close(child_side)
    seen = bytearray()
    deadline = time.monotonic() + deadline_s
    try:
        while (shown := _shown_progress(terminal, seen)) == 0:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    "the progress bar showed no finished request before the run ended or "
                    "timed out: " + seen.decode(errors="replace")[-2000:]
                )
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        os.close(terminal)
    assert process.returncode == -signal.SIGKILL
    return shown, seen.decode(errors="replace")


def _finished_samples(workspace: Path) -> list[SampleRecord]:
    with Store.open(workspace) as store:
        [result] = store.list_results()
        return store.load_samples(result.run_id)


@pytest.mark.slow
@pytest.mark.llamacpp
def test_kill_9_midway_then_rerun_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    resumed, fresh = tmp_path / "resumed", tmp_path / "fresh"
    shown, terminal = _kill_once_progress_shows(resumed, deadline_s=180)
    at_kill = _cached_rows(resumed / "evalatlas.db")
    # The bar advanced before the kill, and what it counted was already saved.
    assert 0 < shown <= at_kill < REQUESTS, (shown, at_kill, terminal[-2000:])
    with Store.open(resumed) as store:
        assert store.list_results() == []
    rerun = subprocess.run(
        _cli(), env=_env(resumed), capture_output=True, text=True, timeout=300, check=False
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"{REQUESTS} unique, {at_kill} cached" in rerun.stdout
    # One batch of every request: the result does not depend on how requests were batched.
    uninterrupted = subprocess.run(
        _cli("--no-cache", "--batch-size", str(REQUESTS)),
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
