"""``--executor ray`` on a real local Ray instance and the bundled GGUF model: the result is
the local executor's to the bit, a killed actor leaves a job that resumes from the response
cache, and what can go wrong (no Ray, an address that does not answer) is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evalatlas.errors import ConfigError, ModelError
from evalatlas.models import Model, load_model
from evalatlas.runner import EvalConfig, NullProgress, TaskOutcome, evaluate
from evalatlas.runner.executors import open_executor
from evalatlas.runner.executors.ray_actors import NAMESPACE
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
    assert model.usage.unique_requests - before == REQUESTS
    assert len(local_run[0].samples) == LIMIT and local_run[0].samples[0].responses
    _same_results(on_ray, local_run)


class _KillAnActorOnFirstBatch(NullProgress):
    """Kills one of the run's actors as soon as the first finished batch is reported."""

    def __init__(self, ray: Any) -> None:
        self.ray = ray
        self.killed = False

    def advance(self, n: int) -> None:
        if self.killed:
            return
        names = sorted(a["name"] for a in self.ray.util.list_named_actors(all_namespaces=True))
        self.ray.kill(self.ray.get_actor(names[0], namespace=NAMESPACE))
        self.killed = True


def test_a_killed_actor_stops_the_job_and_a_rerun_resumes_from_the_cache(
    ray_instance: Any, model: Model, local_run: list[TaskOutcome], tmp_path: Path
) -> None:
    killer = _KillAnActorOnFirstBatch(ray_instance)
    runner = open_executor("ray?actors=2")
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


def test_an_address_that_does_not_answer_is_one_line_at_once() -> None:
    pytest.importorskip("ray", reason="needs Ray: pip install 'evalatlas[ray]'")
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError, match=f"127.0.0.1:{port} does not answer"):
        open_executor(f"ray://127.0.0.1:{port}")


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
    env = {**os.environ, "PYTHONPATH": path, "EVALATLAS_HOME": str(tmp_path / "ws")}
    args = ["eval", "-m", "random", "-t", "arithmetic_mc", "--limit", "2", "--executor", "ray"]
    result = subprocess.run(
        [sys.executable, "-m", "evalatlas", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert lines == ["error: --executor ray needs Ray; run: pip install 'evalatlas[ray]'"]
    assert not (tmp_path / "ws" / "evalatlas.db").exists()  # it failed before any work
