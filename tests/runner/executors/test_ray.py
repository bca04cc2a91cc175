"""``--executor ray`` on a real local Ray instance and the bundled GGUF model: the result is
the local executor's to the bit, a killed actor leaves a job that resumes from the response
cache, and what can go wrong (no Ray, an address that does not answer) is one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalatlas.errors import ModelError
from evalatlas.models import Model, load_model
from evalatlas.runner import EvalConfig, NullProgress, TaskOutcome, evaluate
from evalatlas.runner.executors import open_executor
from evalatlas.runner.executors.ray import RayExecutor
from evalatlas.runner.executors.ray_actors import start_actors
from evalatlas.runner.executors.spec import parse_executor
from evalatlas.store import Store
from evalatlas.tasks.registry import resolve_tasks

# One thread per model: two actors then use the two CPUs Ray was given.
REFERENCE = "bundled:smollm2-135m-instruct?n_threads=1"
TASKS = "arithmetic_mc,arithmetic_gen"  # log-likelihoods and generations
LIMIT = 6
REQUESTS = 4 * LIMIT + LIMIT  # four choices per arithmetic_mc sample, one generation each

pytestmark = [pytest.mark.slow, pytest.mark.llamacpp]


@pytest.fixture(scope="module")
def model() -> Iterator[Model]:
    loaded = load_model(REFERENCE)
    yield loaded
    loaded.close()


def _evaluate(model: Model, store: Store, executor: str = "local") -> list[TaskOutcome]:
    runner = open_executor(executor)
    try:
        config = EvalConfig(limit=LIMIT, executor=runner)
        return evaluate(model, resolve_tasks(TASKS), config, store)
    finally:
        runner.close()


@pytest.fixture(scope="module")
def local_run(model: Model, tmp_path_factory: pytest.TempPathFactory) -> list[TaskOutcome]:
    with Store.open(tmp_path_factory.mktemp("local")) as store:
        return _evaluate(model, store)


def _same_results(got: list[TaskOutcome], want: list[TaskOutcome]) -> None:
    """Per-sample responses (log-probs, generated text) and every metric, bit for bit."""
    assert [o.result.spec_hash for o in got] == [o.result.spec_hash for o in want]
    for mine, theirs in zip(got, want, strict=True):
        assert [s.sample_id for s in mine.samples] == [s.sample_id for s in theirs.samples]
        assert [s.responses for s in mine.samples] == [s.responses for s in theirs.samples]
        assert [s.scores for s in mine.samples] == [s.scores for s in theirs.samples]
        assert mine.result.metrics == theirs.result.metrics


def test_a_ray_run_equals_a_local_run(
    ray_instance: Any, model: Model, local_run: list[TaskOutcome], tmp_path: Path
) -> None:
    before = model.usage.unique_requests
    with Store.open(tmp_path) as store:
        on_ray = _evaluate(model, store, "ray?actors=2")
        assert store.response_cache().count() == REQUESTS
        # What Ray cached is what a local run looks up: a local rerun computes nothing.
        cached_before = model.usage.cached
        config = EvalConfig(limit=LIMIT, force=True)
        rerun_here = evaluate(model, resolve_tasks(TASKS), config, store)
    assert model.usage.unique_requests - before == 2 * REQUESTS
    assert model.usage.cached - cached_before == REQUESTS
    assert len(local_run[0].samples) == LIMIT and local_run[0].samples[0].responses
    _same_results(on_ray, local_run)
    _same_results(rerun_here, local_run)


@pytest.mark.hf
def test_float32_transformers_without_prefix_sharing_is_bit_identical_on_ray(
    ray_instance: Any, smollm2_folder: Path, tmp_path: Path
) -> None:
    import torch

    hf_model = load_model(f"hf:{smollm2_folder}?prefix_sharing=0&dtype=float32")
    tasks = resolve_tasks("arithmetic_mc")
    # Ray gives an actor of one CPU one torch thread; torch's sums depend on its thread
    # count (not on the batch), so the local run uses one thread too.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with Store.open(tmp_path / "local") as store:
            local = evaluate(hf_model, tasks, EvalConfig(limit=4), store)
        torch.set_num_threads(threads)
        runner = open_executor("ray?actors=2")
        try:
            with Store.open(tmp_path / "ray") as store:
                on_ray = evaluate(hf_model, tasks, EvalConfig(limit=4, executor=runner), store)
        finally:
            runner.close()
    finally:
        torch.set_num_threads(threads)
        hf_model.close()
    _same_results(on_ray, local)


def test_the_eval_command_on_ray_stores_the_local_result(
    ray_instance: Any, local_run: list[TaskOutcome], tmp_path: Path
) -> None:
    args = ("-m", REFERENCE, "-t", TASKS, "--limit", str(LIMIT), "--executor", "ray?actors=2")
    env = {**os.environ, "EVALATLAS_HOME": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "evalatlas", "eval", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"{REQUESTS} requests ({REQUESTS} unique, 0 cached)" in result.stdout
    with Store.open(tmp_path) as store:
        stored = {r.spec.task: store.load_samples(r.run_id) for r in store.list_results()}
    for outcome in local_run:
        samples = stored[outcome.result.spec.task]
        assert [s.responses for s in samples] == [s.responses for s in outcome.samples]
        assert [s.scores for s in samples] == [s.scores for s in outcome.samples]


class _KillAnActorOnFirstBatch(NullProgress):
    """Kills one of the executor's actors as soon as the first finished batch is reported."""

    def __init__(self, ray: Any, runner: RayExecutor) -> None:
        self.ray = ray
        self.runner = runner
        self.killed = False

    def advance(self, n: int) -> None:
        if not self.killed:
            self.ray.kill(self.runner.actors[0])
            self.killed = True


def test_a_killed_actor_stops_the_job_and_a_rerun_resumes_from_the_cache(
    ray_instance: Any, model: Model, local_run: list[TaskOutcome], tmp_path: Path
) -> None:
    runner = open_executor("ray?actors=2")
    assert isinstance(runner, RayExecutor)
    killer = _KillAnActorOnFirstBatch(ray_instance, runner)
    try:
        config = EvalConfig(limit=LIMIT, executor=runner)
        with Store.open(tmp_path) as store, pytest.raises(ModelError) as raised:
            evaluate(model, resolve_tasks(TASKS), config, store, killer)
        # The first run ended: a second one on the same executor starts fresh actors.
        with Store.open(tmp_path) as store:
            saved = store.response_cache().count()
            assert store.list_results() == []  # nothing half-stored
            cached_before = model.usage.cached
            resumed = evaluate(model, resolve_tasks(TASKS), config, store)
    finally:
        runner.close()
    message = str(raised.value)
    assert "Ray actor died" in message and "run the same command again" in message
    assert "\n" not in message
    assert 0 < saved < REQUESTS
    assert model.usage.cached - cached_before == saved
    _same_results(resumed, local_run)


def test_an_actor_whose_model_differs_stops_the_run_before_any_batch(ray_instance: Any) -> None:
    spec = parse_executor("ray?actors=1")
    with pytest.raises(ModelError, match="as a different model"):
        start_actors(ray_instance, spec, (REFERENCE, None), identity="another model")
    # The actor was stopped: both CPUs are free again (Ray frees them within moments).
    deadline = time.monotonic() + 20
    while ray_instance.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ray_instance.available_resources().get("CPU", 0) == 2


def test_an_actor_that_cannot_load_the_model_says_why_in_one_line(ray_instance: Any) -> None:
    spec = parse_executor("ray?actors=1")
    with pytest.raises(ModelError) as raised:
        start_actors(ray_instance, spec, ("llamacpp:/nowhere/model.gguf", None), identity="x")
    assert str(raised.value) == (
        "a Ray actor could not load 'llamacpp:/nowhere/model.gguf': "
        "GGUF file not found: /nowhere/model.gguf"
    )


def _eval_cli(
    workspace: Path, *args: str, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EVALATLAS_HOME": str(workspace), "HF_HUB_OFFLINE": "1"}
    if path is not None:
        env["PYTHONPATH"] = path
    command = [sys.executable, "-m", "evalatlas", "eval", "-m", "random", "-t", "arithmetic_mc"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_address_that_does_not_answer_is_one_line_at_once(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="needs Ray: pip install 'evalatlas[ray]'")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    result = _eval_cli(tmp_path, "--executor", f"ray://127.0.0.1:{port}")
    assert time.monotonic() - started < 60  # Ray Client alone would wait 30 s, then warn
    line = _one_line_error(result)
    assert line.startswith("error: --executor ray://127.0.0.1:")
    assert f"127.0.0.1:{port} does not answer" in line and "ray start --head" in line
    assert not (tmp_path / "evalatlas.db").exists()  # it failed before any work


def test_without_ray_the_error_is_the_install_line(tmp_path: Path) -> None:
    # A sitecustomize that makes `import ray` fail, as on a machine without the extra.
    hide = tmp_path / "hide_ray"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoRay:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'ray' or name.startswith('ray.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'ray'\")\n"
        "        return None\n"
        "sys.meta_path.insert(0, _NoRay())\n",
        encoding="utf-8",
    )
    path = os.pathsep.join(p for p in (str(hide), os.environ.get("PYTHONPATH")) if p)
    result = _eval_cli(tmp_path / "ws", "--limit", "2", "--executor", "ray", path=path)
    line = _one_line_error(result)
    assert line == "error: --executor ray needs Ray; run: pip install 'evalatlas[ray]'"
    assert not (tmp_path / "ws" / "evalatlas.db").exists()  # it failed before any work
