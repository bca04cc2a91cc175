"""Leaderboard latency at 10,000 models x 10 tasks, served by a real ``evalatlas serve``.

Workspace: filled by the bulk path ``fill_workspace`` below. ``Store.open`` creates and
migrates the database; then one transaction inserts every model (with a card: size, type,
licence, quantisation), task, run and metric through SQLAlchemy Core over the store's own
table definitions (``evalatlas.store.schema``), whose column types encode values exactly
as ``Store.save_result`` does. Saving 100,000 results one by one would write 100,000
details files; these runs have none, so the board draws their rank intervals from each
cell's value and stderr (as it does for any board this large).

Measurement: ``evalatlas serve`` runs as a separate process on 127.0.0.1; a first request
builds and caches the board (its time is printed). Then one client sends ``--requests``
rounds of the variants below in turn, over one keep-alive connection, so drift on a
shared machine hits them alike. Server time is the app's ``Server-Timing: app;dur=``
header (the time to build the response, without the network and the client); client time
is the wall time the client saw.

Baseline (named): ``/static/atlas.css`` from the same process in the same run, the floor
of any request through the app; ratios are page / baseline at p95, and each page's HTML /
JSON twin. Target: server p95 <= 100 ms for the page and for its JSON twin, with the
default query and with a filtered, sorted one.

    .venv/bin/python benchmarks/leaderboard_latency.py [--models 10000] [--tasks 10]
        [--requests 200] [--workspace DIR] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import URL, insert

from evalatlas.store import EvalSpec, Store
from evalatlas.store.engine import make_engine, write_transaction
from evalatlas.store.protocol import Protocol
from evalatlas.store.schema import metrics, models, runs, tasks

TARGET_P95_MS = 100.0
BASELINE = "/static/atlas.css"
FILTERED = "q=model-1&type=pretrained&type=instruction-tuned&params=consumer&sort=task_00&order=asc"
PAGES = (("/", ""), ("/api/leaderboard", ""), ("/", FILTERED), ("/api/leaderboard", FILTERED))
MODEL_TYPES = ("pretrained", "instruction-tuned", "merge", "quantised")
LICENCES = ("apache-2.0", "mit", "llama3", "gemma", "cc-by-nc-4.0")
QUANTISATIONS = ("F16", "BF16", "Q8_0", "Q4_K_M", "Q4_1")
N_SAMPLES = 1000
START = datetime(2025, 1, 1, tzinfo=UTC)
_SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")


def fill_workspace(root: Path, n_models: int, n_tasks: int, seed: int = 0) -> int:
    """Create the workspace at ``root`` with ``n_models`` x ``n_tasks`` finished runs (one
    ``acc_norm`` metric each, 4-choice random baseline); returns the number of runs."""
    Store.open(root).close()  # creates and migrates the database
    rng = np.random.default_rng(seed)
    task_names = [f"task_{t:02d}" for t in range(n_tasks)]
    engine = make_engine(URL.create("sqlite", database=str(root / "evalatlas.db")))
    try:
        with write_transaction(engine) as conn:
            conn.execute(insert(models), [_model_row(i, rng) for i in range(n_models)])
            conn.execute(
                insert(tasks),
                [
                    {"name": n, "version": "1", "task_hash": n * 2, "group": None}
                    for n in task_names
                ],
            )
            run_rows, metric_rows = _run_rows(n_models, task_names, rng)
            conn.execute(insert(runs), run_rows)
            conn.execute(insert(metrics), metric_rows)
    finally:
        engine.dispose()
    return len(run_rows)


def _model_row(index: int, rng: np.random.Generator) -> dict[str, Any]:
    card = {
        "parameters": int(10 ** rng.uniform(8, 11)),
        "architecture": "llama",
        "model_type": MODEL_TYPES[index % len(MODEL_TYPES)],
        "licence": LICENCES[index % len(LICENCES)],
        "quantisation": QUANTISATIONS[index % len(QUANTISATIONS)],
    }
    return {
        "id": index + 1,
        "reference": f"bench/model-{index}",
        "name": f"model-{index}",
        "fingerprint": f"bench:{index}",
        "backend": "bench",
        "metadata": card,
        "metadata_updated_at": START,
    }


def _run_rows(
    n_models: int, task_names: list[str], rng: np.random.Generator
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Runs and their acc_norm metrics: each model has a skill, each task a difficulty."""
    skill = rng.normal(0.0, 1.0, n_models)
    difficulty = rng.normal(0.0, 0.5, len(task_names))
    run_rows, metric_rows = [], []
    # Every model runs a task the same way: one protocol per task, as the writer records it.
    protocols = [_protocol_columns(_spec(0, task)) for task in task_names]
    for m in range(n_models):
        for t, task in enumerate(task_names):
            spec = _spec(m, task)
            run_id = uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | m << 8 | t).hex
            created = START + timedelta(seconds=m * len(task_names) + t)
            row = _run_row(run_id, spec, m + 1, t + 1, created)
            run_rows.append({**row, **protocols[t]})
            accuracy = 0.25 + 0.75 / (1 + math.exp(-(skill[m] - difficulty[t])))
            metric_rows.append(_metric_row(run_id, accuracy))
    return run_rows, metric_rows


def _spec(model: int, task: str) -> EvalSpec:
    return EvalSpec(
        model_reference=f"bench/model-{model}",
        model_name=f"model-{model}",
        model_fingerprint=f"bench:{model}",
        backend="bench",
        task=task,
        task_version="1",
        task_hash=task * 2,
        data_fingerprint="bench",
        num_fewshot=0,
        fewshot_seed=1234,
    )


def _protocol_columns(spec: EvalSpec) -> dict[str, Any]:
    protocol = Protocol.of(spec, N_SAMPLES)
    return {"protocol_hash": protocol.protocol_hash(), "is_full_split": protocol.is_full_split}


def _run_row(
    run_id: str, spec: EvalSpec, model_id: int, task_id: int, created: datetime
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "spec_hash": spec.spec_hash(),
        "spec": spec.model_dump(mode="json"),
        "model_id": model_id,
        "task_id": task_id,
        "status": "FINISHED",
        "created_at": created,
        "finished_at": created,
        "n_samples": N_SAMPLES,
        "usage": {},
        "details_path": None,
        "error": None,
        "group": None,
        "truncated_samples": 0,
        "context_length": None,
        "random_baseline": 0.25,
    }


def _metric_row(run_id: str, accuracy: float) -> dict[str, Any]:
    stderr = math.sqrt(accuracy * (1 - accuracy) / N_SAMPLES)
    return {
        "run_id": run_id,
        "name": "acc_norm",
        "value": accuracy,
        "stderr": stderr,
        "ci_low": max(0.0, accuracy - 1.96 * stderr),
        "ci_high": min(1.0, accuracy + 1.96 * stderr),
        "n": N_SAMPLES,
        "n_unscored": 0,
        "higher_is_better": True,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(root: Path, log: Path) -> Iterator[str]:
    """``evalatlas serve`` on a free port of 127.0.0.1, as its own process; its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "evalatlas", "serve", "--port", str(port)]
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [*command, "--workspace", str(root)], stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"evalatlas serve exited with {process.returncode}:\n{log.read_text()}"
            )
        try:
            httpx.get(base + BASELINE, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"evalatlas serve did not answer at {base} within 60 s")


@dataclass(frozen=True)
class Timings:
    name: str
    server_ms: list[float]
    client_ms: list[float]
    size: int  # bytes of the last response body

    def percentile(self, which: str, q: float) -> float:
        values = self.server_ms if which == "server" else self.client_ms
        return float(np.percentile(values, q))


def warm_up(client: httpx.Client, n_models: int) -> float:
    """Seconds the first request took (it builds the board); checks every model is on it."""
    started = time.perf_counter()
    response = client.get("/api/leaderboard", params={"per_page": 1})
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    if response.json()["total"] != n_models:
        raise SystemExit(f"the board has {response.json()['total']} models, not {n_models}")
    for path, query in PAGES:  # the first render of each template compiles it
        client.get(f"{path}?{query}").raise_for_status()
    return elapsed


def measure(client: httpx.Client, rounds: int) -> list[Timings]:
    urls = [BASELINE] + [f"{path}?{query}" if query else path for path, query in PAGES]
    server: dict[str, list[float]] = {url: [] for url in urls}
    wall: dict[str, list[float]] = {url: [] for url in urls}
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        for url in urls:
            started = time.perf_counter()
            response = client.get(url)
            wall[url].append((time.perf_counter() - started) * 1e3)
            response.raise_for_status()
            match = _SERVER_TIMING.search(response.headers.get("server-timing", ""))
            if match is None:
                raise SystemExit(f"{url} answered without a Server-Timing header")
            server[url].append(float(match[1]))
            sizes[url] = len(response.content)
    return [Timings(url, server[url], wall[url], sizes[url]) for url in urls]


def report(timings: list[Timings]) -> list[str]:
    """The table (milliseconds), the ratios and the PASS/FAIL lines."""
    quantiles = "   p50    p95    p99"
    lines = [
        f"{'':<{_WIDTH}} {'':>4}  {'server ms':^20}  {'client ms':^20}",
        f"{'request':<{_WIDTH}} {'n':>4}  {quantiles}  {quantiles}  {'bytes':>8}",
    ]
    for t in timings:
        server = " ".join(f"{t.percentile('server', q):6.1f}" for q in (50, 95, 99))
        client = " ".join(f"{t.percentile('client', q):6.1f}" for q in (50, 95, 99))
        lines.append(
            f"{_short(t.name):<{_WIDTH}} {len(t.server_ms):>4}  {server}  {client}  {t.size:>8}"
        )
    baseline, pages = timings[0], timings[1:]
    floor = baseline.percentile("server", 95)
    for t in pages:
        ratio = t.percentile("server", 95) / floor
        lines.append(f"ratio server p95 {_short(t.name)} / {BASELINE} = {ratio:.1f}")
    for html, twin in ((pages[0], pages[1]), (pages[2], pages[3])):
        ratio = html.percentile("server", 95) / twin.percentile("server", 95)
        lines.append(f"ratio server p95 {_short(html.name)} / its JSON twin = {ratio:.2f}")
    for t in pages:
        p95 = t.percentile("server", 95)
        verdict = "PASS" if p95 <= TARGET_P95_MS else "FAIL"
        lines.append(
            f"{verdict}  {_short(t.name)} server p95 {p95:.1f} ms <= {TARGET_P95_MS:.0f} ms"
        )
    return lines


_WIDTH = 36


def _short(url: str) -> str:
    return url.replace(FILTERED, "<filtered+sorted>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="rounds of every variant")
    parser.add_argument("--workspace", type=Path, help="fill (and keep) this new workspace")
    parser.add_argument("--json", type=Path, help="also write every timing here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.workspace or Path(scratch) / "workspace"
        if (root / "evalatlas.db").exists():
            raise SystemExit(f"{root} already holds a workspace; give a new --workspace")
        started = time.perf_counter()
        n_runs = fill_workspace(root, args.models, args.tasks)
        filled = time.perf_counter() - started
        size = f"{args.models} models x {args.tasks} tasks = {n_runs} runs"
        print(f"workspace: {size}, filled in {filled:.1f} s (bulk path)")
        with (
            serving(root, Path(scratch) / "serve.log") as base,
            httpx.Client(base_url=base, timeout=300) as client,
        ):
            built = warm_up(client, args.models)
            print(f"first request (builds and caches the board): {built:.2f} s")
            timings = measure(client, args.requests)
    for line in report(timings):
        print(line)
    if args.json:
        payload = {"models": args.models, "tasks": args.tasks, "fill_s": filled, "build_s": built}
        payload["timings"] = [asdict(t) for t in timings]
        args.json.write_text(json.dumps(payload, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
